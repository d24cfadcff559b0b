"""The `raw` schema of the DuckDB warehouse: validated source rows, the ingest log, contract issues.

A file's rows replace earlier rows of the same key (agency and evaluation year for scores; the
whole regency for an agency master; agency, index and year for targets), in one transaction with
its log entry, so a refused or failed load leaves the previous good rows in place.

When two files hold the same key, the row that wins is decided by the rows themselves, not by
the order the files were read in: the later announcement date (where the source states one),
then the later receipt (the refresh that first received the file), then the later file path in
name order, then the higher sha256. So one night's files give the same raw tables in any order,
and a corrected file sent on a later night replaces what it corrects.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from contracts.agencies import Masters, agencies_from_frame
from contracts.failures import Issue
from contracts.validate import table_schema
from ingest.layouts import raw_tables, sources

SCHEMA = "raw"
REPLACE_KEYS = {
    "agency_master": ("pemda_code",),
    "targets": ("agency_code", "index_code", "evaluation_year"),
}
SCORE_REPLACE_KEY = ("agency_code", "evaluation_year")
# Which of two rows of one key wins: the greater of these, compared in order, a missing value
# lowest (a source without announcement dates compares by receipt alone).
PRECEDENCE = ("announced_on", "received_at", "source_file", "source_sha256")
_LOWEST = {"announced_on": "timestamp '0001-01-01'", "received_at": "timestamp '0001-01-01'"}
_LOG_COLUMNS = {
    "run_id": "varchar",
    "index_code": "varchar",  # the source: an index, agencies or targets
    "file": "varchar",
    "sha256": "varchar",
    "bytes": "bigint",
    "rows": "integer",
    "status": "varchar",
    "message": "varchar",
    "landed_path": "varchar",
    "logged_at": "timestamp",
    "pemda_code": "varchar",
    "year_from": "integer",
    "year_to": "integer",
    "first_error": "varchar",
}

_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.ingest_log (
    run_id varchar, index_code varchar, file varchar, sha256 varchar, bytes bigint,
    rows integer, status varchar, message varchar, landed_path varchar, logged_at timestamp
);
{
    "".join(
        f"alter table {SCHEMA}.ingest_log add column if not exists {name} {sql_type};"
        for name, sql_type in _LOG_COLUMNS.items()
    )
}
create table if not exists {SCHEMA}.contract_issues (
    run_id varchar, index_code varchar, file varchar, sha256 varchar, sheet varchar,
    "row" integer, "column" varchar, "check" varchar, value varchar, message varchar,
    severity varchar, logged_at timestamp
);
"""

# pandera dtypes of the contracts -> DuckDB column types of the raw tables
_SQL_TYPES = {
    "string[python]": "varchar",
    "int64": "bigint",
    "float64": "double",
    "datetime64[ns]": "timestamp",
}

LOADED, REFUSED, UNCHANGED = "loaded", "refused", "unchanged"
STATUSES = (LOADED, REFUSED, UNCHANGED)


def _rank(alias: str, frame: pd.DataFrame) -> str:
    """A row's PRECEDENCE as a row value; a column the incoming rows lack counts as missing."""
    parts = [
        f"coalesce({alias}.{c}, {_LOWEST.get(c, chr(39) * 2)})"
        if c in frame
        else _LOWEST.get(c, "''")
        for c in PRECEDENCE
    ]
    return f"row({', '.join(parts)})"


def _raw_table_schemas() -> dict:
    """The contract of every raw table, by table name: its columns and their types (which do
    not depend on the region, so none is named)."""
    return {
        table: table_schema(table, source, pemda_code="")
        for source in sources()
        for table in raw_tables(source)
    }


class RawStore:
    """One short-lived writing connection to the warehouse file; use it as a context manager."""

    def __init__(self, path: Path, read_only: bool = False):
        """`read_only` for reporting on a file the caller must not write (the served warehouse)."""
        if read_only:
            self._con = duckdb.connect(str(path), read_only=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = duckdb.connect(str(path))
        self._con.execute(_DDL)
        self._create_raw_tables()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def already_loaded(self, index_code: str, file: str, sha256: str) -> bool:
        """Whether this version is the last one loaded from `file`: a file put back to an
        earlier version is loaded again (it is a new receipt, and wins by it)."""
        last = self._con.execute(
            f"select sha256 from {SCHEMA}.ingest_log where index_code = ? and file = ? "
            "and status = ? order by logged_at desc limit 1",
            [index_code, file, LOADED],
        ).fetchall()
        return last == [(sha256,)]

    def record(
        self,
        entry: dict[str, object],
        issues: list[Issue],
        tables: dict[str, pd.DataFrame] | None = None,
    ) -> None:
        """Write a file's rows (if any), its log entry and its issues atomically."""
        now = datetime.now(UTC).replace(tzinfo=None)
        self._con.begin()
        try:
            for table, frame in (tables or {}).items():
                self._replace(table, frame.assign(loaded_at=now))
            logged = {**entry, "logged_at": now}
            self._con.execute(
                f"insert into {SCHEMA}.ingest_log ({', '.join(_LOG_COLUMNS)}) "
                f"values ({', '.join('?' * len(_LOG_COLUMNS))})",
                [logged.get(name) for name in _LOG_COLUMNS],
            )
            if issues:
                rows = pd.DataFrame([asdict(i) for i in issues]).assign(
                    run_id=entry["run_id"],
                    index_code=entry["index_code"],
                    sha256=entry["sha256"],
                    logged_at=now,
                )
                self._con.register("issues_frame", rows)
                self._con.execute(
                    f"insert into {SCHEMA}.contract_issues by name select * from issues_frame"
                )
                self._con.unregister("issues_frame")
            self._con.commit()
        except Exception:
            self._con.rollback()
            raise

    def _create_raw_tables(self) -> None:
        """Every raw table exists from the start, typed by its contract, so dbt can build the
        marts even before a source has delivered its first file."""
        for table, schema in _raw_table_schemas().items():
            columns = [f'"{name}" {_SQL_TYPES[str(c.dtype)]}' for name, c in schema.columns.items()]
            columns += ["source_file varchar", "source_sha256 varchar", "loaded_at timestamp"]
            self._con.execute(f"create table if not exists {SCHEMA}.{table} ({', '.join(columns)})")
            self._con.execute(
                f"alter table {SCHEMA}.{table} add column if not exists received_at timestamp"
            )

    def masters(self) -> Masters:
        """The agency master in force for every regency: the last good master file of each."""
        return Masters(agencies_from_frame(self._con.table(f"{SCHEMA}.agency_master").df()))

    def _replace(self, table: str, frame: pd.DataFrame) -> None:
        """Rows of `frame` replace the rows of the same key they win over (PRECEDENCE); rows
        that lose are not written."""
        name = f"{SCHEMA}.{table}"
        self._con.register("incoming", frame)
        try:
            on = " and ".join(f"t.{k} = i.{k}" for k in REPLACE_KEYS.get(table, SCORE_REPLACE_KEY))
            self._con.execute(
                f"delete from {name} t using incoming i where {on} and "
                f"{_rank('i', frame)} >= {_rank('t', frame)}"
            )
            self._con.execute(
                f"insert into {name} by name select * from incoming i "
                f"where not exists (select 1 from {name} t where {on})"
            )
        finally:
            self._con.unregister("incoming")

    def conflicts(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` whose key another file already holds: that file, and whether the
        incoming row wins (PRECEDENCE)."""
        name = f"{SCHEMA}.{table}"
        self._con.register("incoming", frame)
        try:
            on = " and ".join(f"t.{k} = i.{k}" for k in REPLACE_KEYS.get(table, SCORE_REPLACE_KEY))
            return self._con.execute(
                f"select distinct i.source_sheet, i.source_row, t.source_file as other_file, "
                f"{_rank('i', frame)} >= {_rank('t', frame)} as incoming_wins "
                f"from incoming i join {name} t on {on} where t.source_file <> i.source_file"
            ).df()
        finally:
            self._con.unregister("incoming")

    def run_log(self, run_id: str) -> pd.DataFrame:
        return self._con.execute(
            f"select * from {SCHEMA}.ingest_log where run_id = ? order by index_code, file",
            [run_id],
        ).df()

    def table_sizes(self, schema: str) -> dict[str, int]:
        """Rows per table of a schema (the marts, for the refresh summary)."""
        tables = self._con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [schema],
        ).fetchall()
        return {
            t: self._con.execute(f'select count(*) from {schema}."{t}"').fetchone()[0]
            for (t,) in tables
        }

    def partition_warnings(self) -> list[str]:
        """The regency partitions published with a warning (`marts.partition_checks`)."""
        rows = self._con.execute(
            "select pemda_code, index_code, evaluation_year, warning from marts.partition_checks "
            "where warning is not null order by 1, 2, 3"
        ).fetchall()
        return [f"{pemda} {index} {year}: {warning}" for pemda, index, year, warning in rows]

    def run_issues(self, run_id: str, index_code: str | None = None) -> list[Issue]:
        query = f"""select "check", message, file, sheet, "row", "column", value, severity
                    from {SCHEMA}.contract_issues where run_id = ?"""
        params: list[object] = [run_id]
        if index_code:
            query += " and index_code = ?"
            params.append(index_code)
        rows = self._con.execute(query + ' order by file, sheet, "row"', params).fetchall()
        return [Issue(*r) for r in rows]
