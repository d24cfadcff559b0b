"""Contract failures as data: one row per problem, naming file, sheet, row, column, check and value."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

from contracts.messages import Said, in_indonesian, said
from contracts.text import visible

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem found in a source file. `row` is the row number as the user sees it in the file."""

    check: str
    message: str
    file: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: str = ERROR

    def describe(self) -> str:
        """For the operator: `ERROR sakip/32.16/sakip_2024.csv: row 5, column 'Nilai': value
        '90' [check] message`."""
        value = f" value {visible(repr(self.value))}" if self.value is not None else ""
        return (
            f"{self.severity.upper()} {visible(self.file)}: {self.where()}:{value} "
            f"[{self.check}] {visible(self.message)}"
        )

    def in_indonesian(self) -> str:
        """For the file's owner: `lembar 'Hasil', baris 5, kolom 'Nilai', isian '90': ...`."""
        parts = [self.where()] + ([said("value '{value}'", value=self.value)] if self.value else [])
        return in_indonesian(said("{where}: {message}", where=parts, message=self.message))

    def where(self) -> Said:
        """Sheet, row and column, those the issue has; else the file as a whole."""
        parts = [
            *([said("sheet '{sheet}'", sheet=self.sheet)] if self.sheet else []),
            *([said("row {row}", row=self.row)] if self.row is not None else []),
            *([said("column '{column}'", column=self.column)] if self.column else []),
        ]
        return said("{parts}", parts=parts) if parts else said("the file as a whole")


class SourceFileError(Exception):
    """A problem with a whole file (unreadable, wrong sheet, no header...) that stops reading it."""

    def __init__(self, check: str, message: str, **where: object):
        super().__init__(message)
        self.issue = Issue(check=check, message=message, **where)


REPORT_COLUMNS = [f.name for f in fields(Issue)]
_AS_ROW = attrgetter(*REPORT_COLUMNS)


def as_rows(issues: list[Issue]) -> list[tuple]:
    """The issues as rows in REPORT_COLUMNS' order (a refused source can have tens of thousands:
    `dataclasses.asdict` would copy each one field by field)."""
    return [_AS_ROW(issue) for issue in issues]


def write_report(issues: list[Issue], directory: Path, stem: str) -> list[Path]:
    """Write the issues as `<stem>.csv` and `<stem>.json`; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = directory / f"{stem}.csv", directory / f"{stem}.json"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows(as_rows(issues))
    json_path.write_text(
        json.dumps(
            [dict(zip(REPORT_COLUMNS, row, strict=True)) for row in as_rows(issues)],
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return [csv_path, json_path]
