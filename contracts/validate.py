"""Run a source's contract over many files at once and report every failure as an Issue a person
can act on, in the file it belongs to.

One pandera call checks every file of a batch (see `contracts/schemas.py`); a failure names its
row, and the row names its file, so each file is still accepted or refused on its own. A file
whose columns are not the layout's is checked alone, so that pandera names the column that is
missing or unknown rather than every empty cell the batch would give it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from contracts import reference
from contracts.agencies import Masters, agency_key
from contracts.bands import band_of, boundary_bands
from contracts.failures import ERROR, WARNING, Issue
from contracts.regions import kecamatan_of, name_key
from contracts.schemas import (
    _FOCUS,
    AGENCY_TYPES,
    FILE_CHECKS,
    FILE_COLUMNS,
    SUM_TOLERANCE,
    agencies_sharing_a_name,
    master_schema,
    score_schema,
    spbe_indicator_schema,
    targets_schema,
)
from contracts.text import fold


@dataclass
class FileFrames:
    """What a reader made of one file: per raw table its columns (name -> cells, row by row),
    and the headers as written."""

    pemda_code: str
    frames: dict[str, dict[str, list]]
    labels: dict[str, str]


def table_schema(table: str, source: str):
    """The contract of one raw table."""
    if table == "spbe_indicator":
        return spbe_indicator_schema()
    if table == "agency_master":
        return master_schema()
    if table == "targets":
        return targets_schema()
    return score_schema(source)


@dataclass
class Checked:
    """What a batch of files gave: per raw table, the coerced rows of every file without an error
    (with `file_id`, the file's number in the batch), and each file's issues."""

    tables: dict[str, pd.DataFrame]
    issues: list[list[Issue]]

    def frames_of(self, n: int) -> dict[str, pd.DataFrame]:
        """The rows of file `n` alone, per table (none when it has an error)."""
        return {
            table: rows[rows["file_id"] == n].drop(columns="file_id")
            for table, rows in self.tables.items()
            if (rows["file_id"] == n).any()
        }


def validate(
    source: str,
    frames: dict[str, pd.DataFrame],
    labels: dict[str, str],
    pemda_code: str,
    masters: Masters,
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Validate one file's frames; the coerced frames and the issues found."""
    checked = validate_files(source, [FileFrames(pemda_code, frames, labels)], masters)
    return checked.frames_of(0), checked.issues[0]


def validate_files(source: str, files: list[FileFrames], masters: Masters) -> Checked:
    """Validate many files of one source at once. `masters` names the agencies of each regency,
    for the suggestions."""
    issues: list[list[Issue]] = [[] for _ in files]
    passed: dict[str, list[pd.DataFrame]] = {}
    for table in dict.fromkeys(t for f in files for t in f.frames):
        schema = table_schema(table, source)
        members = [n for n, f in enumerate(files) if table in f.frames]
        expected = set(schema.columns) - set(FILE_COLUMNS)
        batched = [n for n in members if _fits(files[n].frames[table], schema, expected)]
        alone = [[n] for n in members if n not in batched]
        for group in ([batched] if batched else []) + alone:
            rows = _validate_group(table, source, schema, files, group, masters, issues)
            if rows is not None:
                passed.setdefault(table, []).append(rows)
    failed = [n for n, found in enumerate(issues) if any(i.severity == ERROR for i in found)]
    tables = {}
    for table, parts in passed.items():
        rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        tables[table] = rows[~rows["file_id"].isin(failed)].reset_index(drop=True)
    if source in reference.indices() and source in tables:
        for n, warning in boundary_warnings(source, tables[source], files):
            issues[n].append(warning)
    if "agency_master" in tables:
        for n, warning in kecamatan_warnings(tables["agency_master"], files):
            issues[n].append(warning)
    return Checked(tables, issues)


def kecamatan_warnings(frame: pd.DataFrame, files: list[FileFrames]) -> list[tuple[int, Issue]]:
    """A kecamatan of a master that is not one of its regency's in the Kemendagri list: a
    misspelling, or a kecamatan newer than the list. It loads, with a warning."""
    warnings = []
    rows = frame[frame["agency_type"] == "kecamatan"]
    for n, sheet, row_number, pemda, name in zip(
        rows["file_id"], rows["source_sheet"], rows["source_row"], rows["pemda_code"],
        rows["agency_name"], strict=True,
    ):  # fmt: skip
        real = kecamatan_of(pemda)
        place = agency_key(name).removeprefix("kecamatan ")
        if not real or name_key(place) in real:
            continue
        closest = difflib.get_close_matches(name_key(place), real, n=3, cutoff=0.6)
        hint = f"; closest: {', '.join(real[c] for c in closest)}" if closest else ""
        warnings.append(
            (
                int(n),
                Issue(
                    "kecamatan_not_in_region_list",
                    f"'{name}' is not a kecamatan of {reference.region_name(pemda)} in the "
                    f"Kemendagri list (Kepmendagri 300.2.2-2138/2025){hint}",
                    sheet=None if pd.isna(sheet) else sheet,
                    row=int(row_number),
                    column=files[n].labels.get("agency_name", "agency_name"),
                    value=name,
                    severity=WARNING,
                ),
            )
        )
    return warnings


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


def _validate_group(table, source, schema, files, group, masters, issues) -> pd.DataFrame | None:
    """The coerced rows of the files of `group` that pass (with `file_id`); the issues of those
    that do not go to `issues`."""
    batch = _batch(table, files, group)
    try:
        checked = schema.validate(batch, lazy=True)
    except SchemaErrors as errors:
        found = _issues_from(errors, batch, source, files, masters)
        if (
            not found
        ):  # never let a contract failure pass unreported, even one we have no message for
            found = [(n, Issue("contract", str(errors).splitlines()[0])) for n in group]
        for n, issue in found:
            issues[n].append(issue)
        failed = {n for n, _ in found}
        rest = [n for n in group if n not in failed]
        if not rest:
            return None
        return _validate_group(table, source, schema, files, rest, masters, issues)
    return _complete(checked, schema).drop(columns="file_pemda_code")


def _complete(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """Add the optional columns a file did not have, typed, in the contract's column order."""
    for name, column in schema.columns.items():
        if name not in frame:
            frame[name] = pd.Series(index=frame.index, dtype=str(column.dtype))
    return frame[list(schema.columns)]


def boundary_warnings(
    index_code: str, frame: pd.DataFrame, files: list[FileFrames]
) -> list[tuple[int, Issue]]:
    """A score exactly on a band boundary keeps the published predicate; say so, per file."""
    if "predicate" not in frame:
        return []
    bounds = {bound for b in reference.bands(index_code) for bound in (b.lower, b.upper)}
    warnings = []
    on_a_bound = frame[frame["score"].isin(bounds)]
    for n, sheet, row_number, score, stated in zip(
        on_a_bound["file_id"],
        on_a_bound["source_sheet"],
        on_a_bound["source_row"],
        on_a_bound["score"],
        on_a_bound["predicate"],
        strict=True,
    ):
        derived = band_of(index_code, score)
        if pd.notna(stated) and derived and stated != derived.code:
            if stated not in boundary_bands(index_code, score):
                continue
            warnings.append(
                (
                    int(n),
                    Issue(
                        "predicate_on_boundary",
                        f"score {score:g} sits on a band boundary: the published predicate "
                        f"{stated} is kept (the band table alone gives {derived.code})",
                        sheet=None if pd.isna(sheet) else sheet,
                        row=int(row_number),
                        column=files[n].labels.get("predicate", "predicate"),
                        value=str(stated),
                        severity=WARNING,
                    ),
                )
            )
    return warnings


def _issues_from(
    errors: SchemaErrors,
    frame: pd.DataFrame,
    source: str,
    files: list[FileFrames],
    masters: Masters,
) -> list[tuple[int, Issue]]:
    """Each failure as (file number, Issue); a check of a whole file once per file."""
    issues = []
    reported: set[tuple[int, str]] = set()
    cases = errors.failure_cases
    checks = cases["check"].astype(str)
    # A failing row of a check of the whole frame comes back once per column: keep its focus.
    focus = checks.map(_FOCUS)
    cases = cases[focus.isna() | (cases["column"] == focus)]
    coerced = set(cases.loc[checks.str.startswith("coerce_dtype"), "column"])
    for case in cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        if check.startswith("dtype(") and column in coerced:
            continue  # the cell that could not be converted is reported once, by coerce_dtype
        if check in {"column_in_schema", "column_in_dataframe"}:
            column, value = value, None
        row = frame.loc[case.index] if case.index is not None and pd.notna(case.index) else None
        if row is None and isinstance(value, bool | np.bool_):
            value = None  # a check of the whole frame: there is no cell to show
        numbers = [int(row["file_id"])] if row is not None else sorted(set(frame["file_id"]))
        for n in numbers:
            if check in FILE_CHECKS:
                if (n, check) in reported:
                    continue
                reported.add((n, check))
            whole_file = row is None or check in FILE_CHECKS
            labels = files[n].labels
            message = _message(
                check,
                column,
                value,
                None if whole_file else row,
                lambda n=n: frame[frame["file_id"] == n],
                source,
                labels,
                files[n].pemda_code,
                masters,
            )
            issues.append(
                (
                    n,
                    Issue(
                        check=_check_id(check),
                        message=message,
                        sheet=None
                        if whole_file or pd.isna(row["source_sheet"])
                        else row["source_sheet"],
                        row=None if whole_file else int(row["source_row"]),
                        column=None
                        if column is None or check in FILE_CHECKS
                        else labels.get(column, column),
                        value=None
                        if whole_file and check in FILE_CHECKS or value is None or pd.isna(value)
                        else _text(value),
                    ),
                )
            )
    return issues


def _check_id(check: str) -> str:
    return {"column_in_schema": "unknown_column", "column_in_dataframe": "missing_column"}.get(
        check, check
    )


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _message(check, column, value, row, file_rows, source, labels, pemda_code, masters) -> str:
    """What to say of one failure; `file_rows()` gives the rows of the failing file (asked only
    by the checks that need them: a batch can hold thousands of failures)."""
    index_code = source
    if check == "column_in_schema":
        known = sorted({labels.get(c, c) for c in reference.column_aliases(source).values()})
        return f"column '{column}' is not part of the {source} layout (known: {', '.join(known)})"
    if check == "column_in_dataframe":
        return f"required column '{labels.get(column, column)}' is missing"
    if check == "known_agency":
        regency = row["pemda_code"]
        if regency not in masters:
            return f"no agency master for {regency} has been loaded yet: load its master first"
        closest = ", ".join(masters.directory(regency).suggest(value))
        return f"agency not in the master for {regency}; closest names: {closest}"
    if check == "region_of_file":
        return (
            f"this row is for region {value}, but the file belongs to {pemda_code} "
            f"({reference.region_name(pemda_code) or 'unknown region'}), by its folder or the "
            "manifest"
        )
    if check == "code_under_regency":
        return (
            f"an agency code of {pemda_code} is '{pemda_code}.<local code>' (the regency itself: "
            f"'{pemda_code}', type pemda)"
        )
    if check == "one_version_per_date":
        return "more than one row for this agency code and valid_from"
    if check == "parent_exists":
        return "the parent is not an agency of this master (the regency's parent: its province)"
    if check == "name_names_one_agency":
        shared = agencies_sharing_a_name(file_rows())
        mine = {
            fold(w)
            for w in (row["agency_name"], row["agency_short_name"], row["aliases"])
            if isinstance(w, str)
        }
        named = {
            form: sorted(codes) for form, codes in shared.items() if any(form in m for m in mine)
        }
        return f"a name or alias of this agency also names another one: {named or shared}"
    if check == "regency_row_present":
        return f"the master has no row for the regency itself ({pemda_code}, type pemda)"
    if check == "known_agency_type":
        return f"not an agency type; expected one of {', '.join(AGENCY_TYPES)}"
    if check == "target_band_of_index":
        codes = ", ".join(b.code for b in reference.bands(row["index_code"]))
        return f"not a band of {row['index_code']}; expected one of {codes} or their labels"
    if check == "target_score_in_band":
        band = band_of(row["index_code"], row["target_score"])
        return (
            f"target score {row['target_score']:g} is band {band.code if band else '?'}, "
            f"not the target band {row['target_band_code']}"
        )
    if check == "one_target_per_agency_index_year":
        return "more than one target for this agency, index and evaluation year"
    if check == "not_nullable" and column == "target_band_code":
        return "a target needs a band (BB) or a score on the index's scale (70), or both"
    if check == "known_index":
        return f"not an index; expected one of {', '.join(reference.indices())}"
    if index_code not in reference.indices():
        return f"failed check {check}"
    index = reference.indices()[index_code]
    if check == "one_row_per_agency_year":
        return "more than one row for this agency and evaluation year"
    if check == "known_predicate":
        codes = ", ".join(b.code for b in reference.bands(index_code))
        return f"not a {index_code} predicate; expected one of {codes} or their labels"
    if check == "predicate_matches_score":
        band = band_of(index_code, row["score"])
        return (
            f"score {row['score']:g} is band {band.code if band else '?'}, the file states {value}"
        )
    if check == "components_sum_to_score":
        return f"Nilai is not the sum of the component points (within {SUM_TOLERANCE:g})"
    if check == "weighted_components_match_score":
        return "the index is not the weighted sum of the six aspects"
    if check == "kode_matches_agency":
        return (
            f"Kode {value} does not belong to agency '{row['agency_name']}' ({row['agency_code']})"
        )
    if check.startswith("in_range"):
        return f"outside the allowed range {check.removeprefix('in_range')}"
    if check == "not_nullable":
        return "a value is required"
    if check.startswith("coerce_dtype('datetime64"):
        return "not a date: write it as YYYY-MM-DD"
    if check.startswith("coerce_dtype"):
        return f"not of the expected type {check.removeprefix('coerce_dtype')}"
    if check.startswith("greater_than_or_equal_to"):
        return f"must be at least {check.removeprefix('greater_than_or_equal_to(')[:-1]}"
    if check.startswith("isin("):
        return f"not one of the allowed values {check.removeprefix('isin(')[:-1]}"
    if check == "forty_seven_indicators":
        return "an SPBE evaluation has 47 indicators"
    if check == "field_uniqueness":
        return "duplicate value"
    if check == "multiple_fields_uniqueness":
        return "this number appears more than once in the file"
    return f"failed check {check} ({index.name})"
