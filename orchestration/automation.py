"""When the refresh runs: nightly at 02:00 Jakarta time, and when a source file is new or changed."""

import hashlib
import json

import dagster as dg

from ingest.landing import sha256_of
from orchestration.changes import tonight
from orchestration.freshness import FRESHNESS_CHECKS
from orchestration.settings import Settings

REFRESH_JOB = "refresh"
NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Jakarta"
_TAG_LIMIT = 200


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
    the working file and leaves the served one untouched."""
    news, received = tonight(settings)
    if news:
        return dg.RunRequest(tags={"kinerja/news": "; ".join(news)[:_TAG_LIMIT]})
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
    description="Starts a refresh when a file in the sources dir is new or changed (sha256).",
)
def new_source_files(context: dg.SensorEvaluationContext, settings: dg.ResourceParam[Settings]):
    seen: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, list] = {}
    changed = []
    for entry in settings.entries():
        for path in entry.local_files(settings.sources_dir):
            stat = path.stat()
            before = seen.get(str(path))
            # Hash again only what size or mtime says may have changed.
            if before and before[:2] == [stat.st_size, stat.st_mtime_ns]:
                digest = before[2]
            else:
                digest = sha256_of(path)
            current[str(path)] = [stat.st_size, stat.st_mtime_ns, digest]
            if not before or before[2] != digest:
                changed.append(f"{path}:{digest}")
    context.update_cursor(json.dumps(current))
    if not changed:
        return dg.SkipReason("no new or changed source file")
    run_key = hashlib.sha256("\n".join(sorted(changed)).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key, tags={"kinerja/trigger": "new_source_files"})
