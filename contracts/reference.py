"""Reference data shared with dbt: the seed CSVs under `dbt_project/seeds` are the one source of truth.

Only what regulations fix lives there: indices, band tables, component weights, header aliases and
the region list. Band tables and component weights belong to periods: each row names its
regulation (`rule_version`), `rule_periods.csv` the evaluation years each regulation holds for
(`valid_from_year` to `valid_to_year`, either open), and a score is banded by the rules of its
evaluation year. A correction is one line in one file, and the Python contracts and the dbt models
can never disagree. What each regency maintains (its agency master, its targets) arrives as source
files instead (`contracts/agencies.py`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from contracts.text import fold

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@dataclass(frozen=True)
class Index:
    code: str
    name: str
    scale_min: float
    scale_max: float
    cadence_years: int


@dataclass(frozen=True)
class Period:
    """The regulation a band table or component table belongs to, and the evaluation years it
    holds for (None: open)."""

    rule_version: str
    valid_from_year: int | None
    valid_to_year: int | None

    def holds_in(self, year: int) -> bool:
        after_start = self.valid_from_year is None or year >= self.valid_from_year
        before_end = self.valid_to_year is None or year <= self.valid_to_year
        return after_start and before_end

    @property
    def recency(self) -> tuple[float, float]:
        # The period still in force (open end) is the latest.
        end = float("inf") if self.valid_to_year is None else self.valid_to_year
        start = float("-inf") if self.valid_from_year is None else self.valid_from_year
        return end, start


@dataclass(frozen=True)
class Band:
    index_code: str
    code: str
    label: str
    rank: int
    lower: float
    upper: float
    lower_inclusive: bool
    upper_inclusive: bool
    period: Period

    def contains(self, score: float) -> bool:
        above = score > self.lower or (self.lower_inclusive and score == self.lower)
        below = score < self.upper or (self.upper_inclusive and score == self.upper)
        return above and below


@dataclass(frozen=True)
class Component:
    index_code: str
    code: str
    name: str
    weight: float | None
    max_score: float | None
    period: Period


@dataclass(frozen=True)
class Region:
    """A regency or city of the Kemendagri region list, with its province."""

    pemda_code: str
    pemda_name: str
    province_code: str
    province_name: str


def _rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _period(row: dict[str, str]) -> Period:
    """The period of a band or component row, by its index and regulation."""
    return _periods()[row["index_code"], row["rule_version"]]


@cache
def _periods() -> dict[tuple[str, str], Period]:
    def year(text: str) -> int | None:
        return int(text) if text.strip() else None

    periods = {
        (r["index_code"], r["rule_version"]): Period(
            r["rule_version"], year(r["valid_from_year"]), year(r["valid_to_year"])
        )
        for r in _rows("rule_periods.csv")
    }
    for (index, _), period in periods.items():
        for (other_index, _), other in periods.items():
            if index == other_index and period != other and _overlap(period, other):
                raise ValueError(
                    f"rule_periods.csv: {index} periods {period.rule_version} and "
                    f"{other.rule_version} hold for the same evaluation years"
                )
    return periods


def _overlap(a: Period, b: Period) -> bool:
    low, high = float("-inf"), float("inf")
    a_from, a_to = a.valid_from_year or low, a.valid_to_year or high
    b_from, b_to = b.valid_from_year or low, b.valid_to_year or high
    return a_from <= b_to and b_from <= a_to


def _of_year(rows: tuple, year: int | None) -> tuple:
    """The rows of the period holding for `year`; without a year, of the latest period."""
    if year is None:
        if not rows:
            return rows
        latest = max((r.period for r in rows), key=lambda p: p.recency)
        return tuple(r for r in rows if r.period == latest)
    return tuple(r for r in rows if r.period.holds_in(year))


@cache
def indices() -> dict[str, Index]:
    return {
        r["index_code"]: Index(
            r["index_code"],
            r["index_name"],
            float(r["scale_min"]),
            float(r["scale_max"]),
            int(r["cadence_years"]),
        )
        for r in _rows("indices.csv")
    }


def bands(index_code: str, year: int | None = None) -> tuple[Band, ...]:
    """The rating bands of one index, best first, by the rules holding for evaluation `year`
    (none when no period holds for it); without a year, the latest period's."""
    return _of_year(all_bands(index_code), year)


@cache
def band_codes(index_code: str) -> tuple[str, ...]:
    """Every band code of one index in any period, best first (a predicate may be any)."""
    ordered = sorted(all_bands(index_code), key=lambda b: (b.rank, b.code))
    return tuple(dict.fromkeys(b.code for b in ordered))


@cache
def all_bands(index_code: str) -> tuple[Band, ...]:
    found = [
        Band(
            r["index_code"],
            r["band_code"],
            r["band_label"],
            int(r["band_rank"]),
            float(r["lower_bound"]),
            float(r["upper_bound"]),
            r["lower_inclusive"] == "true",
            r["upper_inclusive"] == "true",
            _period(r),
        )
        for r in _rows("rating_bands.csv")
        if r["index_code"] == index_code
    ]
    return tuple(sorted(found, key=lambda b: b.rank))


def components(index_code: str, year: int | None = None) -> tuple[Component, ...]:
    """The components of one index by the rules holding for evaluation `year`; without a year,
    the latest period's."""
    return _of_year(_all_components(index_code), year)


@cache
def _all_components(index_code: str) -> tuple[Component, ...]:
    return tuple(
        Component(
            r["index_code"],
            r["component_code"],
            r["component_name"],
            _optional_float(r["weight"]),
            _optional_float(r["max_score"]),
            _period(r),
        )
        for r in _rows("components.csv")
        if r["index_code"] == index_code
    )


@cache
def column_aliases(index_code: str) -> dict[str, str]:
    """Folded header text -> canonical column name, for one source."""
    return {
        fold(r["alias"]): r["column_name"]
        for r in _rows("column_aliases.csv")
        if r["index_code"] == index_code
    }


@cache
def column_labels(index_code: str) -> dict[str, str]:
    """Canonical column name -> the header a template writes: its first alias in the seed."""
    labels: dict[str, str] = {}
    for r in _rows("column_aliases.csv"):
        if r["index_code"] == index_code:
            labels.setdefault(r["column_name"], r["alias"])
    return labels


@cache
def regions() -> dict[str, Region]:
    """The Kemendagri region list: pemda_code -> Region."""
    return {
        r["pemda_code"]: Region(
            r["pemda_code"], r["pemda_name"], r["province_code"], r["province_name"]
        )
        for r in _rows("regions.csv")
    }


def region_name(code: str) -> str | None:
    """The name of a regency, a city or a province of the region list."""
    if code in regions():
        return regions()[code].pemda_name
    return next((r.province_name for r in regions().values() if r.province_code == code), None)
