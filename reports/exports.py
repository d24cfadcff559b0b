"""The review's tables as CSV files and one XLSX workbook, safe to open in a spreadsheet.

Source text (agency names, file names, error messages) may start with a character a spreadsheet
reads as a formula. In a CSV such a cell is prefixed with `'` so that it stays text; in the
workbook it is a text cell with Excel's quote prefix, which keeps it text without showing an
apostrophe. Numbers stay numbers, negative changes included. The workbook's headers are words
(`Tahun evaluasi`), its header row is frozen and its columns are as wide as what they hold.

What a person reads is worded, in both (`worded`): an index as leaders name it (`IPP`, not
`ipp`), a group and a source by their Indonesian names, yes and no as `ya` and `tidak`, and a share
as a percentage (a column `<name>_persen`: `57.6` in the CSV, `57,6 %` in an Indonesian
spreadsheet).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from contracts import reference
from reports import bahasa
from serving import crash_points

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WIDEST = 60


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns neutralised; numeric, boolean and date columns untouched."""
    safe = frame.copy()
    for column in safe.columns:
        if not (
            pd.api.types.is_numeric_dtype(safe[column])
            or pd.api.types.is_datetime64_any_dtype(safe[column])
        ):
            safe[column] = safe[column].map(neutralise)
    return safe


def heading(column: str) -> str:
    """A CSV column name as a person reads it: `tahun_evaluasi` -> `Tahun evaluasi`,
    `tercapai_persen` -> `Tercapai (%)`."""
    words = str(column).replace("_utc", " (UTC)").replace(PERCENT, " (%)").replace("_", " ")
    return words[:1].upper() + words[1:]


PERCENT = "_persen"  # a column of shares, as percentages (0-100)
# Columns of codes, and how each code is worded for people
_WORDED_VALUES = {
    "indeks": bahasa.nama_indeks,
    "kelompok": bahasa.GROUPS.get,
    "sumber": bahasa.nama_sumber,
}


def worded(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes as people name them: index columns (a heatmap's) and values, groups, sources;
    yes and no in Indonesian; percentages to one decimal."""
    indices = set(reference.indices())
    words = frame.rename(columns={c: bahasa.nama_indeks(c) for c in frame.columns if c in indices})
    for column in words.columns:
        values = words[column]
        if column in _WORDED_VALUES:
            words[column] = values.map(
                lambda v, name=_WORDED_VALUES[column]: v if pd.isna(v) else name(v) or v
            )
        elif pd.api.types.is_bool_dtype(values):
            words[column] = values.map({True: "ya", False: "tidak"})
        elif str(column).endswith(PERCENT):
            words[column] = values.astype("Float64").round(1)
    return words


def write_exports(tables: dict[str, pd.DataFrame], csv_dir: Path, workbook: Path) -> None:
    """One CSV per table in `csv_dir`, and a sheet per table in `workbook`, worded."""
    tables = {name: worded(frame) for name, frame in tables.items()}
    csv_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        safe_frame(frame).to_csv(csv_dir / f"{name}.csv", index=False)
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        _sheet(book.create_sheet(name[:31]), frame)
    save_inert(book, workbook)


def save_inert(book: Workbook, path: Path, stage: str | None = None) -> None:
    """Save `book` at `path` with no cell a spreadsheet would run: every workbook kinerja writes
    (packs, templates, exports) goes through here. `stage`: a crash point between the two. A formula, or text that starts like one,
    stays text in a string cell, kept so by Excel's quote prefix (no apostrophe shows); numbers
    and dates stay themselves. Written beside and renamed into place: never half a workbook."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = cell.value = value.text
                if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    book.save(partial)
    if stage:
        crash_points.reached(stage)
    os.replace(partial, path)


def _sheet(sheet, frame: pd.DataFrame) -> None:
    widths = []
    for position, column in enumerate(frame.columns, start=1):
        cell = sheet.cell(1, position, heading(column))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        widths.append(len(cell.value))
    for row_number, values in enumerate(frame.astype(object).itertuples(index=False), start=2):
        for position, value in enumerate(values, start=1):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, pd.Timestamp):
                value = value.to_pydatetime()
            cell = sheet.cell(row_number, position, value)
            if str(frame.columns[position - 1]).endswith(PERCENT):
                cell.number_format = '0.0" %"'
            widths[position - 1] = max(widths[position - 1], len(str(value)))
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = min(width + 2, WIDEST)
    sheet.freeze_panes = "A2"
