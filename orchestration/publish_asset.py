"""The last step of a refresh: the Great Expectations gate, then the atomic publish."""

import json

import dagster as dg

from orchestration.changes import PROJECT_MANIFEST
from orchestration.dbt_models import warehouse_models
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.settings import Settings
from serving import crash_points

MART_KEYS = [key for key in warehouse_models.keys if key.path[0] == "marts"]
if not MART_KEYS:  # e.g. a manifest written by a hand-run `dbt build --vars '{marts_schema: ...}'`
    raise RuntimeError(
        "the dbt manifest names no model in schema marts: run `make` (it runs `dbt parse`)"
    )


@dg.asset(
    key=["published", "warehouse"],
    deps=MART_KEYS,
    group_name="publish",
    pool=WAREHOUSE_POOL,
    kinds={"great_expectations"},
    description="The served marts: replaced atomically by the build once dbt tests and the "
    "Great Expectations checkpoint have passed (a file on DuckDB, a schema swap on PostgreSQL).",
)
def published_warehouse(context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]):
    from serving.engines import engine_for
    from serving.retention import describe, prune

    engine = engine_for(settings)
    gate = engine.gate(settings.docs_dir, settings.files.build_for(context.run_id))
    if not gate.success:
        engine.abandon()
        raise dg.Failure(
            description=f"Great Expectations refused the build ({len(gate.failures)} "
            f"failed expectations); the served warehouse is unchanged. First: {gate.failures[0]}",
            metadata={"failures": gate.failures, "data_docs": str(gate.docs_index)},
        )
    crash_points.reached("gate")
    entry = engine.publish(context.run_id, PROJECT_MANIFEST)
    context.log.info(f"published {engine.served} (the previous kept for rollback)")
    try:
        context.log.info(f"past the retention, removed: {describe(prune(settings))}")
    except Exception as error:  # the publish is done; what was not pruned is pruned next time
        context.log.warning(f"pruning past the retention failed, to be tried again: {error}")
    return dg.MaterializeResult(
        metadata={
            "served": engine.served,
            "release_id": entry["release_id"],
            "source_files": entry["source_files"],
            "mart_rows": json.loads(entry["mart_rows"]),
            "data_docs": str(gate.docs_index),
        }
    )
