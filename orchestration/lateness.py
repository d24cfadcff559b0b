"""Which regencies are late with a source: the newest evaluation year of each regency, against
the index's cadence (results for year Y are published during Y+1). Plain SQL on a warehouse file,
shared by the Dagster freshness checks and `kinerja refresh` on a night with nothing new."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from contracts import reference

PUBLICATION_LAG_YEARS = 1


def newest_year_allowed_lag(cadence_years: int) -> int:
    return cadence_years + PUBLICATION_LAG_YEARS


def newest_years(warehouse: Path, index_code: str) -> dict[str, int]:
    """Each regency's newest evaluation year of an index in the raw tables."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(
            con.execute(
                f"select pemda_code, max(evaluation_year) from raw.{index_code} "
                "group by pemda_code order by pemda_code"
            ).fetchall()
        )


def late(newest: dict[str, int], index_code: str, this_year: int | None = None) -> dict[str, int]:
    """The regencies whose newest year is older than the index's cadence allows."""
    cadence = reference.indices()[index_code].cadence_years
    this_year = this_year or date.today().year
    return {
        pemda: year
        for pemda, year in newest.items()
        if this_year - year > newest_year_allowed_lag(cadence)
    }


def describe(late_regencies: dict[str, int]) -> str:
    return "late: " + ", ".join(f"{p} (newest {y})" for p, y in late_regencies.items())
