"""Run a source's contract and report every failure as an Issue a person can act on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandera.errors import SchemaErrors

from contracts import reference
from contracts.agencies import Masters
from contracts.bands import band_of, boundary_bands
from contracts.failures import WARNING, Issue
from contracts.schemas import (
    _FOCUS,
    AGENCY_TYPES,
    SUM_TOLERANCE,
    agencies_sharing_a_name,
    master_schema,
    score_schema,
    spbe_indicator_schema,
    targets_schema,
)
from contracts.text import fold


def table_schema(table: str, source: str, pemda_code: str):
    """The contract of one raw table, for a file of `pemda_code`."""
    if table == "spbe_indicator":
        return spbe_indicator_schema()
    if table == "agency_master":
        return master_schema(pemda_code)
    if table == "targets":
        return targets_schema(pemda_code)
    return score_schema(source, pemda_code)


def validate(
    source: str,
    frames: dict[str, pd.DataFrame],
    labels: dict[str, str],
    pemda_code: str,
    masters: Masters,
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Validate every frame of a parsed file of `pemda_code`; return the coerced frames and the
    issues found. `masters` names the agencies of each regency, for the suggestions."""
    valid: dict[str, pd.DataFrame] = {}
    issues: list[Issue] = []
    for table, frame in frames.items():
        schema = table_schema(table, source, pemda_code)
        try:
            valid[table] = _complete(schema.validate(frame, lazy=True), schema)
        except SchemaErrors as errors:
            found = _issues_from(errors, frame, source, labels, pemda_code, masters)
            # Never let a contract failure pass unreported, even one we have no message for.
            issues += found or [Issue("contract", str(errors).splitlines()[0])]
    if source in reference.indices() and source in valid:
        issues += boundary_warnings(source, valid[source], labels)
    return valid, issues


def _complete(frame: pd.DataFrame, schema) -> pd.DataFrame:
    """Add the optional columns a file did not have, typed, in the contract's column order."""
    for name, column in schema.columns.items():
        if name not in frame:
            frame[name] = pd.Series(index=frame.index, dtype=str(column.dtype))
    return frame[list(schema.columns)]


def boundary_warnings(index_code: str, frame: pd.DataFrame, labels: dict[str, str]) -> list[Issue]:
    """A score exactly on a band boundary keeps the published predicate; say so."""
    if "predicate" not in frame:
        return []
    warnings = []
    for _, row in frame.iterrows():
        derived = band_of(index_code, row["score"])
        stated = row["predicate"]
        on_boundary = stated in boundary_bands(index_code, row["score"])
        if pd.notna(stated) and derived and stated != derived.code and on_boundary:
            warnings.append(
                Issue(
                    "predicate_on_boundary",
                    f"score {row['score']:g} sits on a band boundary: the published "
                    f"predicate {stated} is kept (the band table alone gives {derived.code})",
                    sheet=row["source_sheet"],
                    row=int(row["source_row"]),
                    column=labels.get("predicate", "predicate"),
                    value=str(stated),
                    severity=WARNING,
                )
            )
    return warnings


def _issues_from(
    errors: SchemaErrors,
    frame: pd.DataFrame,
    source: str,
    labels: dict[str, str],
    pemda_code: str,
    masters: Masters,
) -> list[Issue]:
    issues = []
    cases = errors.failure_cases
    coerced = set(cases.loc[cases["check"].astype(str).str.startswith("coerce_dtype"), "column"])
    for case in cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        if check in _FOCUS and column != _FOCUS[check]:
            continue
        if check.startswith("dtype(") and column in coerced:
            continue  # the cell that could not be converted is reported once, by coerce_dtype
        if check in {"column_in_schema", "column_in_dataframe"}:
            column, value = value, None
        row = frame.loc[case.index] if case.index is not None and pd.notna(case.index) else None
        if row is None and isinstance(value, bool | np.bool_):
            value = None  # a check of the whole frame: there is no cell to show
        issues.append(
            Issue(
                check=_check_id(check),
                message=_message(
                    check, column, value, row, frame, source, labels, pemda_code, masters
                ),
                sheet=None if row is None or pd.isna(row["source_sheet"]) else row["source_sheet"],
                row=None if row is None else int(row["source_row"]),
                column=None if column is None else labels.get(column, column),
                value=None if value is None or pd.isna(value) else _text(value),
            )
        )
    return issues


def _check_id(check: str) -> str:
    return {"column_in_schema": "unknown_column", "column_in_dataframe": "missing_column"}.get(
        check, check
    )


def _text(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _message(check, column, value, row, frame, source, labels, pemda_code, masters) -> str:
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
        shared = agencies_sharing_a_name(frame)
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
    return f"failed check {check} ({index.name})"
