"""When the refresh runs: nightly at 02:00 Jakarta time, and when a source file is new or changed."""

import hashlib
import time

import dagster as dg

from orchestration.changes import run_tags, tonight
from orchestration.dbt_models import raw_where_dbt_reads, warehouse_models
from orchestration.freshness import FRESHNESS_CHECKS
from orchestration.ingest_assets import SOURCE_ASSETS
from orchestration.publish_asset import published_warehouse
from orchestration.settings import Settings

REFRESH_JOB = "refresh"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Jakarta"


def refresh_subset(reading: list[str]) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The part of the refresh job a night with news runs: the ingest steps of the sources it
    reads (the others have nothing to read), every dbt model and the publish, and every freshness
    check (lateness moves with the calendar, not only with files)."""
    ingest = [SOURCE_ASSETS[source] for source in reading]
    assets = {key for step in ingest for key in step.keys}
    checks = {key for step in ingest for key in step.check_keys}
    assets |= set(warehouse_models.keys) | {raw_where_dbt_reads.key, published_warehouse.key}
    checks |= set(warehouse_models.check_keys) | {check.check_key for check in FRESHNESS_CHECKS}
    return assets, checks


IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def refresh_in_progress(instance: dg.DagsterInstance, settings: Settings) -> str | None:
    """Why a tick must skip: a run of the refresh job queued or running in this instance, or
    another process writing the warehouse (a `kinerja refresh` by hand, a restore); None when
    the warehouse is free."""
    running = instance.get_runs(
        filters=dg.RunsFilter(job_name=REFRESH_JOB, statuses=IN_PROGRESS), limit=1
    )
    if running:
        return f"refresh run {running[0].run_id} is in progress"
    if settings.files.being_written():
        return f"another process is writing {settings.warehouse}"
    return None


@dg.schedule(
    name="nightly_refresh",
    job_name=REFRESH_JOB,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The nightly refresh, ahead of the monthly reviews; on a night with nothing new, "
    "only the freshness checks.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext, settings: dg.ResourceParam[Settings]):
    """The whole refresh when a source file, a portal or the dbt project has news (decided from
    hashes, `orchestration/changes.py`); else a run of the freshness checks alone, which reads
    the working file and leaves the served one untouched. Skipped while a refresh runs."""
    busy = refresh_in_progress(context.instance, settings)
    if busy:
        return dg.SkipReason(busy)
    decided_at = time.time()
    news, received, reading, _ = tonight(settings)
    if news:
        assets, checks = refresh_subset(reading)
        return dg.RunRequest(
            asset_selection=list(assets),
            asset_check_keys=list(checks),
            tags=run_tags(news, decided_at),
        )
    context.log.info(f"nothing new: {len(received)} files as last read, no model changed")
    return dg.RunRequest(
        asset_selection=[],
        asset_check_keys=[check.check_key for check in FRESHNESS_CHECKS],
        tags={"kinerja/news": "nothing new: freshness checks only"},
    )


@dg.sensor(
    name="new_source_files",
    job_name=REFRESH_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a refresh when a file in the sources dir is new or changed since it was "
    "last loaded or refused (sha256).",
)
def new_source_files(context: dg.SensorEvaluationContext, settings: dg.ResourceParam[Settings]):
    """The decision `kinerja refresh` makes (`orchestration/changes.py`), for the files of the
    sources dir: portals are fetched by the schedule, not every minute. The same news gives the
    same run key, so Dagster starts one refresh for it however often the sensor ticks. Skipped
    while a refresh runs: its files are decided when it has finished."""
    busy = refresh_in_progress(context.instance, settings)
    if busy:
        return dg.SkipReason(busy)
    decided_at = time.time()
    news, received, reading, _ = tonight(settings, local_only=True)
    if not news:
        return dg.SkipReason(f"nothing new in {len(received)} source files")
    versions = "\n".join(sorted(f"{r.display}:{r.sha256}" for r in received))
    assets, checks = refresh_subset(reading)
    return dg.RunRequest(
        run_key=hashlib.sha256(versions.encode()).hexdigest(),
        asset_selection=list(assets),
        asset_check_keys=list(checks),
        tags={"kinerja/trigger": "new_source_files", **run_tags(news, decided_at)},
    )
