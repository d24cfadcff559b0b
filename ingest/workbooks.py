"""XLSX workbooks: what openpyxl reads as values, and what a person sees that values alone hide.

Before openpyxl opens a workbook, the archive is checked against the limits (a zip bomb, a
shared string that expands to a gigabyte) and each sheet to be read is scanned once as XML
(streamed, with defusedxml) for what would make its values mislead: a sheet or row hidden from
the person who checked it, a formula whose result was never saved (openpyxl would read an empty
cell), cells merged across data rows, a declared or used range over `max_sheet_cells`. Values
then come from openpyxl in read-only mode with the declared dimension ignored, so a sheet that
claims the last cell of the grid costs nothing.
"""

from __future__ import annotations

import posixpath
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml.ElementTree import iterparse

from contracts.failures import SourceFileError
from contracts.text import fold
from ingest.limits import Limits, size_text
from ingest.readers import Table, find_table, is_blank

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


@dataclass
class SheetScan:
    """What one sheet's XML says beyond its values."""

    declared_cells: int = 0
    used_rows: int = 0
    used_columns: int = 0
    hidden_rows: set[int] = field(default_factory=set)
    formulas_without_value: list[tuple[int, int, str]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # cols and rows, 1-based


@dataclass(frozen=True)
class SheetEntry:
    name: str
    state: str  # visible, hidden or veryHidden
    member: str  # its XML inside the archive


def read_xlsx(
    path: Path,
    sheets: list[str] | None,
    known_headers: set[str],
    limits: Limits,
    require_all: bool = True,
) -> list[Table]:
    """Read the named sheets (matched ignoring case and spacing), or the first visible sheet.

    With `require_all=False` the sheets present among those named are read, and at least one must be.
    """
    with _open_archive(path, limits) as archive:
        entries = _sheet_entries(archive)
        by_key = {fold(e.name): e for e in entries}
        wanted = [by_key.get(fold(s)) for s in sheets] if sheets else _first_visible(entries)
        if not require_all and any(wanted):
            wanted = [e for e in wanted if e]
        if None in wanted:
            missing = sheets[wanted.index(None)]
            raise SourceFileError(
                "sheet_not_found",
                f"sheet {missing!r} not found; the workbook has {[e.name for e in entries]}",
                sheet=missing,
            )
        scans = {e.name: _scan_sheet(archive, e, limits) for e in wanted}
    from openpyxl import load_workbook

    with warnings.catch_warnings():  # about styles and extensions, never about values
        warnings.simplefilter("ignore", UserWarning)
        workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        tables = []
        for entry in wanted:
            _refuse_hidden_sheet(entry, entries)
            worksheet = workbook[entry.name]
            worksheet.reset_dimensions()  # the scan checked the real extent
            lines = [
                (n, list(values))
                for n, values in enumerate(
                    worksheet.iter_rows(min_row=1, min_col=1, values_only=True), start=1
                )
                if not is_blank(list(values))
            ]
            if not lines:
                _refuse_empty(entry, entries)
            table = find_table(lines, known_headers, entry.name)
            _refuse_what_values_hide(table, scans[entry.name])
            tables.append(table)
        return tables
    finally:
        workbook.close()


def _open_archive(path: Path, limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFileError("not_xlsx", f"not a readable .xlsx workbook ({exc})") from exc
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limits.max_uncompressed_bytes:
        archive.close()
        raise SourceFileError(
            "uncompressed_too_large",
            f"the workbook unpacks to {size_text(unpacked)}, over the limit of "
            f"{size_text(limits.max_uncompressed_bytes)} (max_uncompressed_bytes in the manifest's "
            "limits): a zip bomb, or far more than a table of scores",
        )
    return archive


def _sheet_entries(archive: zipfile.ZipFile) -> list[SheetEntry]:
    """The sheets in workbook order with their visibility and XML member."""
    try:
        targets = {
            rel.get("Id"): rel.get("Target")
            for _, rel in iterparse(archive.open("xl/_rels/workbook.xml.rels"))
            if rel.tag == _PACKAGE_RELS
        }
        entries = []
        for _, element in iterparse(archive.open("xl/workbook.xml")):
            if element.tag == f"{_MAIN}sheet":
                target = targets[element.get(_RELATIONSHIP)]
                member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                entries.append(
                    SheetEntry(
                        element.get("name"),
                        element.get("state", "visible"),
                        posixpath.normpath(member),
                    )
                )
    except (KeyError, SyntaxError, ValueError) as exc:
        raise SourceFileError("not_xlsx", f"not a readable .xlsx workbook ({exc})") from exc
    if not entries:
        raise SourceFileError("not_xlsx", "the workbook has no sheet")
    return entries


def _first_visible(entries: list[SheetEntry]) -> list[SheetEntry]:
    visible = [e for e in entries if e.state == "visible"]
    return visible[:1] or entries[:1]


def _scan_sheet(archive: zipfile.ZipFile, entry: SheetEntry, limits: Limits) -> SheetScan:
    """One streaming pass over the sheet's XML; refuse a sheet over `max_sheet_cells`."""
    from openpyxl.utils.cell import range_boundaries

    scan = SheetScan()
    try:
        stream = archive.open(entry.member)
    except KeyError as exc:
        raise SourceFileError(
            "not_xlsx", f"sheet {entry.name!r} is missing from the archive"
        ) from exc
    with stream:
        for _, element in iterparse(stream):
            tag = element.tag.removeprefix(_MAIN)
            if tag == "dimension":
                scan.declared_cells = _area(element.get("ref", "A1"))
                _refuse_large(entry, scan.declared_cells, limits, "declares")
            elif tag == "c":
                _scan_cell(element, scan)
                element.clear()
            elif tag == "row":
                if element.get("hidden") in {"1", "true"}:
                    scan.hidden_rows.add(int(element.get("r")))
                scan.used_rows = max(scan.used_rows, int(element.get("r") or scan.used_rows + 1))
                _refuse_large(entry, scan.used_rows * max(scan.used_columns, 1), limits, "uses")
                element.clear()
            elif tag == "mergeCell":
                scan.merged.append(range_boundaries(element.get("ref")))
    return scan


def _scan_cell(element, scan: SheetScan) -> None:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    reference = element.get("r")
    if not reference:
        return
    letters, row = coordinate_from_string(reference)
    column = column_index_from_string(letters)
    scan.used_columns = max(scan.used_columns, column)
    formula = element.find(f"{_MAIN}f")
    value = element.find(f"{_MAIN}v")
    if formula is not None and (value is None or not (value.text or "").strip()):
        scan.formulas_without_value.append((row, column, formula.text or "(shared formula)"))


def _area(reference: str) -> int:
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(
        reference if ":" in reference else f"{reference}:{reference}"
    )
    return (max_col - min_col + 1) * (max_row - min_row + 1)


def _refuse_large(entry: SheetEntry, cells: int, limits: Limits, verb: str) -> None:
    if cells > limits.max_sheet_cells:
        raise SourceFileError(
            "sheet_too_large",
            f"the sheet {verb} a range of {cells:,} cells, over the limit of "
            f"{limits.max_sheet_cells:,} (max_sheet_cells in the manifest's limits)",
            sheet=entry.name,
        )


def _refuse_hidden_sheet(entry: SheetEntry, entries: list[SheetEntry]) -> None:
    if entry.state != "visible":
        visible = [e.name for e in entries if e.state == "visible"]
        raise SourceFileError(
            "hidden_sheet",
            f"the data is on a sheet hidden from readers ({entry.state}); the visible sheets "
            f"{visible} hold nothing to load: unhide it, or move the table to a visible sheet",
            sheet=entry.name,
        )


def _refuse_empty(entry: SheetEntry, entries: list[SheetEntry]) -> None:
    hidden = [e.name for e in entries if e.state != "visible"]
    if hidden:
        raise SourceFileError(
            "hidden_sheet",
            f"the sheet {entry.name!r} is empty, and the workbook hides the sheet(s) {hidden}: "
            "a table there is not what people see; unhide it, or move the table to a visible sheet",
            sheet=hidden[0],
        )
    raise SourceFileError("empty_file", "the sheet has no data", sheet=entry.name)


def _refuse_what_values_hide(table: Table, scan: SheetScan) -> None:
    data_rows = {n for n, _ in table.rows}
    hidden = sorted(data_rows & scan.hidden_rows)
    if hidden:
        raise SourceFileError(
            "hidden_row",
            "this data row is hidden in the workbook: what people checked is not what would be "
            "loaded; unhide or delete it",
            sheet=table.sheet,
            row=hidden[0],
        )
    for row, column, formula in scan.formulas_without_value:
        if row in data_rows or row == table.header_row:
            raise SourceFileError(
                "formula_without_value",
                "the cell holds a formula whose result was never saved (written by a program, "
                "not by Excel): open the workbook in Excel or LibreOffice, recalculate, save",
                sheet=table.sheet,
                row=row,
                column=_header(table, column),
                value=f"={formula}",
            )
    for min_col, min_row, max_col, max_row in scan.merged:
        rows = set(range(min_row, max_row + 1))
        if rows & data_rows and (max_row > min_row or max_col > min_col):
            raise SourceFileError(
                "merged_cells",
                f"cells {_range_text(min_col, min_row, max_col, max_row)} are merged across the "
                "data: each row needs a value of its own in each column; unmerge and fill them",
                sheet=table.sheet,
                row=min(rows & data_rows),
                column=_header(table, min_col),
            )


def _header(table: Table, column: int) -> str:
    if column <= len(table.headers) and table.headers[column - 1]:
        return table.headers[column - 1]
    return f"(column {column})"


def _range_text(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
