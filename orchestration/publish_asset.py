"""The last step of a refresh: the Great Expectations gate, then the atomic publish."""

import json

import dagster as dg

from orchestration.changes import project_fingerprint
from orchestration.dbt_models import warehouse_models
from orchestration.ingest_assets import WAREHOUSE_POOL
from orchestration.resources import KinerjaPaths
from serving import crash_points
from serving.publish_log import record_publish

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
    kinds={"duckdb", "great_expectations"},
    description="The served warehouse file: replaced atomically by the build once dbt tests "
    "and the Great Expectations checkpoint have passed.",
)
def published_warehouse(context: dg.AssetExecutionContext, paths: KinerjaPaths):
    from serving.expectations import run_gate

    settings = paths.settings
    build = settings.files.build_for(context.run_id)
    if settings.target == "postgres":
        return _publish_on_postgres(context, settings, build)
    gate = run_gate(settings.docs_dir, warehouse=build)
    _refuse_unless_passed(gate, settings)
    crash_points.reached("gate")
    entry = record_publish(build, context.run_id)
    settings.files.publish(context.run_id, project_fingerprint())
    context.log.info(f"published {settings.warehouse} (previous kept for rollback)")
    return dg.MaterializeResult(
        metadata={
            "served": str(settings.warehouse),
            "source_files": entry["source_files"],
            "mart_rows": json.loads(entry["mart_rows"]),
            "data_docs": str(gate.docs_index),
        }
    )


def _refuse_unless_passed(gate, settings) -> None:
    if not gate.success:
        settings.files.abandon()
        raise dg.Failure(
            description=f"Great Expectations refused the build ({len(gate.failures)} "
            f"failed expectations); the served warehouse is unchanged. First: {gate.failures[0]}",
            metadata={"failures": gate.failures, "data_docs": str(gate.docs_index)},
        )


def _publish_on_postgres(context: dg.AssetExecutionContext, settings, build):
    """Gate `marts_build` in the server, swap it in as `marts`; the DuckDB build becomes the
    working file (the ingest log moves on) and no DuckDB file is served."""
    from serving import postgres
    from serving.expectations import run_gate

    gate = run_gate(settings.docs_dir, postgres=(postgres.sqlalchemy_url(), postgres.BUILD))
    _refuse_unless_passed(gate, settings)
    crash_points.reached("gate")
    entry = postgres.record_publish(build, context.run_id)
    postgres.publish()
    settings.files.keep_build(context.run_id, project_fingerprint())
    context.log.info("published marts on PostgreSQL (previous kept as marts_previous)")
    return dg.MaterializeResult(
        metadata={
            "served": "postgresql: schema marts",
            "source_files": entry["source_files"],
            "mart_rows": json.loads(entry["mart_rows"]),
            "data_docs": str(gate.docs_index),
        }
    )
