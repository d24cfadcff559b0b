"""The last step of a refresh: the Great Expectations gate, then the atomic publish."""

import json

import dagster as dg

from orchestration.dbt_models import warehouse_models
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.resources import KinerjaPaths
from serving.publish_log import record_publish

MART_KEYS = [key for key in warehouse_models.keys if key.path[0] == "marts"]


@dg.asset(
    key=["published", "warehouse"],
    deps=MART_KEYS,
    group_name="publish",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "great_expectations"},
    description="The served warehouse file: replaced atomically by the build once dbt tests "
    "and the Great Expectations checkpoint have passed.",
)
def published_warehouse(context: dg.AssetExecutionContext, paths: KinerjaPaths):
    from serving.expectations import run_gate

    settings = paths.settings
    build = settings.files.build_for(context.run_id)
    gate = run_gate(build, settings.docs_dir)
    if not gate.success:
        settings.files.abandon()
        raise dg.Failure(
            description=f"Great Expectations refused the build ({len(gate.failures)} "
            f"failed expectations); the served warehouse is unchanged. First: {gate.failures[0]}",
            metadata={"failures": gate.failures, "data_docs": str(gate.docs_index)},
        )
    entry = record_publish(build, context.run_id)
    settings.files.publish(context.run_id)
    context.log.info(f"published {settings.warehouse} (previous kept for rollback)")
    return dg.MaterializeResult(
        metadata={
            "served": str(settings.warehouse),
            "source_files": entry["source_files"],
            "mart_rows": json.loads(entry["mart_rows"]),
            "data_docs": str(gate.docs_index),
        }
    )
