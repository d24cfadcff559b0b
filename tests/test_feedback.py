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
