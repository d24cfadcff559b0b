"""A refresh with `--target postgres` killed at each stage that differs from DuckDB's, then run
again, against a server the test starts: raw tables copied to the server but not committed, dbt
building `marts_build`, the Great Expectations gate on the server, and the schema swap before
its commit. Readers must find the old marts or the new, whole, with the reader role's grants.
"""

from __future__ import annotations

import hashlib
import shutil

import psycopg
import pytest

from orchestration.settings import Settings
from tests.conftest import SAMPLES
from tests.crashes import KILLED, assert_no_stale_lock, manifest_with, run
from tests.digests import LOAD_TIME_COLUMNS, RUN_TABLES
from tests.postgres_server import PostgresServer
from tests.test_serving import add_merit_2026

STAGES = ["pg_load", "dbt", "gate", "pg_publish"]
READER_PASSWORD = "crash-test-reader"


def pg_digests(env: dict[str, str], user: str | None = None, password: str | None = None):
    """sha256 of each mart in the server's `marts`, as a reader finds it."""
    with psycopg.connect(
        host=env["KINERJA_PG_HOST"],
        port=env["KINERJA_PG_PORT"],
        user=user or env["KINERJA_PG_USER"],
        password=password or env["KINERJA_PG_PASSWORD"],
        dbname=env["KINERJA_PG_DATABASE"],
    ) as pg:
        tables = [
            t
            for (t,) in pg.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
            if t not in RUN_TABLES
        ]
        digests = {}
        for table in tables:
            columns = [
                c
                for (c,) in pg.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = %s order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in LOAD_TIME_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = sorted(repr(r) for r in pg.execute(f"select {listed} from marts.{table}"))
            digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return digests


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    server = PostgresServer.start()
    env = server.env | {"KINERJA_TARGET": "postgres", "KINERJA_PG_READER_PASSWORD": READER_PASSWORD}
    root = tmp_path_factory.mktemp("crash-pg")
    settings = Settings(
        sources_dir=shutil.copytree(SAMPLES, root / "sources"),
        warehouse=root / "warehouse" / "kinerja.duckdb",
        manifest=manifest_with(root / "sources.yaml"),
        target="postgres",
        postgres=server.connection(READER_PASSWORD),
    )
    try:
        code, output = run("refresh", settings=settings, env=env)
        assert code == 0, output[-3000:]
        old = pg_digests(env)
        add_merit_2026(settings.sources_dir)
        seen = {}
        for stage in STAGES:
            code, output = run("refresh", settings=settings, env=env | {"KINERJA_CRASH_AT": stage})
            assert_no_stale_lock(settings)
            seen[stage] = {
                "code": code,
                "output": output,
                "marts": pg_digests(env, "kinerja_reader", READER_PASSWORD),
            }
        code, output = run("refresh", settings=settings, env=env)
        assert code == 0, output[-3000:]
        yield settings, env, old, seen
    finally:
        server.stop()


def test_each_run_was_killed_at_its_stage(chain):
    _, _, _, seen = chain
    for stage in STAGES:
        assert seen[stage]["code"] == KILLED, seen[stage]["output"][-3000:]


def test_readers_find_the_old_marts_whole_after_every_kill_and_the_new_after_the_rerun(chain):
    _, env, old, seen = chain
    for stage in STAGES:
        assert seen[stage]["marts"] == old, f"killed at {stage}: the served marts changed"
    new = pg_digests(env, "kinerja_reader", READER_PASSWORD)
    assert new != old and set(new) == set(old)


def test_the_rerun_holds_each_row_once(chain):
    _, env, _, _ = chain
    with psycopg.connect(
        host=env["KINERJA_PG_HOST"], port=env["KINERJA_PG_PORT"], user=env["KINERJA_PG_USER"],
        password=env["KINERJA_PG_PASSWORD"], dbname=env["KINERJA_PG_DATABASE"],
    ) as pg:  # fmt: skip
        [(rows, keys)] = pg.execute(
            "select count(*), count(distinct (agency_code, index_code, evaluation_year)) "
            "from marts.fct_agency_score"
        ).fetchall()
        [(merit,)] = pg.execute(
            "select count(*) from raw.merit where source_file = 'merit/32.16/merit_2026.csv'"
        ).fetchall()
    assert rows == keys == 1335 and merit == 1
