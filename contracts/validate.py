"""Run a source's contract over many files at once and report every failure as an Issue a person
can act on, in the file it belongs to.

One pandera call checks every file of a batch (see `contracts/schemas.py`); a failure names its
row, and the row names its file, so each file is still accepted or refused on its own. A file
whose columns are not the layout's is checked alone, so that pandera names the column that is
missing or unknown rather than every empty cell the batch would give it. What a failure of a
source's own rule says comes with the rule (`contracts/sources/`); what pandera's own checks of
a column say (a type, a range, an empty cell) is worded here, once for every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from contracts import reference
from contracts.agencies import Masters
from contracts.failures import ERROR, Issue
from contracts.messages import said
from contracts.schemas import FILE_COLUMNS, table_of, table_schema
from contracts.sources import Failure, Table

# A field's kind as a message names it.
_KINDS = {
    "float": said("a number"),
    "int": said("a whole number"),
    "str": said("text"),
    "date": said("a date (YYYY-MM-DD)"),
}


@dataclass
class FileFrames:
    """What a reader made of one file: per raw table its columns (name -> cells, row by row),
    and the headers as written."""

    pemda_code: str
    frames: dict[str, dict[str, list]]
    labels: dict[str, str]


@dataclass
class Checked:
    """What a batch of files gave: per raw table, the coerced rows of every file without an error
    (with `file_id`, the file's number in the batch), and each file's issues."""

    tables: dict[str, pd.DataFrame]
    issues: list[list[Issue]]
    # each file's first and last evaluation year as read, refused or not (None: unread)
    years: list[tuple[int, int] | None] = field(default_factory=list)

    def frames_of(self, n: int) -> dict[str, pd.DataFrame]:
        """The rows of file `n` alone, per table (none when it has an error)."""
        return {
            table: rows[rows["file_id"] == n].drop(columns="file_id")
            for table, rows in self.tables.items()
            if (rows["file_id"] == n).any()
        }


def validate_files(source: str, files: list[FileFrames], masters: Masters) -> Checked:
    """Validate many files of one source at once. `masters` names the agencies of each regency,
    for the suggestions."""
    issues: list[list[Issue]] = [[] for _ in files]
    passed: dict[str, list[pd.DataFrame]] = {}
    for table in dict.fromkeys(t for f in files for t in f.frames):
        schema = table_schema(table)
        members = [n for n, f in enumerate(files) if table in f.frames]
        expected = set(schema.columns) - set(FILE_COLUMNS)
        batched = [n for n in members if _fits(files[n].frames[table], schema, expected)]
        alone = [[n] for n in members if n not in batched]
        for group in ([batched] if batched else []) + alone:
            rows = _validate_group(table, source, files, group, masters, issues)
            if rows is not None:
                passed.setdefault(table, []).append(rows)
    failed = [n for n, found in enumerate(issues) if any(i.severity == ERROR for i in found)]
    tables = {}
    for table, parts in passed.items():
        rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        tables[table] = rows[~rows["file_id"].isin(failed)].reset_index(drop=True)
        for warn in table_of(table).warnings:
            for n, warning in warn(tables[table], files):
                issues[n].append(warning)
    return Checked(tables, issues)


def _fits(columns: dict[str, list], schema, expected: set[str]) -> bool:
    """Whether a file's table has every required column of the schema and no other."""
    required = {name for name in expected if schema.columns[name].required}
    return required <= set(columns) <= expected


def _batch(table: str, files: list[FileFrames], group: list[int]) -> pd.DataFrame:
    """One frame of the rows of the files of `group` (cells as read, `object`), each row with its
    file's number (`file_id`) and region: made once per batch, never per file."""
    tables = [files[n].frames[table] for n in group]
    lengths = [len(next(iter(t.values()), [])) for t in tables]
    names = list(dict.fromkeys(name for t in tables for name in t))
    data = {
        name: [
            cell
            for t, length in zip(tables, lengths, strict=True)
            for cell in t.get(name, [None] * length)
        ]
        for name in names
    }
    batch = pd.DataFrame(data, dtype=object)
    batch["file_id"] = np.repeat(group, lengths)
    batch["file_pemda_code"] = np.repeat([files[n].pemda_code for n in group], lengths)
    return batch


def _validate_group(table, source, files, group, masters, issues) -> pd.DataFrame | None:
    """The coerced rows of the files of `group` that pass (with `file_id`); the issues of those
    that do not go to `issues`. The files that pass are checked once more, alone of the others,
    to give their coerced rows."""
    schema = table_schema(table)
    batch = _batch(table, files, group)
    try:
        checked = schema.validate(batch, lazy=True)
    except SchemaErrors as errors:
        found = _issues_from(errors, batch, source, table_of(table), files, masters)
        if not found:  # never let a contract failure pass unreported, even one without words
            first = str(errors).splitlines()[0]
            found = [
                (n, Issue("contract", said("failed check {check}", check=first))) for n in group
            ]
        for n, issue in found:
            issues[n].append(issue)
        failed = {n for n, _ in found}
        rest = [n for n in group if n not in failed]
        if not rest:
            return None
        return _validate_group(table, source, files, rest, masters, issues)
    return _complete(checked, schema).drop(columns="file_pemda_code")


def _complete(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """Add the optional columns a file did not have, typed, in the contract's column order."""
    for name, column in schema.columns.items():
        if name not in frame:
            frame[name] = pd.Series(index=frame.index, dtype=str(column.dtype))
    return frame[list(schema.columns)]


def _issues_from(
    errors: SchemaErrors,
    frame: pd.DataFrame,
    source: str,
    table: Table,
    files: list[FileFrames],
    masters: Masters,
) -> list[tuple[int, Issue]]:
    """Each failure as (file number, Issue); a failure of a rule of a whole file once per file."""
    rules = {rule.name: rule for rule in table.rules}
    cases = errors.failure_cases
    checks = cases["check"].astype(str)
    # A row failing a rule comes back once per column: keep its focus (a rule of a whole file:
    # one column will do).
    focus = checks.map({name: rule.focus or "source_row" for name, rule in rules.items()})
    cases = cases[focus.isna() | (cases["column"] == focus)]
    coerced = set(cases.loc[checks.str.startswith("coerce_dtype"), "column"])
    # The failing rows, gathered once: a refused batch can hold tens of thousands of failures.
    labels_of_rows = pd.unique(cases["index"].dropna().astype("int64"))
    failing = dict(zip(labels_of_rows, frame.loc[labels_of_rows].to_dict("records"), strict=True))
    issues = []
    reported: set[tuple[int, str]] = set()
    for case in cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        if check.startswith("dtype(") and column in coerced:
            continue  # the cell that could not be converted is reported once, by coerce_dtype
        if check in {"column_in_schema", "column_in_dataframe"}:
            column, value = value, None
        row = failing[int(case.index)] if pd.notna(case.index) else None
        if row is None and isinstance(value, bool | np.bool_):
            value = None  # a check of the whole frame: there is no cell to show
        rule = rules.get(check)
        file_rule = rule is not None and rule.whole_file
        whole_file = row is None or file_rule
        numbers = [int(row["file_id"])] if row is not None else sorted(set(frame["file_id"]))
        for n in numbers:
            if file_rule:
                if (n, check) in reported:
                    continue
                reported.add((n, check))
            labels = files[n].labels
            if rule is not None:
                failure = Failure(
                    None if whole_file else row,
                    value,
                    files[n].pemda_code,
                    masters,
                    lambda n=n: frame[frame["file_id"] == n],
                )
                message = rule.message(failure)
            else:
                message = _column_message(check, column, source, table, labels)
            issue = Issue(
                check=_check_id(check),
                message=message,
                sheet=None if whole_file or pd.isna(row["source_sheet"]) else row["source_sheet"],
                row=None if whole_file else int(row["source_row"]),
                column=None if column is None or file_rule else labels.get(column, column),
                value=None if file_rule or value is None or pd.isna(value) else _text(value),
            )
            issues.append((n, issue))
    return issues


def _check_id(check: str) -> str:
    return {"column_in_schema": "unknown_column", "column_in_dataframe": "missing_column"}.get(
        check, check
    )


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _column_message(check: str, column: str, source: str, table: Table, labels) -> str:
    """What pandera's own checks of a column (the fields of `contracts/sources/`) say."""
    if check == "column_in_schema":
        known = sorted({labels.get(c, c) for c in reference.column_aliases(source).values()})
        return said(
            "column '{column}' is not part of the {source} layout (known: {known})",
            column=column,
            source=source,
            known=known,
        )
    if check == "column_in_dataframe":
        return said("required column '{column}' is missing", column=labels.get(column, column))
    declared = table.fields.get(column)
    if check == "not_nullable":
        return (declared.missing if declared else None) or said("a value is required")
    if check.startswith("in_range") and declared and declared.within:
        low, high = declared.within
        return said("outside the allowed range {low} to {high}", low=float(low), high=float(high))
    if check.startswith("coerce_dtype('datetime64"):
        return said("not a date: write it as YYYY-MM-DD")
    if check.startswith("coerce_dtype"):
        return said(
            "not of the expected type {kind}",
            kind=_KINDS.get(declared.kind if declared else "", "?"),
        )
    if check.startswith("greater_than_or_equal_to"):
        return said(
            "must be at least {low}",
            low=check.removeprefix("greater_than_or_equal_to(")[:-1],
        )
    if check.startswith("isin("):
        return said(
            "not one of the allowed values {allowed}", allowed=check.removeprefix("isin(")[:-1]
        )
    if check == "field_uniqueness":
        return said("duplicate value")
    if check == "multiple_fields_uniqueness":
        return said("this number appears more than once in the file")
    return said("failed check {check}", check=check)
