"""Freshness of each source, by its content: flag a source whose newest evaluation year is older
than its cadence allows (results for year Y are published during Y+1)."""

from datetime import date

import dagster as dg
import duckdb

from contracts import reference
from orchestration.resources import KinerjaPaths

PUBLICATION_LAG_YEARS = 1


def newest_year_allowed_lag(cadence_years: int) -> int:
    return cadence_years + PUBLICATION_LAG_YEARS


def build_freshness_check(index_code: str) -> dg.AssetChecksDefinition:
    cadence = reference.indices()[index_code].cadence_years

    @dg.asset_check(
        asset=dg.AssetKey(["raw", index_code]),
        name="new_evaluation_year_within_cadence",
        description=f"A new evaluation year arrives at least every {cadence} year(s) "
        f"(+{PUBLICATION_LAG_YEARS} for publication).",
    )
    def fresh(context: dg.AssetCheckExecutionContext, paths: KinerjaPaths) -> dg.AssetCheckResult:
        warehouse = paths.settings.files.current_for(context.run.run_id)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            (newest,) = con.execute(f"select max(evaluation_year) from raw.{index_code}").fetchone()
        this_year = date.today().year
        late = newest is None or this_year - newest > newest_year_allowed_lag(cadence)
        return dg.AssetCheckResult(
            passed=not late,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_evaluation_year": newest, "checked_in_year": this_year},
            description=None
            if not late
            else f"raw.{index_code} has no evaluation year after {newest}",
        )

    return fresh


FRESHNESS_CHECKS = [build_freshness_check(code) for code in reference.indices()]
