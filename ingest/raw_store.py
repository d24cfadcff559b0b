"""The `raw` schema of the DuckDB warehouse: validated source rows, the ingest log, contract issues.

A file's rows replace earlier rows of the same key (agency and evaluation year for scores; the
whole regency for an agency master; agency, index and year for targets). The files of one source
are written together, in one transaction with their log entries, so a refused or failed load
leaves the previous good rows in place, and the cost of a load grows with its rows, not with its
files.

When two files hold the same key, the row that wins is decided by the rows themselves, not by
the order the files were read in: the later announcement date (where the source states one),
then the later receipt (the refresh that first received the file), then the later file path in
name order, then the higher sha256. So one night's files give the same raw tables in any order,
and a corrected file sent on a later night replaces what it corrects.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from contracts import messages
from contracts.agencies import AGENCY_COLUMNS, Masters, agencies_from_frame
from contracts.failures import REPORT_COLUMNS, Issue, as_rows
from contracts.schemas import FILE_COLUMNS, table_of, table_schema
from ingest.options import raw_tables, sources
from orchestration.mistakes import OperatorError

SCHEMA = "raw"
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
    "first_error_indonesian": "varchar",
}

_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.ingest_log (
    {", ".join(f"{name} {sql_type}" for name, sql_type in _LOG_COLUMNS.items())}
);
create table if not exists {SCHEMA}.file_versions (
    index_code varchar, file varchar, sha256 varchar, status varchar, logged_at timestamp
);
create table if not exists {SCHEMA}.contract_issues (
    run_id varchar, index_code varchar, file varchar, sha256 varchar, sheet varchar,
    "row" integer, "column" varchar, "check" varchar, value varchar, message varchar,
    severity varchar, logged_at timestamp
);
-- a user's retirement of a source file that is gone (`kinerja retire`); `built_in_run` is the
-- refresh whose build first left its rows out (null: not yet published without them)
create table if not exists {SCHEMA}.retirements (
    index_code varchar, file varchar, sha256 varchar, reason varchar, rows_removed integer,
    retired_at timestamp, built_in_run varchar
);
-- how many files each source's folder held each time its ingest step read it: a folder that
-- became empty while others did not is a warning in marts.source_status
create table if not exists {SCHEMA}.source_folders (
    index_code varchar, files integer, run_id varchar, logged_at timestamp
);
-- added with the Indonesian messages: a warehouse made before them gains the columns
alter table {SCHEMA}.ingest_log add column if not exists first_error_indonesian varchar;
alter table {SCHEMA}.contract_issues add column if not exists message_template varchar;
alter table {SCHEMA}.contract_issues add column if not exists message_params varchar;
"""

# pandera dtypes of the contracts -> DuckDB column types of the raw tables
_SQL_TYPES = {
    "string[python]": "varchar",
    "int64": "bigint",
    "float64": "double",
    "datetime64[ns]": "timestamp",
}

LOADED, REFUSED, UNCHANGED, RETIRED = "loaded", "refused", "unchanged", "retired"
# The masters last read, with what they were read at (rows, last load, a file's sha256).
_MASTERS_READ: dict[str, object] = {}
STATUSES = (LOADED, REFUSED, UNCHANGED)


def _rank_parts(alias: str, frame: pd.DataFrame) -> list[str]:
    """A row's PRECEDENCE, part by part; a column the incoming rows lack counts as missing."""
    return [
        f"coalesce({alias}.{c}, {_LOWEST.get(c, chr(39) * 2)})"
        if c in frame
        else _LOWEST.get(c, "''")
        for c in PRECEDENCE
    ]


def _microseconds(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as DuckDB's TIMESTAMP (microseconds), as the raw tables hold them: pandas'
    nanoseconds cannot hold the lowest precedence, year 1."""
    dated = [c for c, kind in frame.dtypes.items() if str(kind).startswith("datetime64")]
    return frame.astype({c: "datetime64[us]" for c in dated}) if dated else frame


def _rank(alias: str, frame: pd.DataFrame) -> str:
    """A row's PRECEDENCE as a row value, to compare two rows."""
    return f"row({', '.join(_rank_parts(alias, frame))})"


def _raw_table_schemas() -> dict:
    """The contract of every raw table, by table name: its columns and their types."""
    return {table: table_schema(table) for source in sources() for table in raw_tables(source)}


def replace_key(table: str) -> tuple[str, ...]:
    """The key by which a newer row of a raw table replaces an older one (the registry's)."""
    return table_of(table).replace_key


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

    def loaded_versions(self, index_code: str) -> dict[str, str]:
        """The sha256 of the version last loaded from each file of a source: a file whose bytes
        are that version is unchanged; one put back to an earlier version is loaded again (it is
        a new receipt, and wins by it). One small table, not the whole ingest log."""
        return self._versions(index_code, "and status = 'loaded'")

    def _versions(self, index_code: str, condition: str) -> dict[str, str]:
        rows = self._con.execute(
            f"select file, sha256 from {SCHEMA}.file_versions where index_code = ? {condition} "
            "qualify row_number() over (partition by file order by logged_at desc) = 1",
            [index_code],
        ).fetchall()
        return dict(rows)

    def record(
        self,
        entries: list[dict[str, object]],
        issues: list[tuple[int, Issue]],
        tables: dict[str, pd.DataFrame],
    ) -> None:
        """Write the rows of a source's loaded files, their log entries and their issues (each
        with the number of its entry) in one transaction."""
        now = datetime.now(UTC).replace(tzinfo=None)
        self._con.begin()
        try:
            for table, frame in tables.items():
                if len(frame):
                    self._replace(table, frame.assign(loaded_at=now))
            log = pd.DataFrame(entries, columns=list(_LOG_COLUMNS)).assign(logged_at=now)
            self._insert("ingest_log", log)
            self._record_versions(
                log[log["status"].isin([LOADED, REFUSED]) & (log["sha256"] != "")]
            )
            if issues:
                said = [messages.stored(issue.message) for _, issue in issues]
                rows = pd.DataFrame(
                    as_rows([issue for _, issue in issues]), columns=REPORT_COLUMNS
                ).assign(
                    message_template=[template for template, _ in said],
                    message_params=[params for _, params in said],
                    run_id=[entries[n]["run_id"] for n, _ in issues],
                    index_code=[entries[n]["index_code"] for n, _ in issues],
                    sha256=[entries[n]["sha256"] for n, _ in issues],
                    logged_at=now,
                )
                self._insert("contract_issues", rows)
            self._con.commit()
        except Exception:
            self._con.rollback()
            raise

    def _record_versions(self, decided: pd.DataFrame) -> None:
        """Each file's last loaded and last refused version (one row per file and status)."""
        if not len(decided):
            return
        self._con.register("decided", decided)
        try:
            self._con.execute(
                f"delete from {SCHEMA}.file_versions v using decided d where "
                "v.index_code = d.index_code and v.file = d.file and v.status = d.status"
            )
            self._con.execute(
                f"insert into {SCHEMA}.file_versions "
                "select index_code, file, sha256, status, logged_at from decided"
            )
        finally:
            self._con.unregister("decided")

    def _insert(self, table: str, frame: pd.DataFrame) -> None:
        self._con.register("rows_frame", frame)
        try:
            self._con.execute(f"insert into {SCHEMA}.{table} by name select * from rows_frame")
        finally:
            self._con.unregister("rows_frame")

    def _create_raw_tables(self) -> None:
        """Every raw table exists from the start, typed by its contract, so dbt can build the
        marts even before a source has delivered its first file."""
        for table, schema in _raw_table_schemas().items():
            columns = [
                f'"{name}" {_SQL_TYPES[str(c.dtype)]}'
                for name, c in schema.columns.items()
                if name not in FILE_COLUMNS
            ]
            columns += [
                "source_file varchar",
                "source_sha256 varchar",
                "loaded_at timestamp",
                "received_at timestamp",
            ]
            self._con.execute(f"create table if not exists {SCHEMA}.{table} ({', '.join(columns)})")

    def masters(self) -> Masters:
        """The agency master in force for every regency: the last good master file of each.
        Every ingest step of a refresh asks for them: they are read and indexed once for as
        long as no master file is loaded (a national refresh: 40,000 rows, half a second)."""
        (version,) = self._con.execute(
            f"select count(*), max(loaded_at), max(source_sha256) from {SCHEMA}.agency_master"
        ).fetchall()
        if _MASTERS_READ.get("version") != version:
            columns = ", ".join(AGENCY_COLUMNS)
            master = self._con.execute(f"select {columns} from {SCHEMA}.agency_master").df()
            _MASTERS_READ.update(version=version, masters=Masters(agencies_from_frame(master)))
        return _MASTERS_READ["masters"]

    def _replace(self, table: str, frame: pd.DataFrame) -> None:
        """Rows of `frame` (many files) replace the rows of the same key they win over
        (PRECEDENCE); of rows of one key in `frame`, those of the winning file alone are kept.
        Rows that lose are not written."""
        name = f"{SCHEMA}.{table}"
        key = ", ".join(replace_key(table))
        order = ", ".join(f"{part} desc" for part in _rank_parts("i", frame))
        self._con.register("incoming_frame", _microseconds(frame))
        try:
            self._con.execute(
                "create or replace temp table incoming as select * from incoming_frame i "
                f"qualify rank() over (partition by {key} order by {order}) = 1"
            )
            on = " and ".join(f"t.{k} = i.{k}" for k in replace_key(table))
            self._con.execute(
                f"delete from {name} t using incoming i where {on} and "
                f"{_rank('i', frame)} >= {_rank('t', frame)}"
            )
            self._con.execute(
                f"insert into {name} by name select * from incoming i "
                f"where not exists (select 1 from {name} t where {on})"
            )
            self._con.execute("drop table incoming")
        finally:
            self._con.unregister("incoming_frame")

    def conflicts(self, table: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` (many files) whose key another file holds, in the table or in
        `frame`: that file, and whether the incoming row wins over it (PRECEDENCE)."""
        name = f"{SCHEMA}.{table}"
        keys = replace_key(table)
        columns = ", ".join([*keys, *(c for c in PRECEDENCE if c in frame)])
        self._con.register("incoming", _microseconds(frame))
        try:
            on = " and ".join(f"t.{k} = i.{k}" for k in keys)
            return self._con.execute(
                f"select distinct i.source_file, i.source_sheet, i.source_row, "
                f"t.source_file as other_file, {_rank('i', frame)} >= {_rank('t', frame)} "
                f"as incoming_wins from incoming i join (select {columns} from {name} "
                f"union all select {columns} from incoming) t on {on} "
                "where t.source_file <> i.source_file"
            ).df()
        finally:
            self._con.unregister("incoming")

    def retire(self, file: str, reason: str) -> tuple[str, int]:
        """Remove the rows of a loaded source file (as `marts.source_status.source_file` names
        it) from its raw tables, in one transaction, and log it `retired`: the next refresh
        publishes without them (and loads the file again if it comes back). Its source and the
        rows removed."""
        found = self._con.execute(
            f"select v.index_code, v.sha256, l.pemda_code from {SCHEMA}.file_versions as v "
            f"left join {SCHEMA}.ingest_log as l on l.file = v.file and l.sha256 = v.sha256 "
            "where v.file = ? and v.status = ? order by l.logged_at desc limit 1",
            [file, LOADED],
        ).fetchone()
        if found is None:
            raise OperatorError(
                f"no loaded source file {file!r}: name it as marts.source_status.source_file "
                "does (e.g. rb/32.16/rb_2024.csv)"
            )
        source, sha256, region = found
        now = datetime.now(UTC).replace(tzinfo=None)
        self._con.begin()
        try:
            removed = 0
            for table in raw_tables(source):
                removed += self._con.execute(
                    f"delete from {SCHEMA}.{table} where source_file = ?", [file]
                ).fetchone()[0]
            self._con.execute(
                f"delete from {SCHEMA}.file_versions where file = ? and status = ?", [file, LOADED]
            )
            entry = {"run_id": "retire", "index_code": source, "file": file, "sha256": sha256,
                     "rows": 0, "status": RETIRED, "message": reason, "pemda_code": region}  # fmt: skip
            self._insert("ingest_log", pd.DataFrame([entry | {"logged_at": now}]))
            self._con.execute(
                f"insert into {SCHEMA}.retirements values (?, ?, ?, ?, ?, ?, null)",
                [source, file, sha256, reason, removed, now],
            )
            self._con.commit()
        except Exception:
            self._con.rollback()
            raise
        return source, removed

    def record_folder(self, index_code: str, files: int, run_id: str) -> None:
        """How many files the source's folder held when `run_id` read it."""
        self._con.execute(
            f"insert into {SCHEMA}.source_folders values (?, ?, ?, ?)",
            [index_code, files, run_id, datetime.now(UTC).replace(tzinfo=None)],
        )

    def retirements_built(self, run_id: str) -> None:
        self._con.execute(
            f"update {SCHEMA}.retirements set built_in_run = ? where built_in_run is null",
            [run_id],
        )

    def loaded_in_run(self, run_id: str, index_code: str) -> int:
        """How many files of a source `run_id` loaded."""
        return self._con.execute(
            f"select count(*) from {SCHEMA}.ingest_log where run_id = ? and index_code = ? "
            "and status = ?",
            [run_id, index_code, LOADED],
        ).fetchone()[0]

    def sources_loaded_in_run(self, run_id: str) -> list[str]:
        """The sources of which `run_id` loaded at least one file."""
        rows = self._con.execute(
            f"select distinct index_code from {SCHEMA}.ingest_log where run_id = ? and status = ? "
            "order by 1",
            [run_id, LOADED],
        ).fetchall()
        return [source for (source,) in rows]

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
        query = f"select {_ISSUE_COLUMNS} from {SCHEMA}.contract_issues where run_id = ?"
        params: list[object] = [run_id]
        if index_code:
            query += " and index_code = ?"
            params.append(index_code)
        rows = self._con.execute(query + ' order by file, sheet, "row"', params).fetchall()
        return [issue_of(*r) for r in rows]

    def refused_files(self, since: datetime | None, region: str | None) -> pd.DataFrame:
        """The file versions `marts.source_status` of this working file holds refused and not
        corrected (its rule alone), last refused since `since`, of `region` and the regions under
        it, with the run that refused them and where their copy was landed: what correction
        packs are made from; a file refused unread (too big, a link out of the sources dir) too.
        A fetch that failed, or a file without a region, is the operator's to put right, not
        the sender's: left out."""
        return self._con.execute(
            f"""select log.index_code, log.file, log.pemda_code, log.run_id, log.landed_path,
                       log.logged_at
                from marts.source_status as status
                inner join {SCHEMA}.ingest_log as log
                    on log.index_code = status.source_code and log.file = status.source_file
                    and log.sha256 = coalesce(status.source_sha256, '')
                    and log.status = '{REFUSED}' and log.logged_at = status.refused_at
                where status.status = 'refused' and status.pemda_code is not null
                  and not (log.sha256 = '' and regexp_matches(log.file, '^https?://'))
                  and status.refused_at >= coalesce(?, timestamp '0001-01-01')
                  and (? is null or status.pemda_code = ?
                       or starts_with(status.pemda_code, ? || '.'))
                qualify row_number() over (partition by log.file order by log.logged_at desc) = 1
                order by log.pemda_code, log.index_code, log.file""",
            [since, region, region, region],
        ).df()

    def file_issues(self, run_id: str, file: str) -> list[Issue]:
        """The issues one run found in one file."""
        rows = self._con.execute(
            f"""select {_ISSUE_COLUMNS} from {SCHEMA}.contract_issues
                where run_id = ? and file = ?
                order by sheet nulls first, "row" nulls first""",
            [run_id, file],
        ).fetchall()
        return [issue_of(*r) for r in rows]


# What an Issue is read back from (`issue_of`).
_ISSUE_COLUMNS = (
    '"check", message, file, sheet, "row", "column", value, severity, message_template, '
    "message_params"
)


def issue_of(check, message, file, sheet, row, column, value, severity, template, params) -> Issue:
    """An issue as `contract_issues` keeps it, its message able to be said in Indonesian again."""
    said = messages.restored(message, template, params)
    return Issue(check, said, file, sheet, row, column, value, severity)
