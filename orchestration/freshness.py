"""Freshness of each source, by its content and per regency: flag the regencies whose newest
evaluation year of a source is older than its cadence allows (results for year Y are published
during Y+1). It warns: a late regency is news for the review, not a reason to stop a publish."""

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
            newest = dict(
                con.execute(
                    f"select pemda_code, max(evaluation_year) from raw.{index_code} "
                    "group by pemda_code order by pemda_code"
                ).fetchall()
            )
        this_year = date.today().year
        late = {
            pemda: year
            for pemda, year in newest.items()
            if this_year - year > newest_year_allowed_lag(cadence)
        }
        return dg.AssetCheckResult(
            passed=bool(newest) and not late,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_evaluation_year": newest, "checked_in_year": this_year},
            description="no results loaded yet"
            if not newest
            else (
                "late: " + ", ".join(f"{pemda} (newest {year})" for pemda, year in late.items())
                if late
                else None
            ),
        )

    return fresh


FRESHNESS_CHECKS = [build_freshness_check(code) for code in reference.indices()]
