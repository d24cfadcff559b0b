"""XLSX workbooks: the values python-calamine reads, and what a person sees that values hide.

Before a workbook is read, the archive is checked against the limits (a zip bomb, a shared
string that expands to a gigabyte) and each sheet to be read is scanned for what would make its
values mislead: a sheet or row hidden from the person who checked it, a formula whose result was
never saved (a reader would see an empty cell), cells merged across data rows, a declared or used
range over `max_sheet_cells`. The scan looks for these in the sheet's XML text first (a declared
range, merged ranges and hidden rows are one pattern each) and parses the XML, streamed with
defusedxml, only when the sheet holds formulas, so an ordinary workbook costs about a
millisecond. Values then come from python-calamine (Rust), which reads the cells a sheet holds,
not the range it declares.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml.ElementTree import iterparse

from contracts.failures import SourceFileError
from contracts.messages import said
from contracts.text import fold
from ingest.limits import Limits, size_text
from ingest.readers import Table, find_table, is_blank

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# The sheet XML's markers, with or without a namespace prefix (`<x:row ...>`).
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([^"]+)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REFERENCE = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')


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
                said(
                    "sheet '{sheet}' not found; the workbook has {sheets}",
                    sheet=missing,
                    sheets=[e.name for e in entries],
                ),
                sheet=missing,
            )
        scans = {e.name: _scan_sheet(archive, e, limits) for e in wanted}
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 (calamine's own errors: the workbook cannot be read)
        raise _not_a_workbook(exc) from exc
    tables = []
    for entry in wanted:
        _refuse_hidden_sheet(entry, entries)
        cells = workbook.get_sheet_by_name(entry.name).to_python(skip_empty_area=False)
        width = max((len(row) for row in cells), default=0)
        _refuse_large(entry, len(cells) * width, limits, "uses")
        lines = [(n, row) for n, row in enumerate(cells, start=1) if not is_blank(row)]
        if not lines:
            _refuse_empty(entry, entries)
        table = find_table(lines, known_headers, entry.name)
        _refuse_what_values_hide(table, scans[entry.name])
        tables.append(table)
    return tables


def _open_archive(path: Path, limits: Limits) -> zipfile.ZipFile:
    """The workbook's archive, once it is known to unpack within `max_uncompressed_bytes`: by
    what it declares, and, where the file is large enough to hold more than it declares, by
    what it really inflates to (counted while inflating, in bounded chunks)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _not_a_workbook(exc) from exc
    limit = limits.max_uncompressed_bytes
    declared = sum(member.file_size for member in archive.infolist())
    if declared > limit:
        archive.close()
        raise SourceFileError(
            "uncompressed_too_large",
            said(
                "the workbook unpacks to {size}, over the limit of {limit} "
                "(max_uncompressed_bytes in the manifest's limits): a zip bomb, or far more "
                "than a table of scores",
                size=size_text(declared),
                limit=size_text(limit),
            ),
        )
    # Deflate expands at most DEFLATE_MAX_RATIO times: a smaller file cannot unpack past the limit.
    if Path(path).stat().st_size * DEFLATE_MAX_RATIO > limit and _inflated(archive, limit) > limit:
        archive.close()
        raise SourceFileError(
            "uncompressed_too_large",
            said(
                "the workbook unpacks to more than the limit of {limit} "
                "(max_uncompressed_bytes in the manifest's limits), though it declares {size}: "
                "a zip bomb",
                size=size_text(declared),
                limit=size_text(limit),
            ),
        )
    return archive


DEFLATE_MAX_RATIO = 1032  # deflate's largest expansion: 258 bytes from about two bits
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name's and extra field's lengths


def _inflated(archive: zipfile.ZipFile, limit: int) -> int:
    """What the members really inflate to, whatever their headers declare; counting stops just
    past `limit`. Each member's deflate stream is inflated from its start to its own end, a MiB
    of output at a time, so memory stays bounded."""
    total = 0
    for member in archive.infolist():
        archive.fp.seek(member.header_offset)
        signature, name, extra = _LOCAL_HEADER.unpack(archive.fp.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise _not_a_workbook(zipfile.BadZipFile(f"{member.filename}: no local header"))
        archive.fp.seek(name + extra, 1)
        if member.compress_type != zipfile.ZIP_DEFLATED:
            total += member.compress_size  # stored: as large as it is in the file
            continue
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        while not inflater.eof and total <= limit:
            pending = archive.fp.read(1 << 16)
            if not pending:
                break
            while pending and total <= limit:
                total += len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
        if total > limit:
            break
    return total


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
        raise _not_a_workbook(exc) from exc
    if not entries:
        raise SourceFileError("not_xlsx", said("the workbook has no sheet"))
    return entries


def _first_visible(entries: list[SheetEntry]) -> list[SheetEntry]:
    visible = [e for e in entries if e.state == "visible"]
    return visible[:1] or entries[:1]


def _scan_sheet(archive: zipfile.ZipFile, entry: SheetEntry, limits: Limits) -> SheetScan:
    """What the sheet's XML says beyond its values; refuse a sheet over `max_sheet_cells`."""
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    try:
        xml = archive.read(entry.member)
    except KeyError as exc:
        raise SourceFileError(
            "not_xlsx", said("sheet '{sheet}' is missing from the archive", sheet=entry.name)
        ) from exc
    if _FORMULA.search(xml):
        return _parse_sheet(archive, entry, limits)
    scan = SheetScan()
    dimension = _DIMENSION.search(xml)
    if dimension:
        scan.declared_cells = _area(dimension.group(1).decode())
        _refuse_large(entry, scan.declared_cells, limits, "declares")
    references = _CELL_REFERENCE.findall(xml)
    if references:
        scan.used_rows = max(int(row) for row in {row for _, row in references})
        letters = {column for column, _ in references}
        scan.used_columns = max(column_index_from_string(c.decode()) for c in letters)
        _refuse_large(entry, scan.used_rows * scan.used_columns, limits, "uses")
    scan.merged = [range_boundaries(m.group(1).decode()) for m in _MERGE.finditer(xml)]
    for row in _HIDDEN_ROW.finditer(xml):
        number = _ROW_NUMBER.search(row.group())
        if number:
            scan.hidden_rows.add(int(number.group(1)))
    return scan


def _parse_sheet(archive: zipfile.ZipFile, entry: SheetEntry, limits: Limits) -> SheetScan:
    """One streaming pass over the sheet's XML, cell by cell."""
    from openpyxl.utils.cell import range_boundaries

    scan = SheetScan()
    with archive.open(entry.member) as stream:
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


# A sheet's range as the workbook declares it, or as its cells use it.
_VERBS = {"declares": said("declares"), "uses": said("uses")}


def _not_a_workbook(exc: Exception) -> SourceFileError:
    return SourceFileError(
        "not_xlsx", said("not a readable .xlsx workbook ({reason})", reason=str(exc))
    )


def _refuse_large(entry: SheetEntry, cells: int, limits: Limits, verb: str) -> None:
    if cells > limits.max_sheet_cells:
        raise SourceFileError(
            "sheet_too_large",
            said(
                "the sheet {verb} a range of {cells} cells, over the limit of {limit} "
                "(max_sheet_cells in the manifest's limits)",
                verb=_VERBS[verb],
                cells=cells,
                limit=limits.max_sheet_cells,
            ),
            sheet=entry.name,
        )


def _refuse_hidden_sheet(entry: SheetEntry, entries: list[SheetEntry]) -> None:
    if entry.state != "visible":
        visible = [e.name for e in entries if e.state == "visible"]
        raise SourceFileError(
            "hidden_sheet",
            said(
                "the data is on a sheet hidden from readers ({state}); the visible sheets "
                "{visible} hold nothing to load: unhide it, or move the table to a visible sheet",
                state=entry.state,
                visible=visible,
            ),
            sheet=entry.name,
        )


def _refuse_empty(entry: SheetEntry, entries: list[SheetEntry]) -> None:
    hidden = [e.name for e in entries if e.state != "visible"]
    if hidden:
        raise SourceFileError(
            "hidden_sheet",
            said(
                "the sheet '{sheet}' is empty, and the workbook hides the sheet(s) {hidden}: a "
                "table there is not what people see; unhide it, or move the table to a visible "
                "sheet",
                sheet=entry.name,
                hidden=hidden,
            ),
            sheet=hidden[0],
        )
    raise SourceFileError("empty_file", said("the sheet has no data"), sheet=entry.name)


def _refuse_what_values_hide(table: Table, scan: SheetScan) -> None:
    data_rows = {n for n, _ in table.rows}
    hidden = sorted(data_rows & scan.hidden_rows)
    if hidden:
        raise SourceFileError(
            "hidden_row",
            said(
                "this data row is hidden in the workbook: what people checked is not what would "
                "be loaded; unhide or delete it"
            ),
            sheet=table.sheet,
            row=hidden[0],
        )
    for row, column, formula in scan.formulas_without_value:
        if row in data_rows or row == table.header_row:
            raise SourceFileError(
                "formula_without_value",
                said(
                    "the cell holds a formula whose result was never saved (written by a "
                    "program, not by Excel): open the workbook in Excel or LibreOffice, "
                    "recalculate, save"
                ),
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
                said(
                    "cells {cells} are merged across the data: each row needs a value of its own "
                    "in each column; unmerge and fill them",
                    cells=_range_text(min_col, min_row, max_col, max_row),
                ),
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
