"""The dbt project as Dagster assets: seeds, snapshot, staging, intermediate and marts.

The manifest is made at build time (`make` runs `dbt parse`); `dagster dev` re-parses on load.
Sources declare `meta.dagster.asset_key`, so each staging model hangs off its ingest asset and
the graph runs unbroken from file to mart. dbt tests become asset checks.

When no source held news (no ingest step made a build) and the dbt project is the one that built
the working file, dbt does not run: the step yields nothing, so the publish is skipped and the
served warehouse is untouched. A changed model, seed or macro builds again on the same data.
"""

import importlib
import json
import sys
import threading
from collections.abc import Mapping
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from ingest.options import MASTERS, raw_tables, sources
from orchestration.changes import models_changed, stale_marts
from orchestration.ingest_assets import SOURCE_ASSETS, WAREHOUSE_POOL
from orchestration.settings import PROJECT_ROOT, Settings
from serving import crash_points

DBT_PROJECT = DbtProject(project_dir=PROJECT_ROOT / "dbt_project")
DBT_PROJECT.prepare_if_dev()
# The dbt installed with kinerja, also when the environment's bin/ is not on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class InstalledDbt(DbtCliResource):
    """dbt-core as installed beside kinerja's Python (`DBT_EXECUTABLE`).

    Before every invocation dagster-dbt asks the executable for its version with `dbt --version`:
    a whole dbt start-up plus a PyPI lookup, 5-7 s per refresh on a 2-core machine. The package
    metadata of the same installation says the same at once.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        """None: a dbt adapter in this process serves only the row counts and column metadata
        dagster-dbt may fetch after a build, which kinerja does not ask for; making it loads
        dbt's whole project and profile again (1.5 s a refresh)."""
        return None


# The build's raw tables where dbt reads them: the step that puts them there precedes every dbt
# model or snapshot that reads a source.
RAW_WHERE_DBT_READS = dg.AssetKey(["raw", "where_dbt_reads"])


class LayerTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer (reference, snapshots, staging, intermediate, marts); a model or
    snapshot that reads a source waits for the raw tables where dbt reads them."""

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id, {})
        reads_a_source = node.get("resource_type") in {"model", "snapshot"} and any(
            upstream.startswith("source.") for upstream in node["depends_on"]["nodes"]
        )
        return spec.merge_attributes(deps=[RAW_WHERE_DBT_READS]) if reads_a_source else spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "snapshot":
            return "snapshots"
        folders = dbt_resource_props.get("fqn", [])[1:-1]
        return folders[0] if folders else "marts"


def nothing_to_build(settings: Settings, run_id: str) -> bool:
    """No ingest step wrote a build, and the working file's marts are current: built by this dbt
    project, and served (no rollback in force)."""
    return not settings.files.built_by(run_id) and not stale_marts(settings)


@dg.asset(
    key=RAW_WHERE_DBT_READS,
    deps=[key for step in SOURCE_ASSETS.values() for key in step.keys],
    group_name="ingest",
    pool=WAREHOUSE_POOL,
    description="The build's raw tables where dbt reads them: on PostgreSQL copied to the server "
    "in one transaction; on DuckDB dbt reads the build file itself, so nothing moves.",
)
def raw_where_dbt_reads(context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]):
    if nothing_to_build(settings, context.run_id):
        return dg.MaterializeResult(metadata={"loaded": False, "why": "nothing new to build"})
    from ingest.raw_store import RawStore
    from serving.engines import engine_for

    build = settings.files.build_for(context.run_id)
    # The raw schema as this version writes it (the columns the models read), also when no
    # ingest step ran tonight on a working file an earlier version made: opening it to write
    # applies the migrations. The files retired since the last build are left out by this one.
    with RawStore(build) as store:
        store.retirements_built(context.run_id)
    engine_for(settings).load_raw(build)
    return dg.MaterializeResult(metadata={"loaded": True, "target": settings.target})


def left_out_tonight(settings: Settings, keeps_models: bool, run_id: str) -> list[str]:
    """What this build need not rebuild: nothing, unless the build still holds every model of
    the last one (`keeps_models`) and the dbt project is the one that built them. Then the seeds,
    the snapshot of the agency masters when no master loaded, and the staging model of each source
    that loaded no file tonight, with their tests. Every intermediate model and mart is built, and
    tested across the sources (`buildable`: a test runs when what it reads is built or feeds what
    is). A night with one new SAKIP file rebuilds one staging model and the marts."""
    if not keeps_models or models_changed(settings):
        return []
    from ingest.raw_store import RawStore

    with RawStore(settings.files.build_for(run_id), read_only=True) as store:
        loaded = set(store.sources_loaded_in_run(run_id))
    quiet = [source for source in sources() if source not in loaded]
    left_out = ["resource_type:seed"] + (["resource_type:snapshot"] if MASTERS in quiet else [])
    left_out += [f"source:raw.{table}+1" for source in quiet for table in raw_tables(source)]
    return ["--exclude", " ".join(left_out), "--indirect-selection", "buildable"]


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    dagster_dbt_translator=LayerTranslator(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: InstalledDbt, settings: dg.ResourceParam[Settings]
):
    if nothing_to_build(settings, context.run_id):
        context.log.info("nothing new: no source changed and no model either; nothing to build")
        return
    from serving.engines import engine_for

    # The gate after this step imports Great Expectations (3 s): meanwhile dbt works in its own
    # process and this one mostly waits for its events.
    threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True
    ).start()
    # dbt runs in its project folder: it gets the run's build file as an absolute path.
    engine, build = engine_for(settings), settings.files.build_for(context.run_id)
    # dbt's artifacts (run_results.json, logs) of a refresh live beside its warehouse.
    # Unit tests check the models' logic, not the night's data: they run in `make test` (CI).
    arguments = ["build", "--exclude-resource-type", "unit_test"]
    arguments += ["--vars", json.dumps(engine.dbt_vars(build))]
    events = dbt.cli(
        arguments + left_out_tonight(settings, engine.keeps_models, context.run_id),
        context=context,
        target_path=settings.dbt_artifacts_dir,
    ).stream()
    for number, event in enumerate(events):
        if number == 5:
            crash_points.reached("dbt")
        yield event
