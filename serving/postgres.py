"""The PostgreSQL warehouse: the same dbt models on a server, published by a schema swap.

With `--target postgres` the pipeline still ingests and validates into its DuckDB working file
(its own state: the ingest log, the agency masters). Then:

1. `load_raw` copies every `raw` table of the build into the server (psycopg COPY, one
   transaction: dbt never sees half of it);
2. dbt builds the marts into the schema `marts_build` (var `marts_schema`);
3. the Great Expectations gate checks `marts_build` through its SQL datasource;
4. `publish` swaps `marts_build` in as `marts` in one transaction, with the reader role's grants
   given before the commit: a reader sees the old marts or the new, never a mix, and never a
   moment without its SELECT.

The connection comes from KINERJA_PG_HOST, KINERJA_PG_PORT, KINERJA_PG_USER, KINERJA_PG_PASSWORD
and KINERJA_PG_DATABASE (the same variables dbt's `postgres` profile reads).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from serving import crash_points
from serving.publish_log import loaded_hashes, publish_entry

RAW, BUILD, PUBLIC, PREVIOUS = "raw", "marts_build", "marts", "marts_previous"
READER_ROLE = "kinerja_reader"
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


def connection_settings() -> dict[str, str]:
    env = os.environ
    missing = [name for name in ("KINERJA_PG_HOST", "KINERJA_PG_USER") if not env.get(name)]
    if missing:
        raise RuntimeError(f"target postgres needs {', '.join(missing)} (and KINERJA_PG_*)")
    return {
        "host": env["KINERJA_PG_HOST"],
        "port": env.get("KINERJA_PG_PORT", "5432"),
        "user": env["KINERJA_PG_USER"],
        "password": env.get("KINERJA_PG_PASSWORD", ""),
        "dbname": env.get("KINERJA_PG_DATABASE", "kinerja"),
    }


def connect() -> psycopg.Connection:
    return psycopg.connect(**connection_settings())


def sqlalchemy_url() -> str:
    """For Great Expectations' SQL datasource (password escaped)."""
    from sqlalchemy.engine import URL

    c = connection_settings()
    return URL.create(
        "postgresql+psycopg",
        username=c["user"],
        password=c["password"],
        host=c["host"],
        port=int(c["port"]),
        database=c["dbname"],
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


def load_raw(build: Path) -> None:
    """Replace the server's `raw` schema by the build's, in one transaction; and start the
    build schema of the marts afresh, holding the tables the pipeline appends to."""
    with duckdb.connect(str(build), read_only=True) as source, connect() as pg:
        pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(RAW)))
        pg.execute(sql.SQL("create schema {}").format(sql.Identifier(RAW)))
        _copy_tables(source, RAW, RAW, _tables(source, RAW), pg)
        pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(BUILD)))
        pg.execute(sql.SQL("create schema {}").format(sql.Identifier(BUILD)))
        carried = [t for t in _tables(source, PUBLIC) if t in CARRIED]
        _copy_tables(source, PUBLIC, BUILD, carried, pg)
        crash_points.reached("pg_load")


def record_publish(build: Path, run_id: str) -> dict[str, object]:
    """The build's `publish_log`: the served one's rows, and this publish."""
    with duckdb.connect(str(build), read_only=True) as con:
        hashes = loaded_hashes(con)
    with connect() as pg:
        pg.execute(
            sql.SQL(
                "create table {}.publish_log (published_at timestamp, run_id text, "
                "source_files integer, source_sha256 text, mart_rows text, event text)"
            ).format(sql.Identifier(BUILD))
        )
        if _table_exists(pg, PUBLIC, "publish_log"):
            pg.execute(
                sql.SQL("insert into {}.publish_log select * from {}.publish_log").format(
                    sql.Identifier(BUILD), sql.Identifier(PUBLIC)
                )
            )
        rows = {t: n for t, n in table_sizes(pg, BUILD).items() if t != "publish_log"}
        entry = publish_entry(run_id, hashes, rows)
        pg.execute(
            sql.SQL("insert into {}.publish_log values (%s, %s, %s, %s, %s, %s)").format(
                sql.Identifier(BUILD)
            ),
            list(entry.values()),
        )
    return entry


def table_sizes(pg: psycopg.Connection, schema: str = PUBLIC) -> dict[str, int]:
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


def partition_warnings(pg: psycopg.Connection) -> list[str]:
    rows = pg.execute(
        "select pemda_code, index_code, evaluation_year, warning from marts.partition_checks "
        "where warning is not null order by 1, 2, 3"
    ).fetchall()
    return [f"{pemda} {index} {year}: {warning}" for pemda, index, year, warning in rows]


def _table_exists(pg: psycopg.Connection, schema: str, table: str) -> bool:
    return bool(
        pg.execute(
            "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
            [schema, table],
        ).fetchone()
    )


def publish(reader_role: str = READER_ROLE) -> None:
    """Serve `marts_build` as `marts` in one transaction; the previous marts are kept as
    `marts_previous` until the next publish. Readers get USAGE and SELECT before the commit."""
    with connect() as pg:
        _ensure_reader_role(pg, reader_role)
        exists = pg.execute(
            "select count(*) from information_schema.schemata where schema_name = %s", [PUBLIC]
        ).fetchone()[0]
        pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(PREVIOUS)))
        if exists:
            pg.execute(
                sql.SQL("alter schema {} rename to {}").format(
                    sql.Identifier(PUBLIC), sql.Identifier(PREVIOUS)
                )
            )
            pg.execute(
                sql.SQL("revoke all on schema {} from {}").format(
                    sql.Identifier(PREVIOUS), sql.Identifier(reader_role)
                )
            )
        pg.execute(
            sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(BUILD), sql.Identifier(PUBLIC)
            )
        )
        grant_reader(pg, reader_role)
        crash_points.reached("pg_publish")


def grant_reader(pg: psycopg.Connection, reader_role: str = READER_ROLE) -> None:
    schema, role = sql.Identifier(PUBLIC), sql.Identifier(reader_role)
    pg.execute(sql.SQL("grant usage on schema {} to {}").format(schema, role))
    pg.execute(sql.SQL("grant select on all tables in schema {} to {}").format(schema, role))


def _ensure_reader_role(pg: psycopg.Connection, reader_role: str) -> None:
    """The role BI tools log in as (password from KINERJA_PG_READER_PASSWORD when set): it may
    read `marts` and nothing else; it cannot create anywhere."""
    role = sql.Identifier(reader_role)
    if not pg.execute("select 1 from pg_roles where rolname = %s", [reader_role]).fetchone():
        pg.execute(sql.SQL("create role {} login").format(role))
    password = os.environ.get("KINERJA_PG_READER_PASSWORD")
    if password:
        pg.execute(sql.SQL("alter role {} password {}").format(role, sql.Literal(password)))
    database = sql.Identifier(connection_settings()["dbname"])
    pg.execute(sql.SQL("revoke create, temporary on database {} from public").format(database))
    pg.execute(sql.SQL("revoke create on schema public from public"))
    pg.execute(sql.SQL("grant connect on database {} to {}").format(database, role))
