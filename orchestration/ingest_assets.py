"""One ingest step per source: read, validate and load its files into `raw.<table>`.

The file is the unit: each is loaded whole or refused whole, and a refusal fails neither the
step nor the run. A source whose files all still have the bytes last loaded or refused holds
nothing new: its step reads nothing and writes nothing, and when no source holds news the
refresh builds and publishes nothing (see `dbt_models.py`). The pandera contract is an asset
check of the same asset that fails with ERROR severity and names the refused files (red in the
UI), but does not block: the good files go on to dbt, the gate and the publish, and a refused
file's previous good rows stay. The agency masters load first: every other source is checked
against them.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import dagster as dg

from contracts.failures import ERROR, Issue, write_report
from contracts.sources import registry
from ingest import progress
from ingest.options import MASTERS, raw_tables, sources
from ingest.receiving import FetchRetry, Received, receive
from orchestration.alerts import send_alert
from orchestration.changes import NEWS_DECIDED_AT, Decided, decided_versions, news_of
from orchestration.settings import Settings
from serving import crash_points

if TYPE_CHECKING:
    from ingest.raw_store import RawStore

CONTRACT_CHECK = "pandera_contract"
REPORT_LIMIT = 50
WAREHOUSE_POOL = "kinerja_warehouse"  # one writer of the warehouse at a time (dagster.yaml)
MASTER_KEY = dg.AssetKey(["raw", raw_tables(MASTERS)[0]])


def _issues_markdown(issues: list[Issue]) -> str:
    lines = ["| file | sheet | row | column | check | value | message |", "|---" * 7 + "|"]
    for i in issues[:REPORT_LIMIT]:
        cells = (i.file, i.sheet, i.row, i.column, i.check, i.value, i.message)
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    if len(issues) > REPORT_LIMIT:
        lines.append(f"\n... and {len(issues) - REPORT_LIMIT} more in the quarantine report")
    return "\n".join(lines)


def write_run_report(store: "RawStore", settings: Settings, run_id: str) -> list[str]:
    """Rewrite the run's one quarantine report (CSV and JSON) from every issue recorded so far."""
    issues = store.run_issues(run_id)
    if not issues:
        return []
    return [str(p) for p in write_report(issues, settings.quarantine_dir, run_id)]


def _received_at(context: dg.AssetExecutionContext) -> datetime:
    """When this refresh was made: every file it receives is received then (UTC)."""
    record = context.instance.get_run_record_by_id(context.run_id)
    return record.create_timestamp.astimezone(UTC).replace(tzinfo=None)


def build_source_asset(source: str) -> dg.AssetsDefinition:
    """The ingest step of one source: one asset per raw table it writes (SPBE writes two)."""
    keys = [dg.AssetKey(["raw", table]) for table in raw_tables(source)]
    main = keys[0]

    @dg.multi_asset(
        name=f"ingest_{source}",
        pool=WAREHOUSE_POOL,
        specs=[
            dg.AssetSpec(
                key,
                group_name="ingest",
                kinds={"duckdb", "pandera"},
                deps=[] if key == MASTER_KEY else [MASTER_KEY],
                description=f"{registry()[source].description}: source files validated and loaded into "
                f"raw.{key.path[-1]}.",
            )
            for key in keys
        ],
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=main,
                blocking=False,
                description="Every source file meets its pandera contract; a refused file is "
                "named here and its earlier good rows stay, while the other files publish.",
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]):
        # pandas and pandera load with the first step that reads a file, not with the definitions.
        from ingest import raw_store
        from ingest.pipeline import ingest_received

        retry = FetchRetry(first_delay_seconds=settings.retry_delay_seconds)
        # The portal answers fetched when the run's news was decided are the ones loaded.
        decided_at = context.run.tags.get(NEWS_DECIDED_AT)
        received = receive(
            settings.entries(source),
            settings.sources_dir,
            settings.landing_dir,
            retry,
            fetched_since=float(decided_at) if decided_at else None,
        )
        if not _holds_news(settings, source, received, context.run_id):
            context.log.info(f"nothing new: {len(received)} file(s) as last read")
            progress.files_done(source, len(received))
            yield from _nothing_new(keys, received)
            return
        with raw_store.RawStore(settings.files.build_for(context.run_id)) as store:
            outcomes = ingest_received(
                store,
                source,
                received,
                settings.landing_dir,
                context.run_id,
                received_at=_received_at(context),
            )
            report = write_run_report(store, settings, context.run_id)
            store.record_folder(source, sum(1 for r in received if r.entry.path), context.run_id)
        if any(o.status == raw_store.LOADED for o in outcomes):
            crash_points.reached("raw_load")
        refused = [o for o in outcomes if o.status == raw_store.REFUSED]
        # One event per refused file; the rest in one line (raw.ingest_log has every file), so
        # that ten thousand files are not ten thousand writes to Dagster's event log.
        for outcome in refused:
            context.log.warning(f"refused: {outcome.file} {outcome.message}")
        counts = {s: sum(o.status == s for o in outcomes) for s in raw_store.STATUSES}
        context.log.info(
            ", ".join(f"{n} {status}" for status, n in counts.items())
            + f"; {sum(o.rows for o in outcomes)} rows loaded (every file: raw.ingest_log)"
        )
        if refused:
            alert = {
                "kind": "files_refused",
                "run_id": context.run_id,
                "job": context.job_name,
                "source": source,
                "refused_files": [
                    {"file": o.file, "pemda_code": o.pemda_code, "first_error": o.first_error}
                    for o in refused
                ],
                "quarantine_report": report,
            }
            send_alert(settings, alert, context.log)
        issues = [i for o in outcomes for i in o.issues]
        errors = [i for i in issues if i.severity == ERROR]
        for extra in keys[1:]:
            yield dg.MaterializeResult(asset_key=extra)
        yield dg.MaterializeResult(
            asset_key=main,
            metadata={
                "files": len(outcomes),
                **{f"files_{status}": n for status, n in counts.items()},
                "rows_loaded": sum(o.rows for o in outcomes),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=CONTRACT_CHECK,
                    passed=not errors,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description=f"{len(refused)} file(s) refused: "
                    + ", ".join(o.file for o in refused[:10])
                    if refused
                    else None,
                    metadata={
                        "refused_files": sorted({o.file for o in refused}),
                        "errors": len(errors),
                        "warnings": len(issues) - len(errors),
                        "failure_cases": dg.MetadataValue.md(_issues_markdown(issues)),
                        "quarantine_report": report,
                    },
                )
            ],
        )

    return ingest


def _holds_news(settings, source: str, received: list[Received], run_id: str) -> bool:
    """Whether a source must be read tonight (`changes.news_of`), no warehouse yet, or a new
    agency master loaded by this run (the files refused against the old one deserve another
    look)."""
    files = settings.files
    decided = decided_versions(settings)
    if decided is None or news_of(received, decided.get(source, Decided())):
        return True
    if source == MASTERS or not files.built_by(run_id):
        return False
    from ingest import raw_store

    with raw_store.RawStore(files.build_for(run_id)) as store:
        return store.loaded_in_run(run_id, MASTERS) > 0


def _nothing_new(keys: list[dg.AssetKey], received: list[Received]):
    for extra in keys[1:]:
        yield dg.MaterializeResult(asset_key=extra)
    yield dg.MaterializeResult(
        asset_key=keys[0],
        metadata={"files": len(received), "files_unchanged": len(received), "rows_loaded": 0},
        check_results=[
            dg.AssetCheckResult(
                check_name=CONTRACT_CHECK,
                passed=True,
                severity=dg.AssetCheckSeverity.ERROR,
                description="nothing new: every file as last loaded or refused",
            )
        ],
    )


SOURCE_ASSETS = {source: build_source_asset(source) for source in sources()}
