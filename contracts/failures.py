"""Contract failures as data: one row per problem, naming file, sheet, row, column, check and value."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

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
        where = ", ".join(
            part
            for part in (
                f"sheet '{self.sheet}'" if self.sheet else "",
                f"row {self.row}" if self.row is not None else "",
                f"column '{self.column}'" if self.column else "",
            )
            if part
        )
        value = f" value {self.value!r}" if self.value is not None else ""
        return f"{self.severity.upper()} {self.file}: {where or 'file'}:{value} [{self.check}] {self.message}"


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
