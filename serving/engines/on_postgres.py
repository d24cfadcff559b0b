"""PostgreSQL: the same dbt models on a server, published by a schema swap.

The pipeline still ingests and validates into its DuckDB working file (its own state: the
ingest log, the agency masters). Then:

1. `load_raw` copies every `raw` table of the build into the server (psycopg COPY, one
   transaction: dbt never sees half of it), a step of its own;
2. dbt builds the marts into the schema `marts_build` (var `marts_schema`);
3. the Great Expectations gate checks `marts_build` through its SQL datasource;
4. `publish` swaps `marts_build` in as `marts` in one transaction, with the readers' grants and
   row policies (`pg_access.py`: the BI role, a role per regency and province) given before the
   commit: a reader sees the old marts or the new, never a mix, and never a
   moment without its SELECT. The previous marts stay as `marts_previous` for a rollback.

The server is the settings' `postgres` (KINERJA_PG_*, which dbt's `postgres` profile reads too).
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from orchestration.mistakes import OperatorError
from serving import crash_points
from serving.engines.pg_access import READER_ROLE, ensure_roles, grant_readers, revoke_readers
from serving.publish_log import (
    CARRIED_BY_ROLLBACK,
    RELEASES_SQL,
    RESTORE,
    ROLLBACK,
    SERVED_RELEASE_SQL,
    loaded_hashes,
    now_utc,
    publish_entry,
    rollback_entry,
)
from serving.releases import (
    FACT_COLUMNS,
    REVISION_COLUMNS,
    SCORE_REVISION_DDL,
    Releases,
    keep_csv_tables,
    load_marts,
    next_release_id,
    revisions,
)

RAW, BUILD, PUBLIC, PREVIOUS = "raw", "marts_build", "marts", "marts_previous"
# How long a swap of the served marts waits for readers inside a transaction, and how often
LOCK_WAIT_SECONDS, SWAP_ATTEMPTS = 10.0, 3
# Written by the monthly review into the working file: carried into each build of the marts.
CARRIED = ("review_snapshot",)
_TYPES = {
    "VARCHAR": "text",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
}
_PUBLISH_LOG = (
    "create table {}.publish_log (published_at timestamp, run_id text, source_files integer, "
    "source_sha256 text, mart_rows text, event text, release_id text)"
)
# information_schema's data_type -> the DuckDB type a kept release's Parquet gets
_DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double precision": "DOUBLE",
    "numeric": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
}


def connect(server) -> psycopg.Connection:
    """A connection to `server` (a `PostgresConnection`)."""
    return psycopg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        dbname=server.dbname,
    )


def sqlalchemy_url(server) -> str:
    """For Great Expectations' SQL datasource (password escaped)."""
    from sqlalchemy.engine import URL

    return URL.create(
        "postgresql+psycopg",
        username=server.user,
        password=server.password,
        host=server.host,
        port=server.port,
        database=server.dbname,
    ).render_as_string(hide_password=False)


def _pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    return _TYPES[duckdb_type]


def _copy_tables(
    source: duckdb.DuckDBPyConnection, schema: str, target_schema: str, tables, pg
) -> None:
    """Create each table of `source`'s `schema` in `target_schema` and COPY its rows in as CSV."""
    with tempfile.TemporaryDirectory(prefix="kinerja-copy-") as scratch:
        for table in tables:
            columns = source.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            pg.execute(
                sql.SQL("create table {}.{} ({})").format(
                    sql.Identifier(target_schema),
                    sql.Identifier(table),
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_pg_type(kind)))
                        for name, kind in columns
                    ),
                )
            )
            csv_file = Path(scratch) / f"{table}.csv"
            source.execute(
                f"copy (select * from {schema}.\"{table}\") to '{csv_file}' (header, force_quote *)"
            )
            copy = sql.SQL("copy {}.{} from stdin (format csv, header true)").format(
                sql.Identifier(target_schema), sql.Identifier(table)
            )
            with pg.cursor().copy(copy) as stream, csv_file.open("rb") as f:
                while chunk := f.read(1 << 20):
                    stream.write(chunk)


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'BASE TABLE' order by 1",
            [schema],
        ).fetchall()
    ]


class PostgresEngine:
    served = "schema marts on PostgreSQL"
    keeps_models = False  # `load_raw` replaces the raw schema, and the views over it go too

    def __init__(self, settings):
        if settings.postgres is None:
            raise OperatorError(
                "target postgres needs its server: set KINERJA_PG_HOST and KINERJA_PG_USER "
                "(and KINERJA_PG_PORT, KINERJA_PG_PASSWORD, KINERJA_PG_DATABASE)"
            )
        self.server = settings.postgres
        self.files = settings.files
        self.releases = Releases(settings.releases_dir)

    def dbt_vars(self, build: Path) -> dict[str, str]:
        """dbt's `postgres` profile takes the server from these; the password, a secret kept
        out of dbt's artifacts, from KINERJA_PG_PASSWORD itself."""
        return {
            "warehouse_path": str(build),
            "marts_schema": BUILD,
            "pg_host": self.server.host,
            "pg_port": str(self.server.port),
            "pg_user": self.server.user,
            "pg_database": self.server.dbname,
        }

    def load_raw(self, build: Path) -> None:
        """Replace the server's `raw` schema by the build's, in one transaction; and start the
        build schema of the marts afresh, holding the tables the pipeline appends to."""
        with duckdb.connect(str(build), read_only=True) as source, connect(self.server) as pg:
            pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(RAW)))
            pg.execute(sql.SQL("create schema {}").format(sql.Identifier(RAW)))
            _copy_tables(source, RAW, RAW, _tables(source, RAW), pg)
            pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(BUILD)))
            pg.execute(sql.SQL("create schema {}").format(sql.Identifier(BUILD)))
            carried = [t for t in _tables(source, PUBLIC) if t in CARRIED]
            _copy_tables(source, PUBLIC, BUILD, carried, pg)
            crash_points.reached("pg_load")

    def gate(self, docs_dir: Path, build: Path):
        from serving.expectations import postgres_batches, run_gate

        return run_gate(docs_dir, postgres_batches(sqlalchemy_url(self.server), BUILD))

    def publish(self, run_id: str, manifest: Path) -> dict[str, object]:
        """Log the publish in `marts_build`, swap it in as `marts`; the DuckDB build becomes the
        working file (the ingest log moves on) and no DuckDB file is served."""
        with duckdb.connect(str(self.files.build), read_only=True) as con:
            hashes = loaded_hashes(con)
        with connect(self.server) as pg:
            pg.execute(sql.SQL(_PUBLISH_LOG).format(sql.Identifier(BUILD)))
            pg.execute(
                sql.SQL(SCORE_REVISION_DDL.format(schema="{}")).format(sql.Identifier(BUILD))
            )
            for table in ("publish_log", "score_revision"):
                _carry(pg, table)
            earlier = [r for (r,) in pg.execute(RELEASES_SQL.format(schema=BUILD)).fetchall()]
            served = pg.execute(SERVED_RELEASE_SQL.format(schema=BUILD)).fetchone()
            previous = served[0] if served else None
            self.releases.served(previous)  # served, even by a run that died before saying so
            at = now_utc()
            release_id = next_release_id(at, earlier + self.releases.kept())
            self._revise(pg, previous, release_id, at)
            rows = {t: n for t, n in _table_sizes(pg, BUILD).items() if t != "publish_log"}
            entry = publish_entry(run_id, hashes, rows, release_id, at)
            _log(pg, BUILD, entry)
        self.releases.keeping(release_id)
        with connect(self.server) as pg:
            self._keep(pg, release_id)
        self._serve_build()
        self.releases.served(release_id)
        self.files.keep_build(run_id, manifest)
        return entry

    def _serve_build(self) -> None:
        """Swap `marts_build` in as `marts` in one transaction, the readers' grants and row
        policies given before it commits; the marts served until now become `marts_previous`."""

        def swap(pg: psycopg.Connection) -> None:
            ensure_roles(pg, self.server.dbname, self.server.reader_password)
            _drop(pg, PREVIOUS)
            if _schema_exists(pg, PUBLIC):
                _rename(pg, PUBLIC, PREVIOUS)
                revoke_readers(pg, PREVIOUS)
            _rename(pg, BUILD, PUBLIC)
            grant_readers(pg, PUBLIC)
            crash_points.reached("pg_publish")

        self._swap(swap)

    def _swap(self, work) -> None:
        """Run `work(pg)`, a swap of schemas, in a transaction that first takes every table of
        `marts` and `marts_previous` from their readers. A schema renamed under a reader inside
        a transaction would hand it the new tables, whose rows its snapshot cannot see (an empty
        mart, no error); so the swap waits until such a reader's transaction ends, up to
        LOCK_WAIT_SECONDS at a time, SWAP_ATTEMPTS times, and then gives up with the served
        marts as they were (docs/bi.md)."""
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                with connect(self.server) as pg:
                    pg.execute(
                        sql.SQL("set local lock_timeout = {}").format(
                            sql.Literal(f"{LOCK_WAIT_SECONDS}s")
                        )
                    )
                    _take_from_readers(pg, (PUBLIC, PREVIOUS))
                    work(pg)
                return
            except psycopg.errors.LockNotAvailable:
                if attempt == SWAP_ATTEMPTS:
                    raise MartsInUse(
                        f"readers inside a transaction held the served marts through "
                        f"{SWAP_ATTEMPTS} waits of {LOCK_WAIT_SECONDS:g} s ({self._holders()}): "
                        "nothing was swapped, the served marts are as they were"
                    ) from None
                time.sleep(LOCK_WAIT_SECONDS)

    def _holders(self) -> str:
        """Who holds a lock on a table of the served marts, for the message that names them."""
        with connect(self.server) as pg:
            rows = pg.execute(
                "select distinct a.pid, a.usename from pg_locks as l "
                "join pg_class as c on c.oid = l.relation "
                "join pg_namespace as n on n.oid = c.relnamespace "
                "join pg_stat_activity as a on a.pid = l.pid "
                "where n.nspname in (%s, %s) and l.granted and a.pid <> pg_backend_pid() "
                "order by 1",
                [PUBLIC, PREVIOUS],
            ).fetchall()
        return ", ".join(f"pid {pid} ({user})" for pid, user in rows) or "gone since"

    def restore(self, release_id: str, marts: Path) -> str:
        """The release's Parquet copied into `marts_build`, noted as a restore, and swapped in."""
        with duckdb.connect() as con, connect(self.server) as pg:
            tables = load_marts(con, marts)
            _drop(pg, BUILD)
            pg.execute(sql.SQL("create schema {}").format(sql.Identifier(BUILD)))
            _copy_tables(con, PUBLIC, BUILD, tables, pg)
            last = _last_entry(pg, BUILD)  # the release restored
            for table in ("publish_log", "score_revision"):  # the history goes on
                _carry(pg, table)
            _log(pg, BUILD, rollback_entry(last) | {"event": RESTORE})
        self._serve_build()
        return f"{self.served} now holds release {release_id}"

    def _revise(self, pg: psycopg.Connection, previous: str | None, release: str, at) -> None:
        """Append to `marts_build.score_revision` what changed since the `previous` release."""
        facts = self.releases.fact_file(previous)
        if facts is None:
            return
        with tempfile.TemporaryDirectory(prefix="kinerja-facts-") as scratch:
            csv_file = Path(scratch) / "facts.csv"
            _copy_out(pg, BUILD, "fct_agency_score", FACT_COLUMNS, csv_file)
            with duckdb.connect() as con:
                types = _duckdb_types(pg, BUILD)["fct_agency_score"]
                dtype = {name: types[name] for name in FACT_COLUMNS}
                new = con.read_csv(str(csv_file), header=True, dtype=dtype)
                found = revisions(new, facts, previous, release, at, con).fetchall()
        copy = sql.SQL("copy {}.score_revision ({}) from stdin").format(
            sql.Identifier(BUILD), sql.SQL(", ").join(map(sql.Identifier, REVISION_COLUMNS))
        )
        with pg.cursor().copy(copy) as stream:
            for row in found:
                stream.write_row(row)

    def _keep(self, pg: psycopg.Connection, release_id: str) -> None:
        """The built marts as Parquet in the release's folder, before they are served."""
        with tempfile.TemporaryDirectory(prefix="kinerja-keep-") as scratch:
            tables = {}
            for table, types in _duckdb_types(pg, BUILD).items():
                csv_file = Path(scratch) / f"{table}.csv"
                _copy_out(pg, BUILD, table, list(types), csv_file)
                tables[table] = (csv_file, types)
            keep_csv_tables(tables, self.releases.marts(release_id))

    def abandon(self) -> None:
        self.files.abandon()

    def mart_sizes(self, run_id: str, published: bool) -> dict[str, int]:
        with connect(self.server) as pg:
            return _table_sizes(pg, PUBLIC if published else BUILD)

    def partition_warnings(self) -> list[str]:
        with connect(self.server) as pg:
            rows = pg.execute(
                "select pemda_code, index_code, evaluation_year, warning "
                "from marts.partition_checks where warning is not null order by 1, 2, 3"
            ).fetchall()
        return [f"{pemda} {index} {year}: {warning}" for pemda, index, year, warning in rows]

    @contextlib.contextmanager
    def reader(self, as_reader: bool = False):
        """One repeatable-read, read-only transaction; `?` parameters as on DuckDB. `as_reader`:
        logged in as `kinerja_reader` (KINERJA_PG_READER_PASSWORD), else with its role set."""
        import pandas as pd

        login = self.server
        if as_reader and self.server.reader_password:
            login = dataclasses.replace(
                self.server, user=READER_ROLE, password=self.server.reader_password
            )
        with connect(login) as pg:
            pg.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            pg.read_only = True
            if as_reader and login is self.server:
                _set_reader_role(pg, self.server.user)
            if not _schema_exists(pg, PUBLIC):
                raise OperatorError(
                    f"no schema {PUBLIC} on {self.server.host}: run `kinerja refresh`"
                )

            def read(query: str, params=None) -> pd.DataFrame:
                cursor = pg.execute(query.replace("?", "%s"), params or [])
                columns = [c.name for c in cursor.description or []]
                return pd.DataFrame(cursor.fetchall(), columns=columns).infer_objects()

            yield read

    def rollback(self) -> str:
        """Swap `marts_previous` and `marts` in one transaction, noting it in the log served."""
        with connect(self.server) as pg:
            if not _schema_exists(pg, PREVIOUS):
                raise OperatorError(
                    "nothing to roll back to: no schema marts_previous on the server"
                )

        def swap(pg: psycopg.Connection) -> None:
            pg.execute(
                sql.SQL(
                    "alter table {}.publish_log add column if not exists release_id text"
                ).format(sql.Identifier(PREVIOUS))
            )
            last = _last_entry(pg, PREVIOUS)  # the release served again
            for table in ("publish_log", "score_revision"):  # the history goes on
                _carry(pg, table, into=PREVIOUS)
            _rename(pg, PUBLIC, "marts_swap")
            _rename(pg, PREVIOUS, PUBLIC)
            _rename(pg, "marts_swap", PREVIOUS)
            _log(pg, PUBLIC, rollback_entry(last))
            revoke_readers(pg, PREVIOUS)
            grant_readers(pg, PUBLIC)

        self._swap(swap)
        return f"{self.served} now holds the previous generation"

    def stale(self) -> str | None:
        with connect(self.server) as pg:
            if not _table_exists(pg, PUBLIC, "publish_log"):
                return f"nothing published yet on PostgreSQL {self.server.host}"
            (last,) = pg.execute(
                "select event from marts.publish_log order by published_at desc limit 1"
            ).fetchone()
        return "a rollback is in force" if last == ROLLBACK else None


def _log(pg: psycopg.Connection, schema: str, entry: dict[str, object]) -> None:
    pg.execute(
        sql.SQL("insert into {}.publish_log ({}) values ({})").format(
            sql.Identifier(schema),
            sql.SQL(", ").join(map(sql.Identifier, entry)),
            sql.SQL(", ").join(sql.Placeholder() * len(entry)),
        ),
        list(entry.values()),
    )


def _carry(pg: psycopg.Connection, table: str, into: str = BUILD, source: str = PUBLIC) -> None:
    """The rows of a table the pipeline appends to (the log, the revisions) that `into` lacks,
    from `source` (the served marts), by column name: a table an earlier version served may lack
    a newer column."""
    if not (_table_exists(pg, source, table) and _table_exists(pg, into, table)):
        return
    served = {name for name, _ in _columns(pg, source).get(table, [])}
    names = [name for name, _ in _columns(pg, into)[table] if name in served]
    listed = sql.SQL(", ").join(map(sql.Identifier, names))
    pg.execute(
        sql.SQL("insert into {}.{} ({}) select {} from {}.{} except select {} from {}.{}").format(
            sql.Identifier(into), sql.Identifier(table), listed, listed,
            sql.Identifier(source), sql.Identifier(table), listed,
            sql.Identifier(into), sql.Identifier(table),
        )
    )  # fmt: skip


def _columns(pg: psycopg.Connection, schema: str) -> dict[str, list[tuple[str, str]]]:
    """Each table of `schema`: its (column, data_type) in order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for table, name, kind in pg.execute(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns as c "
        "join information_schema.tables as t "
        "on c.table_schema = t.table_schema and c.table_name = t.table_name "
        "where c.table_schema = %s and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position",
        [schema],
    ).fetchall():
        found.setdefault(table, []).append((name, kind))
    return found


def _duckdb_types(pg: psycopg.Connection, schema: str) -> dict[str, dict[str, str]]:
    """Each table of `schema`: column -> the DuckDB type of its values, in order."""
    return {
        table: {name: _DUCKDB_TYPES.get(kind, "VARCHAR") for name, kind in columns}
        for table, columns in _columns(pg, schema).items()
    }


def _copy_out(pg: psycopg.Connection, schema: str, table: str, columns, target: Path) -> None:
    """`columns` of a table as a CSV file with a header."""
    copy = sql.SQL("copy (select {} from {}.{}) to stdout (format csv, header true)").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.Identifier(schema),
        sql.Identifier(table),
    )
    with pg.cursor().copy(copy) as stream, target.open("wb") as f:
        for block in stream:
            f.write(block)


def _table_sizes(pg: psycopg.Connection, schema: str) -> dict[str, int]:
    tables = pg.execute(
        "select table_name from information_schema.tables where table_schema = %s order by 1",
        [schema],
    ).fetchall()
    return {
        t: pg.execute(
            sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(t))
        ).fetchone()[0]
        for (t,) in tables
    }


def _table_exists(pg: psycopg.Connection, schema: str, table: str) -> bool:
    return bool(
        pg.execute(
            "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
            [schema, table],
        ).fetchone()
    )


def _set_reader_role(pg: psycopg.Connection, owner: str) -> None:
    try:
        pg.execute(sql.SQL("set role {}").format(sql.Identifier(READER_ROLE)))
    except psycopg.Error as error:
        raise OperatorError(
            f"{owner} cannot read as {READER_ROLE} ({str(error).strip()}): set "
            "KINERJA_PG_READER_PASSWORD to log in as it, or pass --as-owner"
        ) from error


def _schema_exists(pg: psycopg.Connection, schema: str) -> bool:
    return bool(
        pg.execute(
            "select 1 from information_schema.schemata where schema_name = %s", [schema]
        ).fetchone()
    )


def _last_entry(pg: psycopg.Connection, schema: str) -> tuple | None:
    """What a rollback or restore row repeats of the last row of `schema`'s publish log."""
    return pg.execute(
        sql.SQL("select {} from {}.publish_log order by published_at desc limit 1").format(
            sql.SQL(", ").join(map(sql.Identifier, CARRIED_BY_ROLLBACK)), sql.Identifier(schema)
        )
    ).fetchone()


class MartsInUse(OperatorError):
    """Readers kept the served marts through every wait of a swap."""


def _take_from_readers(pg: psycopg.Connection, schemas: tuple[str, ...]) -> None:
    """Lock every table of `schemas` against readers until the transaction ends."""
    tables = pg.execute(
        "select schemaname, tablename from pg_tables where schemaname = any(%s) order by 1, 2",
        [list(schemas)],
    ).fetchall()
    if tables:
        listed = sql.SQL(", ").join(sql.Identifier(schema, table) for schema, table in tables)
        pg.execute(sql.SQL("lock table {} in access exclusive mode").format(listed))


def _drop(pg: psycopg.Connection, schema: str) -> None:
    pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))


def _rename(pg: psycopg.Connection, schema: str, to: str) -> None:
    pg.execute(
        sql.SQL("alter schema {} rename to {}").format(sql.Identifier(schema), sql.Identifier(to))
    )


ENGINE = PostgresEngine
