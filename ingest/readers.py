"""Readers that find the table inside a spreadsheet or CSV as people make them.

They tolerate a title block above the header, a `No` column, blank rows and a trailing total or
average row, and keep every cell's row number as the user sees it in the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from contracts.failures import SourceFileError
from contracts.text import fold

HEADER_SEARCH_ROWS = 30
_SUMMARY_ROW = re.compile(r"^(jumlah|rata rata|rerata|total|average)\b")


@dataclass
class Table:
    """The rows of one sheet below its header, with the text above the header kept as the title."""

    sheet: str | None
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[object]]]
    title: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _is_blank(cells: list[object]) -> bool:
    return all(_cell_text(c) == "" for c in cells)


def _is_summary(cells: list[object]) -> bool:
    """A `Jumlah` / `Rata-rata` line: its label sits in one of the first cells (often merged)."""
    return any(_SUMMARY_ROW.match(fold(c)) for c in cells[:3] if isinstance(c, str))


def find_table(
    lines: list[tuple[int, list[object]]], known_headers: set[str], sheet: str | None
) -> Table:
    """Locate the header (the first row naming two or more known columns) and the data below it."""
    for position, (row_number, cells) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        if sum(fold(c) in known_headers for c in cells if _cell_text(c)) >= 2:
            title = " ".join(
                _cell_text(c) for _, above in lines[:position] for c in above if _cell_text(c)
            )
            data = [
                (n, row)
                for n, row in lines[position + 1 :]
                if not _is_blank(row) and not _is_summary(row)
            ]
            width = len(cells)
            while width and _cell_text(cells[width - 1]) == "":
                width -= 1
            headers = [_cell_text(c) for c in cells[:width]]
            return Table(sheet, row_number, headers, [(n, r[:width]) for n, r in data], title)
    raise SourceFileError(
        "header_not_found",
        f"no header row in the first {HEADER_SEARCH_ROWS} rows: expected column names such as "
        "'Perangkat Daerah', 'Nilai', 'Predikat'",
        sheet=sheet,
    )


def read_xlsx(
    path: Path, sheets: list[str] | None, known_headers: set[str], require_all: bool = True
) -> list[Table]:
    """Read the named sheets (matched ignoring case and spacing), or the first sheet.

    With `require_all=False` the sheets present among those named are read, and at least one must be.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SourceFileError("not_xlsx", f"not a readable .xlsx workbook ({exc})") from exc
    try:
        by_key = {fold(name): name for name in workbook.sheetnames}
        wanted = sheets or workbook.sheetnames[:1]
        missing = [s for s in wanted if fold(s) not in by_key]
        if not require_all and len(missing) < len(wanted):
            wanted, missing = [s for s in wanted if fold(s) in by_key], []
        if missing:
            raise SourceFileError(
                "sheet_not_found",
                f"sheet {missing[0]!r} not found; the workbook has {workbook.sheetnames}",
                sheet=missing[0],
            )
        tables = []
        for name in wanted:
            actual = by_key[fold(name)]
            lines = [
                (n, list(values))
                for n, values in enumerate(workbook[actual].iter_rows(values_only=True), start=1)
            ]
            if _is_blank([c for _, row in lines for c in row]):
                raise SourceFileError("empty_file", "the sheet has no data", sheet=actual)
            tables.append(find_table(lines, known_headers, actual))
        return tables
    finally:
        workbook.close()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_csv(path: Path, known_headers: set[str]) -> Table:
    """Read `;`-separated (Indonesian Excel) or `,`-separated CSV, with or without a BOM."""
    text = _decode(path.read_bytes())
    if not text.strip():
        raise SourceFileError("empty_file", "the file is empty")
    head = [line for line in text.splitlines()[:HEADER_SEARCH_ROWS] if line.strip()]
    delimiter = ";" if sum(line.count(";") for line in head) else ","
    lines = [
        (n, list(row))
        for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)
    ]
    return find_table(lines, known_headers, None)


def read_json(path: Path) -> object:
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceFileError("empty_file", "the file is empty")
    try:
        return json.loads(_decode(raw))
    except json.JSONDecodeError as exc:
        raise SourceFileError(
            "invalid_json",
            f"not valid JSON (truncated or corrupt): {exc.msg} at line {exc.lineno} column {exc.colno}",
            row=exc.lineno,
        ) from exc
