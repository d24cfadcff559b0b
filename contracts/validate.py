"""Run a source's contract and report every failure as an Issue a person can act on."""

from __future__ import annotations

import pandas as pd
from pandera.errors import SchemaErrors

from contracts import reference
from contracts.agencies import directory
from contracts.bands import band_of, boundary_bands
from contracts.failures import WARNING, Issue
from contracts.schemas import _FOCUS, SUM_TOLERANCE, score_schema, spbe_indicator_schema


def validate(
    index_code: str, frames: dict[str, pd.DataFrame], labels: dict[str, str], pemda_code: str
) -> tuple[dict[str, pd.DataFrame], list[Issue]]:
    """Validate every frame of a parsed file; return the coerced frames and the issues found."""
    valid: dict[str, pd.DataFrame] = {}
    issues: list[Issue] = []
    for table, frame in frames.items():
        schema = (
            spbe_indicator_schema()
            if table == "spbe_indicator"
            else score_schema(index_code, pemda_code)
        )
        try:
            valid[table] = _complete(schema.validate(frame, lazy=True), schema)
        except SchemaErrors as errors:
            found = _issues_from(errors, frame, index_code, labels, pemda_code)
            # Never let a contract failure pass unreported, even one we have no message for.
            issues += found or [Issue("contract", str(errors).splitlines()[0])]
    if index_code in valid:
        issues += boundary_warnings(index_code, valid[index_code], labels)
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
    index_code: str,
    labels: dict[str, str],
    pemda_code: str,
) -> list[Issue]:
    issues = []
    for case in errors.failure_cases.itertuples(index=False):
        check, column, value = str(case.check), case.column, case.failure_case
        if check in _FOCUS and column != _FOCUS[check]:
            continue
        if check in {"column_in_schema", "column_in_dataframe"}:
            column, value = value, None
        row = frame.loc[case.index] if case.index is not None and pd.notna(case.index) else None
        issues.append(
            Issue(
                check=_check_id(check),
                message=_message(check, column, value, row, index_code, labels, pemda_code),
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


def _message(check, column, value, row, index_code, labels, pemda_code) -> str:
    index = reference.indices()[index_code]
    if check == "column_in_schema":
        known = sorted({labels.get(c, c) for c in reference.column_aliases(index_code).values()})
        return (
            f"column '{column}' is not part of the {index_code} layout (known: {', '.join(known)})"
        )
    if check == "column_in_dataframe":
        return f"required column '{labels.get(column, column)}' is missing"
    if check == "known_agency":
        closest = ", ".join(directory(pemda_code).suggest(value))
        return f"agency not in the master for {pemda_code}; closest names: {closest}"
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
    if check.startswith("coerce_dtype"):
        return f"not of the expected type {check.removeprefix('coerce_dtype')}"
    if check == "forty_seven_indicators":
        return "an SPBE evaluation has 47 indicators"
    if check == "field_uniqueness":
        return "duplicate value"
    return f"failed check {check} ({index.name})"
