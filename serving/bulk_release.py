"""`kinerja release`: the open bulk release of one release, beside its kept Parquet.

`<releases>/<id>/` gets, around `marts/*.parquet`:
- `csv/<table>.csv` per mart;
- `data-dictionary.csv`: each table and column with its type and description (from the dbt YAML
  of the project that built the release, or `PIPELINE_TABLES`), and for a column the source files
  fill, the headers those files use (`column_aliases.csv`);
- `datapackage.json`: a Frictionless Data Package (written with `frictionless`) whose tabular
  resources are the CSV files with their schemas, the Parquet files listed beside them;
- `RELEASE_NOTES.md` from the log and `marts.score_revision`; `SHA256SUMS` of every file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from contracts.reference import SEEDS_DIR
from serving import crash_points
from serving.folders import written_whole
from serving.releases import Releases, sql_literal

# The tables the pipeline writes itself (not dbt models): their columns, described once here.
PIPELINE_TABLES = {
    "publish_log": (
        "One row per publish (a release) or rollback.",
        {
            "published_at": "When (UTC).",
            "run_id": "The refresh run that built it.",
            "source_files": "How many source files the warehouse held.",
            "source_sha256": "Their sha256, as a JSON list.",
            "mart_rows": "Rows per mart, as JSON.",
            "event": "publish or rollback.",
            "release_id": "The release published, or served again by a rollback.",
        },
    ),
    "score_revision": (
        "Every score or band that changed between two consecutive releases.",
        {
            "pemda_code": "The regency or city.",
            "agency_code": "The agency scored.",
            "index_code": "The index.",
            "evaluation_year": "The evaluation year.",
            "old_score": "The score in the release before.",
            "new_score": "The score in this release (null: withdrawn).",
            "old_band_code": "The band in the release before.",
            "new_band_code": "The band in this release (null: withdrawn).",
            "change": "revised, or withdrawn (its source file was retired).",
            "source_file": "The file version that changed it (for a withdrawal, the one retired).",
            "source_sha256": "That file version's sha256.",
            "old_release_id": "The release before.",
            "new_release_id": "The release that revised it.",
            "revised_at": "When that release was published (UTC).",
        },
    ),
    "review_snapshot": (
        "What each monthly review showed, so that the next one can say what changed.",
        {},
    ),
}
_FRICTIONLESS_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "DECIMAL": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
}
NOTES_REVISIONS_LISTED = 200  # the notes list this many revisions; score_revision.csv has all


def write_release(
    releases: Releases, release_id: str, dbt_manifest: Path, out: Path | None = None
) -> Path:
    """The bulk release of `release_id` in `out/<id>` (default: beside its kept Parquet),
    written into a folder of its own and put in place whole: a reader finds the release's folder
    as it was or complete, with its SHA256SUMS, never half written."""
    source = releases.require(release_id)
    folder = (out / release_id) if out else releases.of(release_id)
    with written_whole(folder) as staging:
        (staging / "marts").mkdir()
        for parquet in sorted(source.glob("*.parquet")):
            _link_or_copy(parquet, staging / "marts" / parquet.name)
        tables = _write_csv(staging)
        dictionary = _dictionary(tables, _described(dbt_manifest))
        _write_rows(staging / "data-dictionary.csv", dictionary)
        _write_notes(staging, releases, release_id)
        _write_package(staging, release_id, tables, dictionary)
        _write_checksums(staging)
        crash_points.reached("release_written")
    return folder


def _link_or_copy(source: Path, target: Path) -> None:
    """The kept Parquet shared by a hard link (the same bytes, no copy); copied to another
    disk."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_csv(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Each Parquet mart as `csv/<table>.csv`; each table's (column, DuckDB type)."""
    (folder / "csv").mkdir(exist_ok=True)
    tables = {}
    with duckdb.connect() as con:
        for parquet in sorted((folder / "marts").glob("*.parquet")):
            relation = con.read_parquet(str(parquet))
            tables[parquet.stem] = list(
                zip(relation.columns, map(str, relation.types), strict=True)
            )
            target = sql_literal(folder / "csv" / f"{parquet.stem}.csv")
            con.execute(
                f"copy (select * from {_parquet(parquet)}) to {target} "
                "(header, timestampformat '%Y-%m-%dT%H:%M:%S.%f')"
            )
    return tables


def _described(dbt_manifest: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """table -> (description, column -> description): the dbt models of the schema marts, and
    the pipeline's own tables."""
    described = dict(PIPELINE_TABLES)
    if dbt_manifest.exists():
        nodes = json.loads(dbt_manifest.read_text(encoding="utf-8"))["nodes"].values()
        for node in nodes:
            if node["resource_type"] == "model" and node["schema"] == "marts":
                columns = {c: v.get("description", "") for c, v in node["columns"].items()}
                described[node["name"]] = (node.get("description", ""), columns)
    return described


def _source_headers() -> dict[str, str]:
    """column -> the headers source files use for it, per source (`column_aliases.csv`)."""
    headers: dict[str, dict[str, list[str]]] = {}
    with (SEEDS_DIR / "column_aliases.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            per_source = headers.setdefault(row["column_name"], {})
            per_source.setdefault(row["index_code"], []).append(row["alias"])
    return {
        column: "; ".join(f"{source}: {', '.join(names)}" for source, names in sources.items())
        for column, sources in headers.items()
    }


def _dictionary(tables, described) -> list[dict[str, str]]:
    headers = _source_headers()
    rows = []
    for table, columns in tables.items():
        table_description, column_descriptions = described.get(table, ("", {}))
        for column, kind in columns:
            rows.append(
                {
                    "table": table,
                    "table_description": " ".join(table_description.split()),
                    "column": column,
                    "type": kind,
                    "description": " ".join(column_descriptions.get(column, "").split()),
                    "source_headers": headers.get(column, ""),
                }
            )
    return rows


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _write_package(folder: Path, release_id: str, tables, dictionary) -> None:
    from frictionless import Package

    described = {(r["table"], r["column"]): r for r in dictionary}
    resources = []
    for table, columns in tables.items():
        fields = []
        for column, kind in columns:
            field = {"name": column, "type": _FRICTIONLESS_TYPES.get(kind.split("(")[0], "string")}
            if field["type"] == "datetime":
                field["format"] = "%Y-%m-%dT%H:%M:%S.%f"
            if described[table, column]["description"]:
                field["description"] = described[table, column]["description"]
            fields.append(field)
        table_description = described[table, columns[0][0]]["table_description"]
        resources.append(
            {
                "name": table.replace("_", "-"),
                "path": f"csv/{table}.csv",
                "format": "csv",
                "encoding": "utf-8",
                "description": table_description,
                "hash": f"sha256:{_sha256(folder / 'csv' / f'{table}.csv')}",
                "schema": {"fields": fields},
            }
        )
        resources.append(
            {
                "name": f"{table.replace('_', '-')}-parquet",
                "type": "file",
                "path": f"marts/{table}.parquet",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "hash": f"sha256:{_sha256(folder / 'marts' / f'{table}.parquet')}",
            }
        )
    package = Package(
        {
            "name": "kinerja",
            "title": "kinerja: performance indices of Indonesian local government",
            "version": release_id,
            "description": "The marts of one kinerja release (docs/releases.md); "
            "data-dictionary.csv describes every column.",
            "resources": resources,
        },
        basepath=str(folder),
    )
    package.to_json(str(folder / "datapackage.json"))


def _write_notes(folder: Path, releases: Releases, release_id: str) -> None:
    marts = folder / "marts"
    with duckdb.connect() as con:
        log = con.execute(
            f"select published_at, run_id, source_files, mart_rows from {_parquet(marts / 'publish_log.parquet')} "
            "where release_id = ? and event = 'publish'",
            [release_id],
        ).fetchone()
        revised = _revisions_of(con, marts, release_id)
        previous = revised[0][-1] if revised else _previous(con, marts, release_id)
        added = _added(con, releases, previous, marts)
        retired = _retired_since(con, marts, previous, log[0])
    published_at, run_id, files, rows = log
    lines = [
        f"# kinerja release {release_id}",
        "",
        f"Published {published_at:%Y-%m-%d %H:%M} UTC by run {run_id}, from {files} source files.",
        f"Previous release: {previous or 'none (the first release)'}.",
        "",
        "## Tables",
        "",
        "| table | rows |",
        "| --- | ---: |",
        *(f"| {table} | {count} |" for table, count in sorted(json.loads(rows).items())),
        "",
        f"## Changes since {previous or 'nothing'}",
        "",
    ]
    withdrawn = [r for r in revised if r[8] == "withdrawn"]
    lines.append(
        f"{added} scores added, {len(revised) - len(withdrawn)} revised, {len(withdrawn)} "
        "withdrawn (all in csv/score_revision.csv)."
    )
    if revised:
        lines += [
            "",
            "| regency | agency | index | year | before | now | change | file |",
            "| --- | --- | --- | ---: | --- | --- | --- | --- |",
        ]
        for r in revised[:NOTES_REVISIONS_LISTED]:
            lines.append(
                f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {_value(r[4], r[6])} | "
                f"{_value(r[5], r[7])} | {r[8]} | {r[9]} |"
            )
        if len(revised) > NOTES_REVISIONS_LISTED:
            lines.append(f"\n... and {len(revised) - NOTES_REVISIONS_LISTED} more.")
    if retired:
        lines += ["", "## Retired files", "", "Withdrawn by `kinerja retire`:", ""]
        lines += [f"- {file} (retired {at:%Y-%m-%d %H:%M} UTC)" for file, at in retired]
    (folder / "RELEASE_NOTES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _revisions_of(con, marts: Path, release_id: str) -> list[tuple]:
    if not (marts / "score_revision.parquet").exists():
        return []
    return con.execute(
        "select pemda_code, agency_code, index_code, evaluation_year, old_score, new_score, "
        "old_band_code, new_band_code, change, source_file, old_release_id "
        f"from {_parquet(marts / 'score_revision.parquet')} where new_release_id = ? "
        "order by 1, 2, 3, 4",
        [release_id],
    ).fetchall()


def _retired_since(con, marts: Path, previous: str | None, published_at) -> list[tuple]:
    """The files retired after the previous release and before this one."""
    since = con.execute(
        f"select max(published_at) from {_parquet(marts / 'publish_log.parquet')} "
        "where release_id = ? and event = 'publish'",
        [previous],
    ).fetchone()[0]
    return con.execute(
        "select source_file, retired_at "
        f"from {_parquet(marts / 'source_status.parquet')} where status = 'retired' "
        "and retired_at <= ? and (? is null or retired_at > ?) order by 1",
        [published_at, since, since],
    ).fetchall()


def _previous(con, marts: Path, release_id: str) -> str | None:
    earlier = con.execute(
        f"select release_id from {_parquet(marts / 'publish_log.parquet')} "
        "where event = 'publish' and release_id is not null and published_at < ("
        f"  select max(published_at) from {_parquet(marts / 'publish_log.parquet')}"
        "  where release_id = ?) order by published_at desc limit 1",
        [release_id],
    ).fetchone()
    return earlier[0] if earlier else None


def _added(con, releases: Releases, previous: str | None, marts: Path) -> int:
    """Scores in this release that the previous one did not hold."""
    old = releases.fact_file(previous)
    new = _parquet(marts / "fct_agency_score.parquet")
    if old is None:
        return con.execute(f"select count(*) from {new}").fetchone()[0]
    return con.execute(
        f"select count(*) from {new} as n anti join {_parquet(old)} as o "
        "using (agency_code, index_code, evaluation_year)"
    ).fetchone()[0]


def _parquet(path: Path) -> str:
    return f"read_parquet({sql_literal(path)})"


def _value(score, band) -> str:
    return "—" if score is None else f"{score:g} ({band})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _write_checksums(folder: Path) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{_sha256(p)}  {p.relative_to(folder).as_posix()}" for p in files]
    (folder / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
