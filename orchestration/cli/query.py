"""Reading the served marts: `kinerja query`."""

from __future__ import annotations

import click

from orchestration.cli.options import settings_for, target_option
from orchestration.mistakes import OperatorError


@click.command()
@click.argument("sql")
@target_option
@click.option("--max-rows", type=click.IntRange(min=1), default=200, show_default=True)
@click.option(
    "--as-of", metavar="RELEASE", help="A kept release id (2026-12-03.1): its marts as published."
)
@click.option(
    "--as-owner",
    is_flag=True,
    help="On PostgreSQL, as the pipeline's owner (every schema) instead of kinerja_reader.",
)
def query(sql: str, target: str | None, max_rows: int, as_of: str | None, as_owner: bool) -> int:
    """Run SQL on the served marts, read-only: as a BI reader reads them.

    Nothing is written, on either engine: DuckDB's connection reaches no file but the served
    one, PostgreSQL's is a read-only transaction as kinerja_reader.
    """
    import duckdb
    import psycopg

    from serving.engines import engine_for
    from serving.releases import Releases
    from serving.releases import as_of as kept_release

    settings = settings_for(target)
    try:
        if as_of:
            with kept_release(Releases(settings.releases_dir), as_of) as con:
                frame = con.execute(sql).df()
        else:
            with engine_for(settings).reader(as_reader=not as_owner) as read:
                frame = read(sql)
    except (duckdb.Error, psycopg.Error) as error:
        raise OperatorError(str(error).strip().splitlines()[0]) from error
    print(frame.to_string(index=False, max_rows=max_rows))
    return 0


COMMANDS = [query]
