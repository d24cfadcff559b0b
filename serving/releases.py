"""Releases: every publish is one, named by its UTC date and its sequence that day (`2026-12-03.1`)
and recorded in `marts.publish_log.release_id`.

- Before a publish serves its marts, `revise` adds to `marts.score_revision` every score or band
  that differs from the release before it (read from that release's kept Parquet).
- The marts about to be served are kept as Parquet in `<releases>/<id>/marts/` (`keep_duckdb`,
  `keep_csv_tables`): `kinerja query --as-of <id>` answers from them, and `kinerja release` builds
  the bulk release around them (serving/bulk_release.py).

Both engines share this module: the revisions are computed by DuckDB, from the new facts and the
previous release's Parquet.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.mistakes import OperatorError
from serving.folders import written_whole

RELEASE_ID = re.compile(r"^\d{4}-\d{2}-\d{2}\.\d+$")

SCORE_REVISION_DDL = """
create table if not exists {schema}.score_revision (
    pemda_code varchar,
    agency_code varchar,
    index_code varchar,
    evaluation_year integer,
    old_score double precision,
    new_score double precision,
    old_band_code varchar,
    new_band_code varchar,
    change varchar,
    source_file varchar,
    source_sha256 varchar,
    old_release_id varchar,
    new_release_id varchar,
    revised_at timestamp
)
"""
REVISION_COLUMNS = (
    "pemda_code", "agency_code", "index_code", "evaluation_year", "old_score", "new_score",
    "old_band_code", "new_band_code", "change", "source_file", "source_sha256", "old_release_id",
    "new_release_id", "revised_at",
)  # fmt: skip
# What a revision compares, of `fct_agency_score`.
FACT_COLUMNS = (
    "pemda_code", "agency_code", "index_code", "evaluation_year", "score", "band_code",
    "source_file", "source_sha256",
)  # fmt: skip

# Every score or band of the previous release (`old`) that the new facts (`new`) change or no
# longer hold. A score first published is an addition, not a revision: the notes count those.
_REVISIONS = """
select
    coalesce(new.pemda_code, old.pemda_code) as pemda_code,
    old.agency_code,
    old.index_code,
    old.evaluation_year,
    old.score as old_score,
    new.score as new_score,
    old.band_code as old_band_code,
    new.band_code as new_band_code,
    case when new.agency_code is null then 'withdrawn' else 'revised' end as change,
    coalesce(new.source_file, old.source_file) as source_file,
    coalesce(new.source_sha256, old.source_sha256) as source_sha256,
    $old_release as old_release_id,
    $new_release as new_release_id,
    $revised_at as revised_at
from old_facts as old
left join new_facts as new
    on old.agency_code = new.agency_code
    and old.index_code = new.index_code
    and old.evaluation_year = new.evaluation_year
where new.agency_code is null
    or new.score is distinct from old.score
    or new.band_code is distinct from old.band_code
order by 1, 2, 3, 4
"""


class UnknownRelease(OperatorError):
    pass


@dataclass(frozen=True)
class Releases:
    """The releases kept beside a warehouse: `<folder>/<id>/marts/<table>.parquet`."""

    folder: Path

    def of(self, release_id: str) -> Path:
        return self.folder / release_id

    def marts(self, release_id: str) -> Path:
        return self.of(release_id) / "marts"

    def kept(self) -> list[str]:
        """The ids of the releases whose marts are kept, oldest first."""
        if not self.folder.exists():
            return []
        ids = [p.name for p in self.folder.iterdir() if (p / "marts").is_dir()]
        return sorted((i for i in ids if RELEASE_ID.match(i)), key=_order)

    def require(self, release_id: str) -> Path:
        """The marts folder of `release_id`, or a clear error listing the kept ones. A release
        kept but never served (its publish died before the serving) is no release."""
        if not RELEASE_ID.match(release_id) or not self.marts(release_id).is_dir():
            kept = self.kept()
            listed = ", ".join(kept[-10:]) if kept else "none yet"
            raise UnknownRelease(
                f"no release {release_id!r} is kept in {self.folder} (kept: {listed}); a release "
                "id is the publish's date and sequence, as in marts.publish_log.release_id"
            )
        if self._unserved(release_id).exists():
            raise UnknownRelease(
                f"release {release_id} was kept but never served: its publish was cut off "
                "before it served the marts (marts.publish_log does not list it)"
            )
        return self.marts(release_id)

    def keeping(self, release_id: str) -> None:
        """Mark `release_id` as not served yet, before its marts are kept (`served` undoes it)."""
        self.of(release_id).mkdir(parents=True, exist_ok=True)
        self._unserved(release_id).touch()

    def served(self, release_id: str | None) -> None:
        """`release_id` is served (or was, by a publish cut off before it could say so)."""
        if release_id is not None:
            self._unserved(release_id).unlink(missing_ok=True)

    def _unserved(self, release_id: str) -> Path:
        return self.of(release_id) / ".unserved"

    def fact_file(self, release_id: str | None) -> Path | None:
        if release_id is None:
            return None
        path = self.marts(release_id) / "fct_agency_score.parquet"
        return path if path.exists() else None


def _order(release_id: str) -> tuple[str, int]:
    day, sequence = release_id.rsplit(".", 1)
    return day, int(sequence)


def next_release_id(published_at: datetime, earlier: Iterable[str | None]) -> str:
    """`<UTC date>.<n>`: the n-th release of that day."""
    day = published_at.date().isoformat()
    same_day = [_order(i)[1] for i in earlier if i and RELEASE_ID.match(i) and i.startswith(day)]
    return f"{day}.{max(same_day, default=0) + 1}"


def revisions(
    new_facts: duckdb.DuckDBPyRelation | str,
    previous: Path | None,
    old_release: str | None,
    new_release: str,
    revised_at: datetime,
    con: duckdb.DuckDBPyConnection,
) -> duckdb.DuckDBPyRelation | None:
    """The revisions between the previous release's facts (its Parquet `previous`) and
    `new_facts` (a relation or a table name on `con`); None when there is no previous release."""
    if previous is None:
        return None
    columns = ", ".join(FACT_COLUMNS)
    con.execute(
        f"create or replace temp view old_facts as select {columns} "
        f"from read_parquet({sql_literal(previous)})"
    )
    source = new_facts if isinstance(new_facts, str) else "new_facts_relation"
    if not isinstance(new_facts, str):
        con.register("new_facts_relation", new_facts)
    con.execute(f"create or replace temp view new_facts as select {columns} from {source}")
    return con.sql(
        _REVISIONS,
        params={"old_release": old_release, "new_release": new_release, "revised_at": revised_at},
    )


def sql_literal(path: Path) -> str:
    """A path as an SQL string literal (a view's definition takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def keep_duckdb(build: Path, target: Path) -> None:
    """Write every table of `build`'s schema `marts` as Parquet into `target` (replacing it)."""
    with written_whole(target) as staging, duckdb.connect(str(build), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
        for (table,) in tables:
            target_file = sql_literal(staging / f"{table}.parquet")
            con.execute(f'copy (select * from marts."{table}") to {target_file} (format parquet)')


def keep_csv_tables(tables: dict[str, tuple[Path, dict[str, str]]], target: Path) -> None:
    """Write each table, given as a CSV file with a header and its DuckDB column types, as
    Parquet into `target` (replacing it)."""
    with written_whole(target) as staging, duckdb.connect() as con:
        for table, (csv_file, types) in tables.items():
            relation = con.read_csv(str(csv_file), header=True, dtype=types)
            relation.write_parquet(str(staging / f"{table}.parquet"))


def copy_folder(source: Path, target: Path) -> None:
    """Copy a folder in place of `target`, never leaving it half copied."""
    with written_whole(target) as staging:
        shutil.copytree(source, staging, dirs_exist_ok=True)


def load_marts(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Copy each Parquet mart of `folder` into a table of the schema `marts` of `con`."""
    con.execute("create schema if not exists marts")
    tables = []
    for parquet in sorted(folder.glob("*.parquet")):
        con.execute(
            f'create table marts."{parquet.stem}" as select * from read_parquet({sql_literal(parquet)})'
        )
        tables.append(parquet.stem)
    return tables


def as_of(releases: Releases, release_id: str) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose schema `marts` holds the tables of the kept release, read in
    first: the query that follows may read nothing else and write nowhere."""
    folder = releases.require(release_id)
    con = duckdb.connect()
    load_marts(con, folder)
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con
