"""`marts.publish_log`: one row per publish or rollback, for BI users to see what they read: each
publish is a release (serving/releases.py), and a rollback row names the release served again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from serving.releases import (
    SCORE_REVISION_DDL,
    Releases,
    next_release_id,
    revisions,
    sql_literal,
)

_DDL = """
create table if not exists marts.publish_log (
    published_at timestamp,
    run_id varchar,
    source_files integer,
    source_sha256 varchar,
    mart_rows varchar,
    event varchar,
    release_id varchar
);
alter table marts.publish_log add column if not exists release_id varchar;
"""
PUBLISH, ROLLBACK, RESTORE = "publish", "rollback", "restore"
# The releases published so far, oldest first (a log an earlier version wrote has none).
RELEASES_SQL = (
    "select release_id from {schema}.publish_log "
    "where event = 'publish' and release_id is not null order by published_at"
)
# The release being served: the log's last row, a publish, a rollback or a restore.
SERVED_RELEASE_SQL = (
    "select release_id from {schema}.publish_log order by published_at desc limit 1"
)


def loaded_hashes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sha256 of every source file whose rows the warehouse holds."""
    return sorted(
        h
        for (h,) in con.execute(
            "select distinct sha256 from raw.ingest_log where status = 'loaded'"
        ).fetchall()
    )


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def publish_entry(
    run_id: str, hashes: list[str], rows: dict[str, int], release_id: str | None, at: datetime
) -> dict[str, object]:
    """A row of the log, its keys in the table's column order."""
    return {
        "published_at": at,
        "run_id": run_id,
        "source_files": len(hashes),
        "source_sha256": json.dumps(hashes),
        "mart_rows": json.dumps(rows),
        "event": PUBLISH,
        "release_id": release_id,
    }


def served_release(served: Path) -> str | None:
    """The release the served DuckDB file holds (None: nothing served, or served before
    releases). Attached to a connection of its own: a reader in this process may have the file
    open with another configuration."""
    if not served.exists():
        return None
    with duckdb.connect() as con:
        con.execute(f"attach {sql_literal(served)} as served (read_only)")
        has_ids = con.execute(
            "select count(*) from duckdb_columns() where database_name = 'served' "
            "and table_name = 'publish_log' and column_name = 'release_id'"
        ).fetchone()[0]
        last = (
            con.execute(SERVED_RELEASE_SQL.format(schema="served.marts")).fetchone()
            if has_ids
            else None
        )
        con.execute("detach served")
    return last[0] if last else None


def record_publish(
    warehouse: Path, run_id: str, releases: Releases, served: Path
) -> dict[str, object]:
    """Make this publish a release in the build: the revisions since the release served until
    now (by the file `served`) into `marts.score_revision`, and a row in the log with the source
    files (by sha256) and the marts' row counts."""
    previous = served_release(served)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(_DDL)
        con.execute(SCORE_REVISION_DDL.format(schema="marts"))
        _carry_history(con, served)
        earlier = [r for (r,) in con.execute(RELEASES_SQL.format(schema="marts")).fetchall()]
        at = now_utc()
        release_id = next_release_id(at, earlier + releases.kept())
        found = revisions(
            "marts.fct_agency_score", releases.fact_file(previous), previous, release_id, at, con
        )
        if found is not None:
            found.insert_into("marts.score_revision")
        marts = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_name <> 'publish_log' order by 1"
            ).fetchall()
        ]
        rows = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in marts}
        entry = publish_entry(run_id, loaded_hashes(con), rows, release_id, at)
        _insert(con, entry)
    return entry


def _carry_history(con: duckdb.DuckDBPyConnection, served: Path) -> None:
    """The served file's publish log and revisions are the warehouse's history: the rows of it
    that the build lacks go into the build first. Those are a rollback's or a restore's row
    (noted in the served file alone) and the release of a run killed after it served its marts
    but before its build became the working file."""
    if not served.exists():
        return
    con.execute(f"attach {sql_literal(served)} as served (read_only)")
    try:
        for table in ("publish_log", "score_revision"):
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'served' "
                    "and schema_name = 'marts' and table_name = ? order by column_index",
                    [table],
                ).fetchall()
            ]
            if columns:
                listed = ", ".join(f'"{c}"' for c in columns)
                con.execute(
                    f"insert into marts.{table} ({listed}) select {listed} from "
                    f"served.marts.{table} except select {listed} from marts.{table}"
                )
    finally:
        con.execute("detach served")


def record_rollback(served_copy: Path, served: Path, event: str = ROLLBACK) -> None:
    """Note in the generation about to be served again that it is served by a rollback (or a
    restore), after the history of the one `served` until now: the releases it rolls back stay
    in the log."""
    with duckdb.connect(str(served_copy)) as con:
        con.execute(_DDL)
        con.execute(SCORE_REVISION_DDL.format(schema="marts"))
        last = con.execute(
            f"select {', '.join(CARRIED_BY_ROLLBACK)} from marts.publish_log "
            "order by published_at desc limit 1"
        ).fetchone()  # the release served again, before the history after it is carried in
        _carry_history(con, served)
        entry = rollback_entry(last) | {"event": event}
        _insert(con, entry)


# What a rollback row repeats of the last row of the generation it serves again.
CARRIED_BY_ROLLBACK = ("run_id", "source_files", "source_sha256", "mart_rows", "release_id")


def rollback_entry(last: tuple | None) -> dict[str, object]:
    entry = publish_entry(None, [], {}, None, now_utc()) | {"event": ROLLBACK}
    return entry | dict(zip(CARRIED_BY_ROLLBACK, last or [None] * 5, strict=True))


def _insert(con: duckdb.DuckDBPyConnection, entry: dict[str, object]) -> None:
    columns = ", ".join(entry)
    marks = ", ".join("?" * len(entry))
    con.execute(f"insert into marts.publish_log ({columns}) values ({marks})", list(entry.values()))
    con.execute("checkpoint")
