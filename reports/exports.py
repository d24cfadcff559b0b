"""The review's tables as CSV files and one XLSX workbook, safe to open in a spreadsheet.

Source text (agency names, file names, error messages) may start with a character a spreadsheet
reads as a formula: such a text cell is prefixed with `'` so that it stays text. Numbers stay
numbers, negative changes included.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def write_exports(tables: dict[str, pd.DataFrame], csv_dir: Path, workbook: Path) -> None:
    """One CSV per table in `csv_dir`, and a sheet per table in `workbook`."""
    csv_dir.mkdir(parents=True, exist_ok=True)
    safe = {name: safe_frame(frame) for name, frame in tables.items()}
    for name, frame in safe.items():
        frame.to_csv(csv_dir / f"{name}.csv", index=False)
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for name, frame in safe.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
