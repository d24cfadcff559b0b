"""Writing source files in the layouts of docs/sources.md: shared by the samples (`make_samples.py`)
and the benchmark's generator (`bench/generate.py`).

Workbooks get fixed zip times and a fixed `modified` property, so the same content gives the
same bytes every time it is generated.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from contracts import reference

FIXED_TIME = datetime(2026, 1, 15)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def comma(value: float, digits: int = 2) -> str:
    """A number as Indonesian spreadsheets write it: a decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def band(index_code: str, score: float) -> str:
    """The band by the latest rules (the generated years all fall in their period)."""
    return next(b.code for b in reference.bands(index_code) if b.contains(score))


def label(index_code: str, code: str) -> str:
    return next(b.label for b in reference.bands(index_code) if b.code == code)


def write_csv(path: Path, rows: list[list], indonesian: bool) -> None:
    """Indonesian exports: `;`, CRLF and a BOM; the others plain comma-separated UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig" if indonesian else "utf-8") as f:
        writer = csv.writer(
            f, delimiter=";" if indonesian else ",", lineterminator="\r\n" if indonesian else "\n"
        )
        writer.writerows(rows)


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[str], list[list]]]) -> None:
    """sheets: name -> (title lines, header, rows). Title lines are merged across the table."""
    book = Workbook()
    book.remove(book.active)
    book.properties.created = book.properties.modified = FIXED_TIME
    for name, (titles, header, rows) in sheets.items():
        sheet = book.create_sheet(name)
        for number, line in enumerate(titles, start=1):
            sheet.cell(number, 1, line)
            sheet.merge_cells(
                start_row=number, start_column=1, end_row=number, end_column=len(header)
            )
        start = len(titles) + 2  # one blank row between title and header
        for column, text in enumerate(header, start=1):
            sheet.cell(start, column, text)
        for offset, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                sheet.cell(start + offset, column, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    _fix_zip_times(path)


def _fix_zip_times(path: Path) -> None:
    """Rewrite the workbook's zip entries with a fixed time, and its `modified` property (which
    openpyxl sets to the time of saving)."""
    with zipfile.ZipFile(path) as original:
        entries = [(info, original.read(info)) for info in original.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (info, _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data))
        if info.filename == "docProps/core.xml"
        else (info, data)
        for info, data in entries
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed:
        for info, data in entries:
            fixed.writestr(
                zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6]),
                data,
                zipfile.ZIP_DEFLATED,
            )
