"""The one entry point: `dagster dev` and `kinerja refresh` both load these definitions."""

import dagster as dg
from dagster_dbt import DbtProject

from orchestration import settings
from orchestration.alerts import alert_on_failure
from orchestration.automation import REFRESH_JOB, new_source_files, nightly_refresh
from orchestration.dbt_models import (
    DBT_EXECUTABLE,
    DBT_PROJECT,
    InstalledDbt,
    raw_where_dbt_reads,
    warehouse_models,
)
from orchestration.freshness import FRESHNESS_CHECKS
from orchestration.ingest_assets import SOURCE_ASSETS
from orchestration.publish_asset import published_warehouse
from orchestration.review_asset import monthly_review, monthly_review_job, monthly_review_schedule

# DuckDB takes one writer at a time: the refresh runs its steps one after another in one process
# (which also holds the warehouse's writer lock from the first build step to the publish).
refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(monthly_review),
    executor_def=dg.in_process_executor,
    hooks={alert_on_failure},
    description="Ingest every source into a build copy of the warehouse, build the dbt models "
    "and tests, check the marts with Great Expectations, then publish atomically.",
)


def build_definitions(config: settings.Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[
            *SOURCE_ASSETS.values(),
            raw_where_dbt_reads,
            warehouse_models,
            published_warehouse,
            monthly_review,
        ],
        asset_checks=FRESHNESS_CHECKS,
        jobs=[refresh_job, monthly_review_job],
        schedules=[nightly_refresh, monthly_review_schedule],
        sensors=[new_source_files],
        resources={
            "settings": config,
            "dbt": InstalledDbt(
                project_dir=DbtProject(DBT_PROJECT.project_dir, target=config.target),
                dbt_executable=DBT_EXECUTABLE,
            ),
        },
    )


defs = build_definitions(settings.from_env())
