"""`kinerja`: the operator's commands.

kinerja refresh            run the refresh job (the same one the schedule runs)
kinerja validate FILE...   check files against their contracts without loading them
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from contracts import reference
from contracts.failures import ERROR, Issue
from ingest.manifest import DEFAULT_PEMDA


def _print_issues(issues: list[Issue], limit: int = 200) -> None:
    for issue in issues[:limit]:
        print(f"  {issue.describe()}")
    if len(issues) > limit:
        print(f"  ... and {len(issues) - limit} more")


def refresh(_: argparse.Namespace) -> int:
    import dagster as dg

    from ingest import raw_store
    from orchestration import settings as settings_module
    from orchestration.definitions import defs

    settings = settings_module.from_env()
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    job = defs.resolve_job_def("refresh")
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = job.execute_in_process(run_config=quiet, instance=instance, raise_on_error=False)
    written = settings.files.current_for(result.run_id)
    with raw_store.RawStore(written, read_only=True) as store:
        log = store.run_log(result.run_id)
        issues = store.run_issues(result.run_id)
        marts = store.table_sizes("marts")
    published = written == settings.files.served
    print(f"\nkinerja refresh: run {result.run_id}")
    print(f"{'status':<10} {'rows':>5}  file")
    for row in log.itertuples():
        print(f"{row.status:<10} {row.rows:>5}  {row.index_code}: {row.file}")
    counts = log["status"].value_counts().to_dict()
    print(
        f"\n{len(log)} files: {counts.get('loaded', 0)} loaded, {counts.get('unchanged', 0)} "
        f"unchanged, {counts.get('refused', 0)} refused; {int(log['rows'].sum())} rows loaded"
    )
    if marts:
        print("marts: " + ", ".join(f"{table} {rows}" for table, rows in marts.items()))
    if issues:
        errors = [i for i in issues if i.severity == ERROR]
        print(f"\n{len(errors)} error(s), {len(issues) - len(errors)} warning(s):")
        _print_issues(issues)
        report = settings.quarantine_dir / f"{result.run_id}.csv"
        print(f"\nQuarantine report: {report} (and .json)")
    if published:
        print(
            f"\nPublished {settings.warehouse} (the previous one is kept for `kinerja rollback`)."
        )
    else:
        print(f"\nNOT published: {settings.warehouse} is unchanged; this run's build is {written}.")
        for failure in _failures(result):
            print(f"  {failure}")
    if _crashed_steps(result):
        print(f"\nThe run failed in {_crashed_steps(result)}: see the log above.", file=sys.stderr)
        return 2
    return 1 if counts.get("refused") or not published else 0


def _failures(result) -> list[str]:
    return [
        f"{event.step_key}: {event.step_failure_data.user_failure_data.description}"
        if event.step_failure_data.user_failure_data
        else f"{event.step_key}: {event.step_failure_data.error.message.strip().splitlines()[0]}"
        for event in result.all_events
        if event.is_step_failure
    ]


def _crashed_steps(result) -> list[str]:
    """Steps that failed for another reason than the data: not a refused file (a failed blocking
    contract check) nor a refused build (the Great Expectations gate raises a Failure)."""
    return [
        event.step_key
        for event in result.all_events
        if event.is_step_failure
        and event.step_failure_data.user_failure_data is None
        and event.step_failure_data.error.cls_name != "DagsterAssetCheckFailedError"
    ]


def _guess_index(path: Path) -> str | None:
    known = reference.indices()
    for candidate in (path.parent.name, path.name.split("_")[0].lower()):
        if candidate in known:
            return candidate
    return None


def validate(args: argparse.Namespace) -> int:
    from ingest.layouts import Options
    from ingest.pipeline import check_file

    failed = False
    for name in args.files:
        path = Path(name)
        index_code = args.index or _guess_index(path)
        if index_code is None:
            print(f"{path}: cannot tell the index; pass --index ({', '.join(reference.indices())})")
            failed = True
            continue
        if not path.is_file():
            print(f"{path}: no such file")
            failed = True
            continue
        frames, issues = check_file(index_code, path, Options(pemda_code=args.pemda_code))
        errors = [i for i in issues if i.severity == ERROR]
        rows = len(frames.get(index_code, []))
        verdict = f"REFUSED ({len(errors)} errors)" if errors else f"ok ({rows} rows)"
        print(f"{path} [{index_code}]: {verdict}")
        _print_issues(issues)
        failed |= bool(errors)
    return 1 if failed else 0


def query(args: argparse.Namespace) -> int:
    from orchestration import settings as settings_module
    from serving.readers import read_query

    frame = read_query(settings_module.from_env().warehouse, args.sql)
    print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def rollback(_: argparse.Namespace) -> int:
    from orchestration import settings as settings_module

    files = settings_module.from_env().files
    files.rollback()
    print(f"{files.served} now serves the previous generation; run rollback again to undo.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kinerja", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("refresh", help="ingest every source into the warehouse").set_defaults(
        run=refresh
    )
    check = commands.add_parser("validate", help="check files against their contracts")
    check.add_argument("files", nargs="+")
    check.add_argument("--index", choices=sorted(reference.indices()))
    check.add_argument("--pemda-code", default=DEFAULT_PEMDA)
    check.set_defaults(run=validate)
    read = commands.add_parser("query", help="read-only SQL on the served warehouse")
    read.add_argument("sql")
    read.add_argument("--max-rows", type=int, default=200)
    read.set_defaults(run=query)
    commands.add_parser("rollback", help="serve the previous generation again").set_defaults(
        run=rollback
    )
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
