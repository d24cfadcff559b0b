"""The one entry point: `dagster dev` and `kinerja refresh` both load these definitions."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration import settings
from orchestration.dbt_models import DBT_EXECUTABLE, DBT_PROJECT, warehouse_models
from orchestration.ingest_assets import SOURCE_ASSETS
from orchestration.resources import KinerjaPaths

# DuckDB takes one writer at a time: the refresh runs its steps one after another in one process.
refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every source, then build the dbt models and tests (the nightly run).",
)


def build_definitions(config: settings.Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[*SOURCE_ASSETS, warehouse_models],
        jobs=[refresh_job],
        resources={
            "paths": KinerjaPaths.from_settings(config),
            "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
        },
    )


defs = build_definitions(settings.from_env())
