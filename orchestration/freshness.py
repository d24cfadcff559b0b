"""Freshness of each source, by its content and per regency: flag the regencies whose newest
evaluation year of a source is older than its cadence allows (results for year Y are published
during Y+1). It warns: a late regency is news for the review, not a reason to stop a publish."""

from datetime import date

import dagster as dg

from contracts import reference
from orchestration.lateness import PUBLICATION_LAG_YEARS, describe, late, newest_years
from orchestration.settings import Settings


def build_freshness_check(index_code: str) -> dg.AssetChecksDefinition:
    cadence = reference.indices()[index_code].cadence_years

    @dg.asset_check(
        asset=dg.AssetKey(["raw", index_code]),
        name="new_evaluation_year_within_cadence",
        description=f"A new evaluation year arrives at least every {cadence} year(s) "
        f"(+{PUBLICATION_LAG_YEARS} for publication).",
    )
    def fresh(
        context: dg.AssetCheckExecutionContext, settings: dg.ResourceParam[Settings]
    ) -> dg.AssetCheckResult:
        warehouse = settings.files.current_for(context.run.run_id)
        newest = newest_years(warehouse, index_code)
        this_year = date.today().year
        late_regencies = late(newest, index_code, this_year)
        return dg.AssetCheckResult(
            passed=bool(newest) and not late_regencies,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"newest_evaluation_year": newest, "checked_in_year": this_year},
            description="no results loaded yet"
            if not newest
            else (describe(late_regencies) if late_regencies else None),
        )

    return fresh


FRESHNESS_CHECKS = [build_freshness_check(code) for code in reference.indices()]
