"""Named stages where a test may kill a refresh or any other command that writes, to prove that
a crash at any of them leaves everything consistent (tests/test_crash_duckdb.py,
tests/test_crash_postgres.py, tests/test_crash_commands.py).

`reached(stage)` does nothing unless the settings' crash stage (KINERJA_CRASH_AT) names it;
then it kills the process and its process group (dbt included) with SIGKILL, as a power cut
would, at exactly that point: no timer that may fire before or after a rename.
"""

from __future__ import annotations

import os
import signal

STAGES = (
    "raw_load",  # the first source's files are in the build's raw tables, the others not yet
    "dbt",  # dbt is building the marts of the build
    "gate",  # Great Expectations has checked the build, nothing is published yet
    "publish_exported",  # the next served file is written, not yet renamed into place
    "publish_served",  # the new served file is in place, the build not yet the working file
    "pg_load",  # PostgreSQL: raw tables copied, the transaction not committed
    "pg_publish",  # PostgreSQL: marts swapped inside the transaction, not committed
    "report",  # the review's files written, its snapshot inserted but not committed
    "report_recorded",  # the review's snapshot committed, its folder not yet in place
    "retire_committed",  # a retirement committed in the working file, its .wal not folded in
    "rollback_recorded",  # the generation to serve again noted, not yet swapped in
    "backup_copied",  # a backup's files copied, its backup.json not yet written
    "restore_working",  # a restore put the working file back, its release not yet served
    "release_written",  # the bulk release written beside its place, not yet renamed into it
    "feedback_written",  # a regency's pack written beside its place, not yet renamed into it
    "template_written",  # a template saved beside its place, not yet renamed into it
)


def reached(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown crash point {stage!r}")
    from orchestration.settings import crash_stage

    if crash_stage() == stage:
        os.killpg(os.getpgid(0), signal.SIGKILL)
