"""The same pipeline with `--target postgres`, against a server the tests start themselves.

One DuckDB refresh and two PostgreSQL refreshes of the samples serve every test: the marts must
agree row for row, the reader role must see the marts and nothing else, and a reader polling
during the second publish must only ever see a whole generation.
"""

import dataclasses
import math
import os
import shutil
import threading

import duckdb
import openpyxl
import psycopg
import pytest

from orchestration.changes import tonight
from orchestration.settings import PROJECT_ROOT, Settings
from reports.fill_in import write_template
from reports.monthly_review import render_review
from reports.province_review import render_province
from reports.review_data import ReviewMonth
from serving.engines import engine_for
from serving.engines.pg_access import REGION_FREE
from tests.conftest import BEKASI, SAMPLES, query, run_refresh
from tests.crashes import run, wait_for
from tests.postgres_server import PostgresServer
from tests.test_bi import example_queries
from tests.test_serving import add_merit_2026

READER_PASSWORD = "reader-test-password"
# Load and receipt times differ between two refreshes of the same files; the publish log holds
# run ids and times of its own.
LEFT_OUT_COLUMNS = {"loaded_at", "received_at", "refused_at", "last_seen_at"}
LEFT_OUT_TABLES = {"publish_log"}
# Empty after a first publish: no review rendered, nothing revised yet.
EMPTY_AT_FIRST = {"review_snapshot", "score_revision"}


@pytest.fixture(scope="module")
def server():
    server = PostgresServer.start()
    saved = {name: os.environ.get(name) for name in [*server.env, "KINERJA_PG_READER_PASSWORD"]}
    os.environ.update(server.env)
    os.environ["KINERJA_PG_READER_PASSWORD"] = READER_PASSWORD
    yield server
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


@pytest.fixture(scope="module")
def engines(server, tmp_path_factory) -> tuple[Settings, Settings]:
    root = tmp_path_factory.mktemp("engines")
    sources = shutil.copytree(SAMPLES, root / "sources")
    manifest = PROJECT_ROOT / "ingest" / "sources.yaml"
    on_duckdb = Settings(sources, root / "duckdb" / "kinerja.duckdb", manifest)
    on_postgres = Settings(
        sources,
        root / "pg" / "kinerja.duckdb",
        manifest,
        target="postgres",
        postgres=server.connection(READER_PASSWORD),
    )
    assert run_refresh(on_duckdb).success
    assert run_refresh(on_postgres).success
    return on_duckdb, on_postgres


def _admin_arguments(server) -> dict[str, str]:
    env = server.env
    return {
        "host": env["KINERJA_PG_HOST"],
        "port": env["KINERJA_PG_PORT"],
        "user": env["KINERJA_PG_USER"],
        "password": env["KINERJA_PG_PASSWORD"],
        "dbname": env["KINERJA_PG_DATABASE"],
    }


def admin(server) -> psycopg.Connection:
    return psycopg.connect(**_admin_arguments(server))


def reader(server) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user="kinerja_reader",
        password=READER_PASSWORD,
        dbname="kinerja",
        autocommit=True,
    )


def _normalised(rows) -> list[tuple]:
    def value(v):
        return round(v, 9) if isinstance(v, float) and not math.isnan(v) else v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_every_mart_matches_the_duckdb_build_row_for_row(server, engines):
    on_duckdb, _ = engines
    with duckdb.connect(str(on_duckdb.warehouse), read_only=True) as duck, admin(server) as pg:
        duck_tables = {
            t
            for (t,) in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        pg_tables = {
            t
            for (t,) in pg.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        assert pg_tables == duck_tables and "fct_agency_score" in pg_tables
        for table in sorted(pg_tables - LEFT_OUT_TABLES):
            pg_columns = [
                c
                for (c,) in pg.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = %s order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            duck_columns = [
                c
                for (c,) in duck.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            assert pg_columns == duck_columns, table
            compared = ", ".join(f'"{c}"' for c in pg_columns if c not in LEFT_OUT_COLUMNS)
            in_pg = _normalised(pg.execute(f"select {compared} from marts.{table}").fetchall())
            in_duck = _normalised(duck.execute(f"select {compared} from marts.{table}").fetchall())
            assert len(in_pg) == len(in_duck) > 0 or table in EMPTY_AT_FIRST, table
            assert in_pg == in_duck, table


def test_the_reader_role_reads_the_marts_and_nothing_else(server, engines):
    with reader(server) as con:
        assert con.execute("select count(*) from marts.fct_agency_score").fetchone()[0] == 1334
        for forbidden in (
            "select count(*) from raw.sakip",
            "select count(*) from staging.stg_sakip__scores",
            "select count(*) from snapshots.agency_master_snapshot",
            "insert into marts.dim_index (index_code) values ('x')",
            "delete from marts.fct_agency_score",
            "create table marts.mine (x integer)",
            "create table public.mine (x integer)",
            "create schema mine",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(forbidden)


def test_kinerja_query_reads_as_kinerja_reader_and_writes_nothing(server, engines, tmp_path):
    """The operator's query runs with the BI readers' privileges, in a read-only transaction:
    the pipeline's own schemas stay out of reach, and nothing is written; as the owner only
    when asked (`--as-owner`), still read-only."""
    settings = engines[1]
    env = {"KINERJA_TARGET": "postgres"}
    code, output = run("query", "select current_user as who", settings=settings, env=env)
    assert (code, output.split()) == (0, ["who", "kinerja_reader"])
    for sql in (
        "select count(*) from raw.sakip",
        "delete from marts.fct_agency_score",
        f"copy (select 1) to '{tmp_path / 'out.csv'}'",
    ):
        code, output = run("query", sql, settings=settings, env=env)
        assert code == 64 and output.startswith("kinerja query: ") and output.count("\n") == 1
    code, output = run(
        "query", "select count(*) as n from raw.sakip", "--as-owner", settings=settings, env=env
    )
    assert code == 0 and int(output.split()[1]) > 0
    code, _ = run("query", "delete from raw.sakip", "--as-owner", settings=settings, env=env)
    assert code == 64, "the owner's query is read-only too"
    assert list(tmp_path.iterdir()) == []
    # without the reader's password the owner reads as kinerja_reader by its role
    code, output = run(
        "query", "select current_user as who", settings=settings,
        env=env | {"KINERJA_PG_READER_PASSWORD": ""},
    )  # fmt: skip
    assert (code, output.split()) == (0, ["who", "kinerja_reader"])


LOGIN_PASSWORD = "regional-test-password"
REGIONAL_LOGINS = {
    "bekasi_bi": "kinerja_pemda_32_16",
    "karawang_bi": "kinerja_pemda_32_15",
    "jabar_bi": "kinerja_prov_32",
    "nobody_bi": None,
}


@pytest.fixture(scope="module")
def regional_logins(server, engines):
    """Logins an operator gives the regional roles the publish made."""
    with admin(server) as pg:
        for login, role in REGIONAL_LOGINS.items():
            pg.execute(f"create role {login} login password '{LOGIN_PASSWORD}'")
            if role:
                pg.execute(f"grant {role} to {login}")
    return REGIONAL_LOGINS


def login(server, user: str) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1",
        port=server.port,
        user=user,
        password=LOGIN_PASSWORD,
        dbname="kinerja",
        autocommit=True,
    )


def _regions_in(con, table: str) -> set:
    return {code for (code,) in con.execute(f"select distinct pemda_code from marts.{table}")}


def _relations(pg) -> dict[str, bool]:
    """Every table and view of `marts`, from the catalog, and whether it has a region."""
    rows = pg.execute(
        "select c.relname, exists (select 1 from pg_attribute as a where a.attrelid = c.oid "
        "and a.attname = 'pemda_code' and not a.attisdropped) from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = 'marts' and c.relkind in ('r', 'v', 'm', 'p', 'f')"
    ).fetchall()
    return dict(rows)


def test_a_regional_role_reads_its_own_rows_of_every_mart_and_no_other_regions(
    server, engines, regional_logins
):
    """Over every relation the catalog lists in `marts`, not a list kept here: a relation with a
    region shows a regional login its region's rows alone; one without is read whole only when
    it is declared region-free (the reference dimensions, the release log), else not at all."""
    with admin(server) as pg:
        relations = _relations(pg)
        every = {t: _regions_in(pg, t) for t, region in relations.items() if region}
        rows = {t: pg.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in relations}
    assert len(relations) >= 16 and every["fct_agency_score"] == {"32.15", "32.16"}
    assert {t for t, region in relations.items() if not region} == set(REGION_FREE)
    expected = {
        "bekasi_bi": {"32.16"},
        "karawang_bi": {"32.15"},
        "jabar_bi": {"32", "32.15", "32.16"},
    }
    for user, regions in expected.items():
        with login(server, user) as con:
            for table, region in relations.items():
                if region:
                    seen = _regions_in(con, table)
                    assert seen == every[table] & regions, (user, table, seen)
                else:
                    assert con.execute(f"select count(*) from marts.{table}").fetchone() == (
                        rows[table],
                    ), (user, table)
    with login(server, "bekasi_bi") as con, admin(server) as pg:
        for table in ("agency_scorecard", "fct_agency_component_score", "fct_spbe_indicator"):
            own = f"select count(*) from marts.{table} where pemda_code = '32.16'"
            mine = con.execute(f"select count(*) from marts.{table}").fetchone()
            assert mine == pg.execute(own).fetchone() and mine[0] < rows[table], table
    with reader(server) as con:  # the BI role is unchanged: every row
        for table in relations:
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] == rows[table]
    with login(server, "nobody_bi") as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("select count(*) from marts.fct_agency_score")


def test_a_mart_without_a_region_is_read_by_no_regional_role_unless_declared(
    server, engines, regional_logins
):
    """A new mart without `pemda_code` and not in REGION_FREE (here: one made by hand in a
    schema given the grants as a publish gives them) is kept from every regional role; a view
    over a regional table shows a regional login its own rows."""
    from serving.engines.pg_access import grant_readers

    with admin(server) as pg:
        pg.execute("create schema probe")
        pg.execute("create table probe.every_regency_counts as select pemda_code as code, "
                   "count(*) as n from marts.fct_agency_score group by 1")  # fmt: skip
        pg.execute("create table probe.fct as select * from marts.fct_agency_score")
        pg.execute("create view probe.fct_view as select pemda_code, score from probe.fct")
        grant_readers(pg, "probe")
    try:
        with (
            login(server, "bekasi_bi") as con,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            con.execute("select count(*) from probe.every_regency_counts")
        with login(server, "bekasi_bi") as con:
            seen = {c for (c,) in con.execute("select distinct pemda_code from probe.fct_view")}
            assert seen == {"32.16"}
    finally:
        with admin(server) as pg:
            pg.execute("drop schema probe cascade")


def test_grants_survive_the_second_publish_and_readers_only_see_whole_generations(
    server, engines, regional_logins
):
    _, on_postgres = engines
    seen, seen_by_bekasi, errors, done = [], [], [], threading.Event()

    def poll():
        while not done.is_set():
            try:
                with reader(server) as con:
                    seen.append(
                        con.execute(
                            "select (select count(*) from marts.fct_agency_score), "
                            "(select count(*) from marts.dim_agency)"
                        ).fetchone()
                    )
                with login(server, "bekasi_bi") as con:
                    seen_by_bekasi.append(
                        con.execute(
                            "select count(*), min(pemda_code), max(pemda_code) "
                            "from marts.fct_agency_score"
                        ).fetchone()
                    )
            except psycopg.Error as error:
                errors.append(str(error))

    with admin(server) as pg:
        bekasi_rows = pg.execute(
            "select count(*) from marts.fct_agency_score where pemda_code = '32.16'"
        ).fetchone()[0]
    polling = threading.Thread(target=poll)
    polling.start()
    # As after a change to a dbt model: the same sources build and publish a second generation.
    on_postgres.files.models.unlink()
    try:
        assert run_refresh(on_postgres).success
    finally:
        done.set()
        polling.join()
    assert not errors, errors[:3]
    assert len(seen) > 10 and set(seen) == {(1334, 119)}
    assert set(seen_by_bekasi) == {(bekasi_rows, "32.16", "32.16")}
    with admin(server) as pg:
        runs = pg.execute("select count(distinct run_id) from marts.publish_log").fetchone()[0]
        assert runs == 2
    with reader(server) as con:
        assert con.execute("select count(*) from marts.publish_log").fetchone()[0] == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("select count(*) from marts_previous.fct_agency_score")


def test_the_bi_example_questions_get_the_same_answers_on_both_engines(server, engines):
    on_duckdb, _ = engines
    with duckdb.connect(str(on_duckdb.warehouse), read_only=True) as duck, reader(server) as pg:
        for question, sql in example_queries().items():
            on_pg = [tuple(row) for row in pg.execute(sql).fetchall()]
            assert on_pg, question
            assert on_pg == duck.execute(sql).fetchall(), question


def test_an_install_on_duckdb_switched_to_postgres_builds_and_serves_its_marts_there(
    server, engines, tmp_path
):
    """No file and no model changed, but the server was never published to: that is news."""
    on_duckdb, _ = engines
    with admin(server) as pg:
        pg.autocommit = True
        pg.execute("create database switched")
    copy = shutil.copytree(on_duckdb.warehouse.parent, tmp_path / "warehouse")
    switched = dataclasses.replace(
        on_duckdb,
        warehouse=copy / "kinerja.duckdb",
        target="postgres",
        postgres=dataclasses.replace(server.connection(READER_PASSWORD), dbname="switched"),
    )
    assert tonight(switched).news == ["nothing published yet on PostgreSQL 127.0.0.1"]
    assert run_refresh(switched).success
    assert tonight(switched).news == []
    with psycopg.connect(**{**_admin_arguments(server), "dbname": "switched"}) as pg:
        rows = pg.execute("select count(*) from marts.fct_agency_score").fetchone()[0]
    assert rows == query(on_duckdb, "select count(*) from marts.fct_agency_score")[0][0]


def test_a_swap_waits_for_a_reader_inside_a_transaction_and_gives_up_on_an_idle_one(
    server, engines, tmp_path, monkeypatch
):
    """A reader inside one REPEATABLE READ transaction keeps its view: the publish waits for it
    to end. One that never ends does not hold the publish forever: it gives up, the served marts
    as they were, and says who held them."""
    from serving.engines import on_postgres

    monkeypatch.setattr(on_postgres, "LOCK_WAIT_SECONDS", 1.0)
    on_duckdb, _ = engines
    with admin(server) as pg:
        pg.autocommit = True
        pg.execute("create database swapping")
    settings = dataclasses.replace(
        on_duckdb,
        sources_dir=shutil.copytree(on_duckdb.sources_dir, tmp_path / "sources"),
        warehouse=shutil.copytree(on_duckdb.warehouse.parent, tmp_path / "warehouse")
        / "kinerja.duckdb",
        target="postgres",
        postgres=dataclasses.replace(server.connection(READER_PASSWORD), dbname="swapping"),
    )
    assert run_refresh(settings).success
    count = "select count(*) from marts.fct_agency_score"
    bi = psycopg.connect(
        host="127.0.0.1", port=server.port, user="kinerja_reader", password=READER_PASSWORD,
        dbname="swapping",
    )  # fmt: skip
    bi.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    before = bi.execute(count).fetchone()[0]
    add_merit_2026(settings.sources_dir)
    idle = run_refresh(settings)  # the reader's transaction stays open throughout
    assert not idle.success
    [failure] = [
        e.step_failure_data.error.to_string() for e in idle.all_events if e.is_step_failure
    ]
    assert "readers inside a transaction held the served marts through 3 waits of 1 s" in failure
    assert "(kinerja_reader)" in failure
    assert bi.execute(count).fetchone()[0] == before
    bi.rollback()

    seen = []

    def read_then_end():
        """Read inside a transaction; once the publish waits for it, read again and end."""
        seen.append(bi.execute(count).fetchone()[0])
        with admin(server) as pg:
            wait_for(
                lambda: pg.execute("select count(*) from pg_locks where not granted").fetchone()[0],
                "the publish waiting for the reader",
            )
        seen.append(bi.execute(count).fetchone()[0])
        bi.commit()

    reader_thread = threading.Thread(target=read_then_end)
    reader_thread.start()
    monkeypatch.setattr(on_postgres, "LOCK_WAIT_SECONDS", 30.0)
    try:
        assert run_refresh(settings).success
    finally:
        reader_thread.join(timeout=120)
    assert seen == [before, before], "the reader's view stayed whole while the publish waited"
    assert bi.execute(count).fetchone()[0] == before + 1
    bi.close()
    # a rollback's row stays in the log across the publish after it
    engine_for(settings).rollback()
    assert run_refresh(settings).success
    with psycopg.connect(**{**_admin_arguments(server), "dbname": "swapping"}) as pg:
        events = [e for (e,) in pg.execute(
            "select event from marts.publish_log order by published_at").fetchall()]  # fmt: skip
    assert events == ["publish", "publish", "rollback", "publish"]


def test_the_review_from_the_postgres_marts_shows_what_the_duckdb_one_shows(engines):
    on_duckdb, on_postgres = engines
    month = ReviewMonth(2025, 12)
    both = [render_review(settings, BEKASI, month, pdf=False) for settings in engines]
    for table in ("ringkasan", "peta_panas", "peringkat", "penghargaan", "pendampingan"):
        duck, pg = (files.csv_dir / f"{table}.csv" for files in both)
        assert duck.read_text(encoding="utf-8") == pg.read_text(encoding="utf-8"), table
    assert "Kabupaten Bekasi" in both[1].html.read_text(encoding="utf-8")
    provinces = [render_province(settings, "32", month, pdf=False) for settings in engines]
    for table in ("posisi", "belum_lapor", "capaian_target"):
        duck, pg = (files.csv_dir / f"{table}.csv" for files in provinces)
        assert duck.read_text(encoding="utf-8") == pg.read_text(encoding="utf-8"), table
    templates = []
    for settings in engines:
        with engine_for(settings).reader() as read:
            path = write_template(read, "sakip", BEKASI, 2025, settings.templates_dir)
        templates.append([c.value for row in openpyxl.load_workbook(path).active for c in row])
    assert templates[0] == templates[1] and len(templates[0]) > 60 * 9


def test_a_release_kept_from_postgres_is_the_served_marts_and_restores_with_its_policies(
    server, engines, regional_logins
):
    from serving.releases import Releases, as_of

    _, on_postgres = engines
    with admin(server) as pg:
        (release,) = pg.execute(
            "select release_id from marts.publish_log order by published_at desc limit 1"
        ).fetchone()
        served = pg.execute("select count(*) from marts.fct_agency_score").fetchone()[0]
    releases = Releases(on_postgres.releases_dir)
    with as_of(releases, release) as con:
        assert con.execute("select count(*) from marts.fct_agency_score").fetchone()[0] == served
    said = engine_for(on_postgres).restore(release, releases.marts(release))
    assert release in said
    with admin(server) as pg:
        last = pg.execute(
            "select event, release_id from marts.publish_log order by published_at desc limit 1"
        ).fetchone()
        assert last == ("restore", release)
        assert pg.execute("select count(*) from marts.fct_agency_score").fetchone()[0] == served
    with login(server, "karawang_bi") as con:
        assert _regions_in(con, "fct_agency_score") == {"32.15"}
    # A rollback serves tables that have their policies already: given again, not twice.
    assert "previous generation" in engine_for(on_postgres).rollback()
    with login(server, "karawang_bi") as con:
        assert _regions_in(con, "fct_agency_score") == {"32.15"}
