"""One ingest step per source index: read, validate and load its files into `raw.<index>`.

The pandera contract runs as a blocking asset check of the same asset: when any file of the
source is refused the check fails, so nothing downstream builds on a partial picture, while the
files that passed are loaded and the previous good rows of the refused ones stay.
"""

import dagster as dg

from contracts import reference
from contracts.failures import ERROR, Issue, write_report
from ingest import raw_store
from ingest.layouts import raw_tables
from ingest.pipeline import ingest_source
from orchestration.resources import KinerjaPaths

CONTRACT_CHECK = "pandera_contract"
REPORT_LIMIT = 50
FETCH_RETRIES = 3  # Dagster-level retries of a source that could not be fetched, with backoff
WAREHOUSE_POOL = "kinerja_warehouse"  # one writer of the warehouse at a time (dagster.yaml)


def _issues_markdown(issues: list[Issue]) -> str:
    lines = ["| file | sheet | row | column | check | value | message |", "|---" * 7 + "|"]
    for i in issues[:REPORT_LIMIT]:
        cells = (i.file, i.sheet, i.row, i.column, i.check, i.value, i.message)
        lines.append("| " + " | ".join("" if c is None else str(c) for c in cells) + " |")
    if len(issues) > REPORT_LIMIT:
        lines.append(f"\n... and {len(issues) - REPORT_LIMIT} more in the quarantine report")
    return "\n".join(lines)


def write_run_report(store: raw_store.RawStore, paths: KinerjaPaths, run_id: str) -> list[str]:
    """Rewrite the run's one quarantine report (CSV and JSON) from every issue recorded so far."""
    issues = store.run_issues(run_id)
    if not issues:
        return []
    return [str(p) for p in write_report(issues, paths.settings.quarantine_dir, run_id)]


def build_source_asset(index_code: str) -> dg.AssetsDefinition:
    """The ingest step of one source: one asset per raw table it writes (SPBE writes two)."""
    index = reference.indices()[index_code]
    keys = [dg.AssetKey(["raw", table]) for table in raw_tables(index_code)]
    main = keys[0]

    @dg.multi_asset(
        name=f"ingest_{index_code}",
        pool=WAREHOUSE_POOL,
        specs=[
            dg.AssetSpec(
                key,
                group_name="ingest",
                kinds={"duckdb", "pandera"},
                description=f"{index.name}: source files validated and loaded into "
                f"raw.{key.path[-1]}.",
            )
            for key in keys
        ],
        check_specs=[
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=main,
                blocking=True,
                description="Every source file of this index meets its pandera contract.",
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext, paths: KinerjaPaths):
        settings = paths.settings
        with raw_store.RawStore(settings.files.build_for(context.run_id)) as store:
            outcomes = ingest_source(
                store,
                paths.entries(index_code),
                settings.sources_dir,
                settings.landing_dir,
                context.run_id,
            )
            report = write_run_report(store, paths, context.run_id)
        for outcome in outcomes:
            log = context.log.warning if outcome.status == raw_store.REFUSED else context.log.info
            log(f"{outcome.status}: {outcome.file} ({outcome.rows} rows) {outcome.message}")
        unreachable = [o.file for o in outcomes if o.transient]
        if unreachable and context.retry_number < FETCH_RETRIES:
            wait = settings.retry_delay_seconds * 2**context.retry_number
            context.log.warning(f"could not fetch {unreachable}; trying again in {wait:g} s")
            raise dg.RetryRequested(max_retries=FETCH_RETRIES, seconds_to_wait=wait)
        issues = [i for o in outcomes for i in o.issues]
        errors = [i for i in issues if i.severity == ERROR]
        counts = {s: sum(o.status == s for o in outcomes) for s in raw_store.STATUSES}
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
                    metadata={
                        "refused_files": sorted({i.file for i in errors}),
                        "errors": len(errors),
                        "warnings": len(issues) - len(errors),
                        "failure_cases": dg.MetadataValue.md(_issues_markdown(issues)),
                        "quarantine_report": report,
                    },
                )
            ],
        )

    return ingest


SOURCE_ASSETS = [build_source_asset(code) for code in reference.indices()]
