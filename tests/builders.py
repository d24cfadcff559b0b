"""Small writers for source files in the real layouts, so each test states only what it breaks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from openpyxl import Workbook

SAKIP_HEADER = [
    "No",
    "Perangkat Daerah",
    "Perencanaan Kinerja",
    "Pengukuran Kinerja",
    "Pelaporan Kinerja",
    "Evaluasi Akuntabilitas Kinerja Internal",
    "Nilai",
    "Predikat",
]
# Three agencies as the Inspektorat writes them; the components add up to Nilai.
SAKIP_ROWS = [
    [1, "Sekretariat Daerah", "24,50", "22,00", "11,25", "18,00", "75,75", "BB"],
    [2, "Kec. Babelan", "18,00", "17,50", "9,00", "15,00", "59,50", "CC"],
    [3, "Dinas Komunikasi dan Informatika", "26,00", "25,50", "12,00", "20,00", "83,50", " a "],
]


def sakip_csv(path: Path, rows=None, header=None, title: str | None = None) -> Path:
    """An Indonesian-locale Excel export: `;`, decimal comma, BOM, CRLF, a title block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    if title is not None:
        lines += [[title], []]
    lines += [header or SAKIP_HEADER, *(SAKIP_ROWS if rows is None else rows)]
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(lines)
    return path


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook: sheet name -> rows, written from cell A1 down."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def ckan_answer(records: list[dict], total: int | None = None, success: bool = True) -> dict:
    answer = {"success": success, "result": {"records": records, "total": total or len(records)}}
    if not success:
        answer = {"success": False, "error": {"message": "Not found", "__type": "Not Found Error"}}
    return answer


SPIP_RECORD = {
    "tahun": 2023,
    "kode_wilayah": "32.16",
    "nama_wilayah": "Kabupaten Bekasi",
    "skor_maturitas": "3,12",
    "level": "3",
    "penetapan_tujuan": "3,20",
    "struktur_proses": "3,07",
    "pencapaian_tujuan": "3,06",
}


def write_json(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
