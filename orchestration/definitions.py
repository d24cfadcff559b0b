"""The one entry point: `dagster dev` and `kinerja refresh` both load these definitions."""

import dagster as dg

from orchestration import settings
from orchestration.ingest_assets import SOURCE_ASSETS
from orchestration.resources import KinerjaPaths

# DuckDB takes one writer at a time: the refresh runs its steps one after another in one process.
refresh_job = dg.define_asset_job(
    "refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every source into the warehouse (the nightly run and `kinerja refresh`).",
)


def build_definitions(config: settings.Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=SOURCE_ASSETS,
        jobs=[refresh_job],
        resources={"paths": KinerjaPaths.from_settings(config)},
    )


defs = build_definitions(settings.from_env())
