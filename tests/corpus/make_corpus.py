"""Make the bad-input corpus: malformed source files of every source, each with the refusal it
must get.

    python tests/corpus/make_corpus.py            # rewrite tests/corpus/bad/ and expectations.csv
    python tests/corpus/make_corpus.py --big DIR  # also the big files, into DIR (the tests do it)

Files sit as in a sources dir (`<source>/<region code>/<file>`), so that `kinerja validate` and a
refresh both read them as they would a real delivery. `expectations.csv` says, one line a file,
which check must fire on which row and column. The big files (50 MB, zip and dimension bombs,
a shared string of a gigabyte) are made at test time, never committed. The files are the same
bytes on every run.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a script
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.builders import SAKIP_HEADER, SAKIP_ROWS  # three agencies whose parts add up
from tests.corpus.xlsx_writer import (
    Formula,
    SharedString,
    Sheet,
    write_expanding_xlsx,
    write_xlsx,
)

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
EXPECTATIONS = HERE / "expectations.csv"
BEKASI = "32.16"
MB = 1024 * 1024

RB_HEADER = ["Tahun", "Kode", "Perangkat Daerah", "Nilai", "Predikat"]
RB_ROWS = [
    ["2024", "SETDA", "Sekretariat Daerah", "75,40", "BB"],
    ["2024", "SETWAN", "Sekretariat DPRD", "67,85", "B"],
    ["2024", "INSPEKTORAT", "Inspektorat Daerah", "63,88", "B"],
]
MERIT_HEADER = [
    "Tahun",
    "Instansi",
    "Perencanaan Kebutuhan",
    "Pengadaan",
    "Pengembangan Karier",
    "Promosi dan Mutasi",
    "Manajemen Kinerja",
    "Penggajian, Penghargaan, dan Disiplin",
    "Perlindungan dan Pelayanan",
    "Sistem Informasi",
    "Nilai",
    "Kategori",
]
MERIT_ROW = ["2024", "Pemerintah Kabupaten Bekasi", "34,7", "37,6", "40,5", "37,6", "37,6"]
MERIT_ROW += ["34,7", "31,8", "34,5", "289,0", "Baik"]
IPP_HEADER = ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks", "Kategori", "Keterangan"]
IPP_OPD = [
    [1, "Sekretariat Daerah", 98.45, "A", "Pelayanan Prima"],
    [2, "Sekretariat DPRD", "90,10", "A - Pelayanan Prima", "Pelayanan Prima"],
    [3, "Inspektorat Daerah", 84.2, "A-", "Sangat Baik"],
]
IPP_KECAMATAN = [
    [1, "Kec. Babelan", 78.14, "B - Baik", "Baik"],
    [2, "Kecamatan Bojongmangu", "90,53", "Pelayanan Prima", "Pelayanan Prima"],
]
IPP_TITLE = "LAMPIRAN KEPUTUSAN BUPATI BEKASI TENTANG HASIL EVALUASI PELAYANAN PUBLIK TAHUN 2025"
SPIP_RECORD = {
    "tahun": 2024,
    "kode_wilayah": "32.16",
    "nama_wilayah": "Kabupaten Bekasi",
    "skor_maturitas": "3,38",
    "level": "3",
    "penetapan_tujuan": "3,46",
    "struktur_proses": "3,33",
    "pencapaian_tujuan": "3,32",
}
MASTER_HEADER = [
    "agency_code",
    "agency_name",
    "agency_short_name",
    "agency_type",
    "parent_agency_code",
    "aliases",
    "valid_from",
]
MASTER_ROWS = [
    ["32.16", "Pemerintah Kabupaten Bekasi", "Pemkab Bekasi", "pemda", "32", "Kab. Bekasi", "2026-01-01"],
    ["32.16.SETDA", "Sekretariat Daerah", "Setda", "sekretariat", "32.16", "", "2026-01-01"],
    ["32.16.BAPPEDA", "Badan Perencanaan Pembangunan Daerah", "Bappeda", "badan", "32.16", "", "2026-01-01"],
]  # fmt: skip
TARGET_HEADER = [
    "agency",
    "index_code",
    "evaluation_year",
    "target_band",
    "target_score",
    "plan_document",
]
TARGET_ROW = ["32.16.SETDA", "sakip", "2026", "A", "", "Renstra 2026-2031"]


@dataclass(frozen=True)
class Case:
    """One malformed file: where it goes, what it breaks, and the refusal it must get."""

    path: str  # <source>/<region>/<file>
    check: str  # the check that must fire (a prefix: `in_range` matches `in_range(0.0, 100.0)`)
    row: int | None
    column: str | None
    what: str
    make: Callable[[Path], object]
    big: bool = False  # made at test time, never committed


# --- writers ---


def text_file(content: str | bytes, encoding: str = "utf-8") -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))

    return make


def csv_text(rows: list[list], delimiter: str = ";") -> str:
    """As Excel exports it: quoted where a cell holds the delimiter, CRLF line ends."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def unquoted(rows: list[list], delimiter: str) -> str:
    """As a careless export writes it: cells joined, never quoted."""
    return "".join(delimiter.join(str(c) for c in row) + "\r\n" for row in rows)


def csv_file(rows: list[list], delimiter: str = ";", encoding: str = "utf-8-sig"):
    return text_file(csv_text(rows, delimiter), encoding)


def json_file(document: object) -> Callable[[Path], None]:
    return text_file(json.dumps(document, ensure_ascii=False, indent=1))


def xlsx_file(*sheets: Sheet) -> Callable[[Path], None]:
    return lambda path: write_xlsx(path, list(sheets))


def sakip(*changes: tuple[int, int, object]) -> list[list]:
    """The SAKIP table with cells changed: (data row index, column index, value)."""
    rows = [list(r) for r in SAKIP_ROWS]
    for row, column, value in changes:
        rows[row][column] = value
    return [SAKIP_HEADER, *rows]


def numeric_sakip() -> list[list]:
    """The SAKIP rows as a spreadsheet holds them: numbers as numbers."""
    return [
        [int(r[0]), r[1], *(float(v.replace(",", ".")) for v in r[2:7]), r[7]] for r in SAKIP_ROWS
    ]


def spbe_document(**changes) -> dict:
    document = {
        "instansi": "Pemerintah Kabupaten Bekasi",
        "kode_wilayah": "32.16",
        "tahun": 2024,
        "tanggal_pengumuman": "2025-01-04",
        "indeks": 4.08,
        "predikat": "Sangat Baik",
        "domain": [
            {"kode": "kebijakan_internal", "nama": "Kebijakan Internal SPBE", "indeks": 3.83},
            {"kode": "tata_kelola", "nama": "Tata Kelola SPBE", "indeks": 4.35},
            {"kode": "manajemen", "nama": "Manajemen SPBE", "indeks": 4.09},
            {"kode": "layanan", "nama": "Layanan SPBE", "indeks": 4.04},
        ],
        "indikator": [
            {
                "nomor": n,
                "nama": f"Indikator {n}",
                "domain": _spbe_domain(n),
                "tingkat_kematangan": 4,
            }
            for n in range(1, 48)
        ],
    }
    document.update(changes)
    return document


def _spbe_domain(number: int) -> str:
    return ("kebijakan_internal" if number <= 10 else "tata_kelola" if number <= 20
            else "manajemen" if number <= 31 else "layanan")  # fmt: skip


def ckan(*records: dict, total: int | None = None) -> dict:
    return {
        "help": "datastore_search",
        "success": True,
        "result": {"records": list(records), "total": len(records) if total is None else total},
    }


def ipp_workbook(opd=None, kecamatan=None, states=("visible", "visible")) -> Callable:
    return xlsx_file(
        Sheet("Lampiran I", [[IPP_TITLE], [], IPP_HEADER, *(opd or IPP_OPD)], state=states[0]),
        Sheet("Lampiran II", [[IPP_TITLE], [], IPP_HEADER, *(kecamatan or IPP_KECAMATAN)], state=states[1]),
    )  # fmt: skip


def master(*rows: list) -> Callable[[Path], None]:
    return csv_file([MASTER_HEADER, *rows], delimiter=",", encoding="utf-8")


def targets(*rows: list) -> Callable[[Path], None]:
    return csv_file([TARGET_HEADER, *rows], delimiter=",", encoding="utf-8")


def deeply_nested(depth: int) -> Callable[[Path], None]:
    return text_file("[" * depth + "]" * depth)


def fifty_megabytes(path: Path) -> None:
    """A SAKIP export of 50 MB: the same three rows again and again (row numbers run on)."""
    body = csv_text(SAKIP_ROWS).encode("utf-8")
    with path.open("wb") as f:
        f.write(csv_text([SAKIP_HEADER]).encode("utf-8"))
        for _ in range(50 * MB // len(body) + 1):
            f.write(body)


def dimension_bomb(path: Path) -> None:
    """Six kilobytes that claim the last cell of the grid (A1:XFD1048576)."""
    write_xlsx(
        path, [Sheet("Hasil Evaluasi", [SAKIP_HEADER, *numeric_sakip()], dimension="A1:XFD1048576")]
    )


def zip_bomb(path: Path) -> None:
    """A valid-looking workbook with a member that unpacks to 2 GB of one repeated byte."""
    sheet = Sheet("Hasil Evaluasi", [SAKIP_HEADER, *numeric_sakip()])
    write_expanding_xlsx(path, sheet, "xl/media/image1.bin", 2 * 1024 * MB)


def gigabyte_cell(path: Path) -> None:
    """A small workbook whose one agency-name cell is a shared string of 1 GB."""
    rows = [SAKIP_HEADER, *numeric_sakip()]
    rows[1][1] = SharedString(0)
    write_expanding_xlsx(path, Sheet("Hasil Evaluasi", rows), "xl/sharedStrings.xml", 1024 * MB)


def xlsx_bytes_named_csv(path: Path) -> None:
    write_xlsx(path, [Sheet("Hasil Evaluasi", [SAKIP_HEADER, *numeric_sakip()])])


# --- the corpus ---

S, R = f"sakip/{BEKASI}", f"rb/{BEKASI}"
SP, SB, IP, ME = f"spip/{BEKASI}", f"spbe/{BEKASI}", f"ipp/{BEKASI}", f"merit/{BEKASI}"
AG, TG = f"agencies/{BEKASI}", f"targets/{BEKASI}"
_TITLE = ["HASIL EVALUASI AKIP TAHUN 2024"]

CASES = [
    # Contract checks of SAKIP, each on a cell
    Case(f"{S}/sakip_2024_missing_column.csv", "missing_column", None, "pelaporan",
         "a required column is absent",
         csv_file([[h for h in SAKIP_HEADER if h != "Pelaporan Kinerja"],
                   *[r[:4] + r[5:] for r in SAKIP_ROWS]])),
    Case(f"{S}/sakip_2024_unknown_column.csv", "unknown_column", None, "Catatan Evaluator",
         "a column the layout does not have",
         csv_file([SAKIP_HEADER + ["Catatan Evaluator"], *[r + ["-"] for r in SAKIP_ROWS]])),
    Case(f"{S}/sakip_2024_two_headers_one_column.csv", "duplicate_column", 1, "Unit Kerja",
         "two headers that both mean the agency",
         csv_file([SAKIP_HEADER[:2] + ["Unit Kerja"] + SAKIP_HEADER[2:],
                   *[r[:2] + [r[1]] + r[2:] for r in SAKIP_ROWS]])),
    Case(f"{S}/sakip_2024_score_over_100.csv", "in_range", 3, "Nilai", "a score above the scale",
         csv_file(sakip((1, 6, "105,00")))),
    Case(f"{S}/sakip_2024_component_over_weight.csv", "in_range", 2, "Perencanaan Kinerja",
         "a component above its weight of 30 points",
         csv_file(sakip((0, 2, "31,00"), (0, 6, "82,25"), (0, 7, "A")))),
    Case(f"{S}/sakip_2024_sum_mismatch.csv", "components_sum_to_score", 2, "Nilai",
         "Nilai is not the sum of its components", csv_file(sakip((0, 6, "77,00")))),
    Case(f"{S}/sakip_2024_predicate_mismatch.csv", "predicate_matches_score", 2, "Predikat",
         "a predicate that disagrees with the score", csv_file(sakip((0, 7, "A")))),
    Case(f"{S}/sakip_2020.csv", "rules_for_year", 2, "evaluation_year",
         "an evaluation year no band table of kinerja holds for (88/2021's from 2021)",
         csv_file(sakip())),
    Case(f"{S}/sakip_2024_unknown_predicate.csv", "known_predicate", 4, "Predikat",
         "a predicate that is not a SAKIP band", csv_file(sakip((2, 7, "ZZ")))),
    Case(f"{S}/sakip_2024_unknown_agency.csv", "known_agency", 3, "Perangkat Daerah",
         "an agency the regency's master does not know",
         csv_file(sakip((1, 1, "Dinas Urusan Luar Angkasa")))),
    Case(f"{S}/sakip_2024_agency_of_another_regency.csv", "known_agency", 3, "Perangkat Daerah",
         "a kecamatan of Karawang in Bekasi's file", csv_file(sakip((1, 1, "Kecamatan Rengasdengklok")))),
    Case(f"{S}/sakip_2024_agency_twice.csv", "one_row_per_agency_year", 2, "Perangkat Daerah",
         "the same agency twice in one year", csv_file(sakip((1, 1, "Setda Kab. Bekasi")))),
    Case(f"{S}/sakip_2024_text_for_a_number.csv", "number_format", 2, "Nilai",
         "a word where a number belongs", csv_file(sakip((0, 6, "tujuh puluh lima")))),
    Case(f"{S}/sakip_2024_ambiguous_thousands.csv", "number_format", 2, "Pelaporan Kinerja",
         "1.125 could be one thousand or one point one", csv_file(sakip((0, 4, "11.250")))),
    Case(f"{S}/sakip_2024_missing_score.csv", "not_nullable", 3, "Nilai", "an empty Nilai",
         csv_file(sakip((1, 6, "")))),
    Case(f"{S}/sakip_2024_formula_text_in_csv.csv", "number_format", 2, "Nilai",
         "a formula exported as text instead of its value", csv_file(sakip((0, 6, "=SUM(C2:F2)")))),
    Case(f"{S}/sakip_2024_html_in_name.csv", "known_agency", 2, "Perangkat Daerah",
         "an agency name carrying HTML", csv_file(sakip((0, 1, "<script>alert('x')</script>")))),
    Case(f"{S}/sakip_2024_formula_in_name.csv", "known_agency", 4, "Perangkat Daerah",
         "an agency name carrying a spreadsheet formula",
         csv_file(sakip((2, 1, '=HYPERLINK("http://x.example";"Dinas")')))),
    # Whole-file problems
    Case(f"{S}/sakip_2024_no_header.csv", "header_not_found", None, None,
         "no row names the layout's columns", csv_file([["Kode", "Nama", "Angka"], ["1", "X", "2"]])),
    Case(f"{S}/sakip_2024_empty.csv", "empty_file", None, None, "an empty file", text_file("")),
    Case(f"{S}/sakip_2024_header_only.csv", "empty_file", None, None, "a header and no rows",
         csv_file([SAKIP_HEADER])),
    Case(f"{S}/sakip_2024.pdf", "unsupported_format", None, None, "a PDF in the folder",
         text_file(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")),
    Case(f"{S}/sakip_2024_not_a_workbook.xlsx", "not_xlsx", None, None,
         "an HTML error page saved as .xlsx",
         text_file("<html><body>Sesi berakhir, silakan masuk kembali</body></html>")),
    Case(f"{S}/sakip_2024_workbook_named_csv.csv", "format_mismatch", None, None,
         "an XLSX workbook named .csv", xlsx_bytes_named_csv),
    # The evaluation year
    Case(f"{S}/sakip_2024_title_disagrees.csv", "year_disagreement", None, None,
         "the title block and the file name name different years",
         csv_file([["HASIL EVALUASI AKIP TAHUN 2023"], [], *sakip()])),
    Case(f"{S}/sakip_2024_tahun_column_disagrees.csv", "year_disagreement", None, None,
         "a year in the file name disagreeing with the Tahun column",
         csv_file([["Tahun", *SAKIP_HEADER], *[["2023", *r] for r in SAKIP_ROWS]])),
    Case(f"{S}/sakip_hasil_evaluasi.csv", "year_unknown", None, None,
         "no year in a column, the title or the file name", csv_file(sakip())),
    Case(f"{S}/sakip_2024_dates_in_tahun.csv", "year_format", 2, "Tahun",
         "dates in the Tahun column",
         csv_file([["Tahun", *SAKIP_HEADER], *[["31/12/2024", *r] for r in SAKIP_ROWS]])),
    Case(f"{S}/sakip_2024_tahun_as_date_cells.xlsx", "year_format", 2, "Tahun",
         "a Tahun column of date cells (serial numbers with a date format)",
         xlsx_file(Sheet("Hasil Evaluasi", [["Tahun", *SAKIP_HEADER],
                                            *[[date(2024, 12, 31), *r] for r in numeric_sakip()]]))),
    Case(f"{S}/sakip_2024_title_names_karawang.csv", "region_disagreement", None, None,
         "a title naming another regency than the file's folder",
         csv_file([["HASIL EVALUASI AKIP KABUPATEN KARAWANG TAHUN 2024"], [], *sakip()])),
    Case("sakip/32.99/sakip_2024.csv", "unknown_region", None, None,
         "a folder named by a code that is no region", csv_file(sakip())),
    # Encodings, delimiters, shapes
    Case(f"{S}/sakip_2024_utf16_tabs.csv", "predicate_matches_score", 3, "Predikat",
         "UTF-16 with BOM, tab-delimited: read, and refused for its real error",
         csv_file(sakip((1, 7, "B")), delimiter="\t", encoding="utf-16")),
    Case(f"{S}/sakip_2024_latin1.csv", "components_sum_to_score", 6, "Nilai",
         "Windows-1252 with a title block: read, row numbers as in the file",
         csv_file([["HASIL EVALUASI AKIP TAHUN 2024 – Inspektorat (revisi)"], [],
                   *sakip((2, 6, "84,50"), (2, 7, "A"))], encoding="cp1252")),
    Case(f"{S}/sakip_2024_broken_utf16.csv", "encoding", None, None,
         "a UTF-16 byte-order mark on a file cut mid-character",
         text_file(csv_text(sakip()).encode("utf-16")[:-1])),
    Case(f"{S}/sakip_2024_mixed_encoding.csv", "mixed_encoding", 4, None,
         "UTF-8 with one line saved as Windows-1252",
         text_file(csv_text([["HASIL EVALUASI AKIP TAHUN 2024 — revisi"], [], SAKIP_HEADER]).encode()
                   + csv_text(SAKIP_ROWS[:1]).replace("Daerah", "Daérah").encode("cp1252")
                   + csv_text(SAKIP_ROWS[1:]).encode())),
    Case(f"{S}/sakip_2024_nul_bytes.csv", "nul_bytes", 3, None, "NUL bytes inside a cell",
         csv_file(sakip((1, 1, "Kec. Bab\x00elan")))),
    Case(f"{S}/sakip_2024_cell_over_field_limit.csv", "cell_too_large", 3, None,
         "an unclosed quote that swallows the rest of the file",
         text_file(csv_text(sakip()[:2]) + '2;"Kec. Babelan;18,00' + ";x" * 70_000 + "\r\n")),
    Case(f"{S}/sakip_2024_comma_with_decimal_commas.csv", "extra_cells", 2, "(column 9)",
         "comma-delimited with unquoted decimal commas: every cell after the first shifts",
         text_file(unquoted(sakip(), delimiter=","))),
    Case(f"{S}/sakip_2024_header_repeated.csv", "repeated_header", 4, None,
         "the header repeated inside the data (two tables pasted together)",
         csv_file([*sakip()[:3], SAKIP_HEADER, *sakip()[3:]])),
    Case(f"{S}/sakip_2024_blank_rows_between.csv", "predicate_matches_score", 6, "Predikat",
         "blank rows between the data: skipped, and rows still numbered as in the file",
         csv_file([*sakip()[:3], [], [], *[r[:7] + ["B"] for r in sakip()[3:]]])),
    # Workbooks: what values alone would hide
    Case(f"{S}/sakip_2024_data_on_hidden_sheet.xlsx", "hidden_sheet", None, None,
         "the data on a hidden sheet while the visible one is empty",
         xlsx_file(Sheet("Data", [SAKIP_HEADER, *numeric_sakip()], state="hidden"),
                   Sheet("Ringkasan", []))),
    Case(f"{S}/sakip_2024_hidden_row.xlsx", "hidden_row", 6, None,
         "a data row hidden from whoever checked the sheet",
         xlsx_file(Sheet("Hasil Evaluasi", [_TITLE, [], SAKIP_HEADER, *numeric_sakip()],
                         hidden_rows={6}))),
    Case(f"{S}/sakip_2024_formula_without_value.xlsx", "formula_without_value", 4, "Nilai",
         "a formula whose result was never saved",
         xlsx_file(Sheet("Hasil Evaluasi", [_TITLE, [], SAKIP_HEADER,
                                            numeric_sakip()[0][:6] + [Formula("SUM(C4:F4)"), "BB"],
                                            *numeric_sakip()[1:]]))),
    Case(f"{S}/sakip_2024_merged_cells.xlsx", "merged_cells", 5, "Perangkat Daerah",
         "an agency name merged over two data rows",
         xlsx_file(Sheet("Hasil Evaluasi", [_TITLE, [], SAKIP_HEADER, *numeric_sakip()],
                         merged=["A1:H1", "B5:B6"]))),
    # RB
    Case(f"{R}/rb_2024_kode_of_another_agency.csv", "kode_matches_agency", 3, "Kode",
         "a Kode that belongs to another agency",
         csv_file([RB_HEADER, RB_ROWS[0], ["2024", "INSPEKTORAT", "Sekretariat DPRD", "67,85", "B"]])),
    Case(f"{R}/rb_2024_score_over_100.csv", "in_range", 4, "Nilai", "an RB score above 100",
         csv_file([RB_HEADER, *RB_ROWS[:2], ["2024", "INSPEKTORAT", "Inspektorat Daerah", "163,88", "AA"]])),
    Case(f"{R}/rb_2024_two_years.csv", "year_disagreement", None, None,
         "a 2024 file whose Tahun column also holds 2025",
         csv_file([RB_HEADER, *RB_ROWS[:2], ["2025", "INSPEKTORAT", "Inspektorat Daerah", "63,88", "B"]])),
    Case(f"{R}/rb_2024_pipe_delimited.csv", "predicate_matches_score", 2, "Predikat",
         "a |-delimited export: read, and refused for its real error",
         csv_file([RB_HEADER, ["2024", "SETDA", "Sekretariat Daerah", "75,40", "B"], *RB_ROWS[1:]],
                  delimiter="|")),
    # SPIP: CKAN answers
    Case(f"{SP}/spip_2024_success_false.json", "portal_error", None, None,
         "a saved portal answer that says success: false",
         json_file({"success": False, "error": {"message": "Not found", "__type": "Not Found Error"}})),
    Case(f"{SP}/spip_2024_total_promises_more.json", "total_mismatch", None, "result.total",
         "total promises 3 records, the answer holds 1", json_file(ckan(SPIP_RECORD, total=3))),
    Case(f"{SP}/spip_2024_records_an_object.json", "wrong_type", None, "result.records",
         "an object where the list of records belongs",
         json_file({"success": True, "result": {"records": SPIP_RECORD, "total": 1}})),
    Case(f"{SP}/spip_2024_duplicate_key.json", "duplicate_key", None, "skor_maturitas",
         "a record with skor_maturitas twice (the last would silently win)",
         text_file(json.dumps(ckan(SPIP_RECORD)).replace('"level"', '"skor_maturitas": "4,10", "level"'))),
    Case(f"{SP}/spip_2024_nan.json", "not_a_number", None, None, "NaN as a score",
         text_file(json.dumps(ckan(SPIP_RECORD | {"skor_maturitas": float("nan")})))),
    Case(f"{SP}/spip_2024_infinity.json", "not_a_number", None, None, "Infinity as a score",
         text_file(json.dumps(ckan(SPIP_RECORD | {"skor_maturitas": float("inf")})))),
    Case(f"{SP}/spip_2024_nested_10000_deep.json", "json_too_deep", 1, None,
         "JSON nested 10,000 deep", deeply_nested(10_000)),
    Case(f"{SP}/spip_2024_truncated.json", "invalid_json", None, None, "an answer cut off mid-way",
         text_file(json.dumps(ckan(SPIP_RECORD), indent=1)[:180])),
    Case(f"{SP}/spip_2024_other_region.json", "region_of_file", 1, "kode_wilayah",
         "a Karawang record in Bekasi's folder",
         json_file(ckan(SPIP_RECORD | {"kode_wilayah": "32.15", "nama_wilayah": "Kabupaten Karawang"}))),
    Case(f"{SP}/spip_2024_level_disagrees.json", "predicate_matches_score", 1, "level",
         "level 4 for a maturity of 3,38", json_file(ckan(SPIP_RECORD | {"level": "4"}))),
    Case(f"{SP}/spip_2024_score_over_5.json", "in_range", 1, "skor_maturitas",
         "a maturity above 5", json_file(ckan(SPIP_RECORD | {"skor_maturitas": "5,38", "level": "5"}))),
    Case(f"{SP}/spip_2024_negative_risk_index.json", "greater_than_or_equal_to", 1, "mri",
         "a negative risk-management index", json_file(ckan(SPIP_RECORD | {"mri": "-0,40"}))),
    Case(f"{SP}/spip_2024_date_as_year.json", "year_format", 1, "tahun",
         "a date where the year belongs", json_file(ckan(SPIP_RECORD | {"tahun": "2024-12-31"}))),
    Case(f"{SP}/spip_2023.json", "year_disagreement", None, None,
         "a file named 2023 whose records are of 2024", json_file(ckan(SPIP_RECORD))),
    Case(f"{SP}/spip_2024_no_records.json", "empty_file", None, None, "an answer with no records",
         json_file(ckan())),
    # SPBE documents
    Case(f"{SB}/spbe_2024_domain_an_object.json", "wrong_type", None, "domain",
         "an object where the list of domains belongs",
         json_file(spbe_document(domain={"kode": "layanan", "indeks": 4.04}))),
    Case(f"{SB}/spbe_2024_three_domains.json", "spbe_domains", None, "domain",
         "a domain missing", json_file(spbe_document(domain=spbe_document()["domain"][:3]))),
    Case(f"{SB}/spbe_2024_46_indicators.json", "forty_seven_indicators", None, None,
         "an indicator missing", json_file(spbe_document(indikator=spbe_document()["indikator"][:46]))),
    Case(f"{SB}/spbe_2024_level_6.json", "in_range", 12, "tingkat_kematangan",
         "a maturity level of 6",
         json_file(spbe_document(indikator=[i | ({"tingkat_kematangan": 6} if i["nomor"] == 12 else {})
                                            for i in spbe_document()["indikator"]]))),
    Case(f"{SB}/spbe_2024_indicator_of_no_domain.json", "isin", 47, "domain",
         "an indicator of a domain SPBE does not have",
         json_file(spbe_document(indikator=[i | ({"domain": "keamanan"} if i["nomor"] == 47 else {})
                                            for i in spbe_document()["indikator"]]))),
    Case(f"{SB}/spbe_2024_announcement_not_a_date.json", "coerce_dtype", 1, "tanggal_pengumuman",
         "an announcement date written in words", json_file(spbe_document(tanggal_pengumuman="4 Januari 2025"))),
    Case(f"{SB}/spbe_2024_predicate_disagrees.json", "predicate_matches_score", 1, "predikat",
         "Memuaskan for an index of 4,08", json_file(spbe_document(predikat="Memuaskan"))),
    Case(f"{SB}/spbe_2024_not_an_evaluation.json", "invalid_document", None, None,
         "a JSON document that is not an SPBE evaluation", json_file({"pesan": "tidak ditemukan"})),
    Case(f"{SB}/spbe_2024_index_over_5.json", "in_range", 1, "indeks", "an index above 5",
         json_file(spbe_document(indeks=40.8, predikat=None))),
    # IPP decrees
    Case(f"{IP}/ipp_2025_scale_unknown.xlsx", "scale_unknown", None, "Nilai Indeks",
         "values that fit neither the 0-5 nor the 0-100 scale",
         ipp_workbook(opd=[[1, "Sekretariat Daerah", 3.2, "B-", ""], [2, "Sekretariat DPRD", 88.1, "A-", ""]])),
    Case(f"{IP}/ipp_2025_no_lampiran.xlsx", "sheet_not_found", None, None,
         "a workbook without the Lampiran sheets",
         xlsx_file(Sheet("Sheet1", [IPP_HEADER, *IPP_OPD]))),
    Case(f"{IP}/ipp_2025_kecamatan_hidden.xlsx", "hidden_sheet", None, None,
         "Lampiran II hidden", ipp_workbook(states=("visible", "hidden"))),
    Case(f"{IP}/ipp_2025_category_disagrees.xlsx", "predicate_matches_score", 4, "Kategori",
         "category C for 98,45 (A)",
         ipp_workbook(opd=[[1, "Sekretariat Daerah", 98.45, "C", "Cukup"], *IPP_OPD[1:]])),
    Case(f"{IP}/ipp_kemenpanrb_2025_aspects_disagree.xlsx", "weighted_components_match_score", 5,
         "Nilai Indeks", "an index that is not the weighted sum of its six aspects",
         xlsx_file(Sheet("Lampiran I", [["HASIL EVALUASI PELAYANAN PUBLIK TAHUN 2025"], [],
                                        ["No", "Unit Penyelenggara Pelayanan Publik", "Nilai Indeks",
                                         "Kebijakan Pelayanan", "Profesionalisme SDM", "Sarana Prasarana",
                                         "Sistem Informasi Pelayanan Publik", "Konsultasi dan Pengaduan",
                                         "Inovasi", "Kategori"],
                                        [1, "RSUD Kabupaten Bekasi", 4.09, 4.54, 3.71, 3.41, 4.08, 4.47,
                                         4.66, "A-"],
                                        [2, "Dinas Kependudukan dan Pencatatan Sipil", 4.45, 4.36, 3.94,
                                         4.43, 3.92, 3.55, 3.97, "A-"]]))),
    # Merit
    Case(f"{ME}/merit_2025_new_model.csv", "unsupported_model", None, None,
         "the PermenPAN-RB 19/2025 model (0-1, Dasar..Maju)",
         csv_file([["Tahun", "Instansi", "Nilai", "Kategori"], ["2025", "Pemerintah Kabupaten Bekasi", "0,82", "Maju"]])),
    Case(f"{ME}/merit_2024_below_100.csv", "in_range", 2, "Nilai", "a merit score below 100",
         csv_file([["Tahun", "Instansi", "Nilai", "Kategori"], ["2024", "Pemerintah Kabupaten Bekasi", "95,0", "I"]])),
    Case(f"{ME}/merit_2024_category_disagrees.csv", "predicate_matches_score", 2, "Kategori",
         "category IV for 289", csv_file([MERIT_HEADER, MERIT_ROW[:-1] + ["IV"]])),
    # Agency masters
    Case(f"{AG}/agencies_2026_code_of_another_regency.csv", "code_under_regency", 5, "agency_code",
         "a code under Karawang in Bekasi's master",
         master(*MASTER_ROWS, ["32.15.DISDIK", "Dinas Pendidikan", "Disdik", "dinas", "32.16", "", "2026-01-01"])),
    Case(f"{AG}/agencies_2026_unknown_type.csv", "known_agency_type", 3, "agency_type",
         "an agency type WAREHOUSE.md does not list",
         master(MASTER_ROWS[0], MASTER_ROWS[1][:3] + ["kantor"] + MASTER_ROWS[1][4:], MASTER_ROWS[2])),
    Case(f"{AG}/agencies_2026_missing_parent.csv", "parent_exists", 3, "parent_agency_code",
         "a parent that is not in the master",
         master(MASTER_ROWS[0], MASTER_ROWS[1][:4] + ["32.16.NOPE"] + MASTER_ROWS[1][5:], MASTER_ROWS[2])),
    Case(f"{AG}/agencies_2026_alias_of_two.csv", "name_names_one_agency", 3, "agency_name",
         "an alias that names two agencies",
         master(MASTER_ROWS[0], MASTER_ROWS[1][:5] + ["Bappeda"] + MASTER_ROWS[1][6:], MASTER_ROWS[2])),
    Case(f"{AG}/agencies_2026_no_regency_row.csv", "regency_row_present", None, None,
         "a master without the regency itself", master(*MASTER_ROWS[1:])),
    Case(f"{AG}/agencies_2026_two_versions_same_day.csv", "one_version_per_date", 3, "agency_code",
         "one code twice with the same valid_from", master(*MASTER_ROWS, MASTER_ROWS[1])),
    Case(f"{AG}/agencies_2026_serial_date.csv", "date_format", 3, "valid_from",
         "a date as an Excel serial number",
         master(MASTER_ROWS[0], MASTER_ROWS[1][:6] + ["46023"], MASTER_ROWS[2])),
    # Targets
    Case(f"{TG}/targets_2026_unknown_agency.csv", "known_agency", 2, "agency",
         "a target for an agency not in the master", targets(["32.16.NOPE", *TARGET_ROW[1:]])),
    Case(f"{TG}/targets_2026_unknown_index.csv", "known_index", 2, "index_code",
         "an index that does not exist", targets([TARGET_ROW[0], "zi", *TARGET_ROW[2:]])),
    Case(f"{TG}/targets_2026_band_of_another_index.csv", "target_band_of_index", 2, "target_band",
         "a merit band as a SAKIP target", targets(TARGET_ROW[:3] + ["IV"] + TARGET_ROW[4:])),
    Case(f"{TG}/targets_2026_score_outside_band.csv", "target_score_in_band", 2, "target_score",
         "a target score of 95 for band A (80-90)", targets(TARGET_ROW[:4] + ["95"] + TARGET_ROW[5:])),
    Case(f"{TG}/targets_2026_twice.csv", "one_target_per_agency_index_year", 2, "agency",
         "two targets for one agency, index and year", targets(TARGET_ROW, TARGET_ROW[:3] + ["AA"] + TARGET_ROW[4:])),
    # Big files, made at test time
    Case(f"{S}/sakip_2024_50_megabytes.csv", "file_too_large", None, None, "a 50 MB export",
         fifty_megabytes, big=True),
    Case(f"{S}/sakip_2024_dimension_bomb.xlsx", "sheet_too_large", None, None,
         "6 KB claiming the last cell of the grid", dimension_bomb, big=True),
    Case(f"{S}/sakip_2024_zip_bomb.xlsx", "uncompressed_too_large", None, None,
         "a workbook that unpacks to 2 GB", zip_bomb, big=True),
    Case(f"{S}/sakip_2024_gigabyte_cell.xlsx", "uncompressed_too_large", None, None,
         "one cell whose shared string is 1 GB", gigabyte_cell, big=True),
]  # fmt: skip


def make(cases: list[Case], root: Path) -> None:
    for case in cases:
        path = root / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        case.make(path)


def write_expectations(cases: list[Case], path: Path = EXPECTATIONS) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "check", "row", "column", "made_at_test_time", "what"])
        for c in cases:
            writer.writerow(
                [c.path, c.check, c.row or "", c.column or "", "yes" if c.big else "", c.what]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big", type=Path, help="write the big files into this folder")
    args = parser.parse_args()
    if args.big:
        make([c for c in CASES if c.big], args.big)
        return
    make([c for c in CASES if not c.big], BAD)
    write_expectations(CASES)
    print(f"{len(CASES)} cases: {BAD}, {EXPECTATIONS}")


if __name__ == "__main__":
    main()
