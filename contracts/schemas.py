"""The pandera contract of each source layout, and its failures turned into Issues.

Checks follow SOURCES.md and DOMAIN.md: scales, component ranges and sums, band consistency (a
score exactly on a band boundary accepts either neighbouring band, with a warning), one row per
agency and year, agencies known to the master. Bounds and bands come from the seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from contracts import reference
from contracts.agencies import directory
from contracts.bands import allowed_predicates

SUM_TOLERANCE = 0.01
SPBE_INDICATORS = 47

# Row-level checks see the whole frame; the report names only the column the check is about.
_FOCUS: dict[str, str] = {}


def _row_check(name: str, focus: str, test: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    _FOCUS[name] = focus
    return pa.Check(test, name=name)


def _score_matches_predicate(index_code: str) -> pa.Check:
    def test(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(
            [
                pd.isna(p) or pd.isna(s) or p in allowed_predicates(index_code, s)
                for p, s in zip(frame["predicate"], frame["score"], strict=True)
            ],
            index=frame.index,
        )

    return _row_check("predicate_matches_score", "predicate", test)


def _one_row_per_agency_year(frame: pd.DataFrame) -> pd.Series:
    keys = frame[["agency_code", "evaluation_year"]]
    return ~keys.duplicated(keep=False) | frame["agency_code"].isna()


def _components_sum_to_score(codes: list[str]) -> pa.Check:
    def test(frame: pd.DataFrame) -> pd.Series:
        return (frame[codes].sum(axis=1, min_count=len(codes)) - frame["score"]).abs().le(
            SUM_TOLERANCE
        ) | frame[codes + ["score"]].isna().any(axis=1)

    return _row_check("components_sum_to_score", "score", test)


def _weighted_components_match_score(index_code: str) -> pa.Check:
    weights = {c.code: c.weight for c in reference.components(index_code)}

    def test(frame: pd.DataFrame) -> pd.Series | bool:
        if not set(weights) <= set(frame.columns):
            return True  # a decree without the aspect columns: nothing to add up
        parts = frame[list(weights)]
        weighted = (parts * pd.Series(weights)).sum(axis=1)
        return (weighted - frame["score"]).abs().le(0.05) | parts.isna().any(axis=1)

    return _row_check("weighted_components_match_score", "score", test)


def _local_code_matches_agency(pemda_code: str) -> pa.Check:
    def test(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(
            [
                pd.isna(local) or pd.isna(code) or f"{pemda_code}.{local}".upper() == code
                for local, code in zip(frame["local_code"], frame["agency_code"], strict=True)
            ],
            index=frame.index,
        )

    return _row_check("kode_matches_agency", "local_code", test)


def _component_columns(index_code: str, required: bool) -> dict[str, pa.Column]:
    return {
        c.code: pa.Column(
            float,
            pa.Check.in_range(0, c.max_score) if c.max_score else pa.Check.ge(0),
            nullable=not required,
            required=required,
        )
        for c in reference.components(index_code)
    }


def score_schema(index_code: str, pemda_code: str) -> pa.DataFrameSchema:
    index = reference.indices()[index_code]
    agencies = directory(pemda_code)
    columns = {
        "source_sheet": pa.Column(str, nullable=True),
        "source_row": pa.Column(int),
        "evaluation_year": pa.Column(int, pa.Check.in_range(2000, 2100)),
        "pemda_code": pa.Column(str),
        "agency_name": pa.Column(
            str,
            pa.Check(lambda s: s.map(agencies.resolve).notna(), name="known_agency"),
        ),
        "agency_code": pa.Column(str, nullable=True),
        "score": pa.Column(float, pa.Check.in_range(index.scale_min, index.scale_max)),
        "predicate": pa.Column(
            str,
            pa.Check.isin([b.code for b in reference.bands(index_code)], name="known_predicate"),
            nullable=True,
            required=False,
        ),
    }
    checks = [
        _row_check("one_row_per_agency_year", "agency_name", _one_row_per_agency_year),
        _score_matches_predicate(index_code),
    ]
    if index_code == "sakip":
        columns |= _component_columns("sakip", required=True)
        checks.append(_components_sum_to_score([c.code for c in reference.components("sakip")]))
    elif index_code == "rb":
        columns["local_code"] = pa.Column(str, nullable=True, required=False)
        checks.append(_local_code_matches_agency(pemda_code))
    elif index_code == "spip":
        columns |= _component_columns("spip", required=False)
        columns |= {
            k: pa.Column(float, pa.Check.ge(0), nullable=True, required=False)
            for k in ("mri", "iepk")
        }
    elif index_code == "spbe":
        columns |= _component_columns("spbe", required=True)
        columns["announced_on"] = pa.Column("datetime64[ns]", nullable=True, required=False)
    elif index_code == "ipp":
        columns |= _component_columns("ipp", required=False)
        columns |= {
            "native_scale": pa.Column(float, pa.Check.isin([5.0, 100.0])),
            "native_score": pa.Column(float),
            "note": pa.Column(str, nullable=True, required=False),
        }
        checks.append(_weighted_components_match_score("ipp"))
    elif index_code == "merit":
        columns |= _component_columns("merit", required=False)
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=True)


def spbe_indicator_schema() -> pa.DataFrameSchema:
    domains = [c.code for c in reference.components("spbe")]
    return pa.DataFrameSchema(
        {
            "source_sheet": pa.Column(str, nullable=True),
            "source_row": pa.Column(int),
            "evaluation_year": pa.Column(int),
            "agency_code": pa.Column(str, nullable=True),
            "indicator_no": pa.Column(int, pa.Check.in_range(1, SPBE_INDICATORS), unique=True),
            "indicator_name": pa.Column(str, nullable=True),
            "domain_code": pa.Column(str, pa.Check.isin(domains)),
            "maturity_level": pa.Column(int, pa.Check.in_range(1, 5)),
        },
        checks=[pa.Check(lambda f: len(f) == SPBE_INDICATORS, name="forty_seven_indicators")],
        strict=True,
        coerce=True,
    )
