"""The bad-input corpus (tests/corpus): every malformed file refused by `kinerja validate` for
its own reason, and one refresh of the whole corpus beside the samples that publishes exactly
what the good files hold.
"""

from __future__ import annotations

import csv
import filecmp
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from contracts.schemas import table_schema
from ingest.options import raw_tables, sources
from orchestration.settings import PROJECT_ROOT, Settings
from tests.conftest import SAMPLES, run_refresh
from tests.corpus.make_corpus import BAD, CASES, EXPECTATIONS, make, write_expectations
from tests.digests import LOAD_TIME_COLUMNS, mart_digests

EXPECTED = list(csv.DictReader(EXPECTATIONS.open(encoding="utf-8")))
_VERDICT = re.compile(r"^(?P<path>\S+) \[(?P<source>\w+), (?P<region>[\d.]+)\]: (?P<verdict>\w+)")
_ISSUE = re.compile(
    r"^  ERROR .+?: (?P<where>[^:]*):(?: value .*?)? \[(?P<check>.+?)\] (?P<message>.*)$"
)
# Checks that no file's content can fail alone: a reader's fallbacks, what the pipeline decides
# (tests/test_refresh.py, test_security.py), a manifest option (test_contracts.py), a fetch
# (test_http_faults.py), two files of one key (a warning: test_determinism.py).
NOT_FROM_FILES = {
    "unknown_source", "contract", "unreadable", "region_unknown", "outside_sources",
    "scale_mismatch", "fetch_failed", "superseded",
}  # fmt: skip


@dataclass
class Verdict:
    refused: bool
    lines: list[str] = field(default_factory=list)

    def issues(self) -> list[dict]:
        found = []
        for line in self.lines:
            match = _ISSUE.match(line)
            if match:
                where = match["where"]
                row = re.search(r"\brow (\d+)", where)
                column = re.search(r"column '(.*)'", where)
                found.append(
                    {
                        "check": match["check"],
                        "row": row.group(1) if row else "",
                        "column": column.group(1) if column else "",
                    }
                )
        return found


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The committed corpus plus the big files, made now."""
    root = tmp_path_factory.mktemp("corpus") / "bad"
    shutil.copytree(BAD, root)
    make([c for c in CASES if c.big], root)
    return root


@pytest.fixture(scope="module")
def validated(corpus, tmp_path_factory) -> tuple[dict[str, Verdict], int]:
    """One `kinerja validate` over every file, after the samples' agency masters."""
    masters = sorted(str(p) for p in (SAMPLES / "agencies").glob("*/*.csv"))
    files = [str(corpus / e["file"]) for e in EXPECTED]
    env = os.environ | {"KINERJA_WAREHOUSE": str(tmp_path_factory.mktemp("none") / "k.duckdb")}
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "validate", *masters, *files],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    verdicts: dict[str, Verdict] = {}
    current = None
    for line in done.stdout.splitlines():
        match = _VERDICT.match(line)
        if match:
            current = verdicts[match["path"]] = Verdict(match["verdict"] == "REFUSED", [line])
        elif current is not None:
            current.lines.append(line)
    return verdicts, done.returncode


def test_the_corpus_is_what_its_script_makes(tmp_path):
    make([c for c in CASES if not c.big], tmp_path / "bad")
    write_expectations(CASES, tmp_path / "expectations.csv")
    assert filecmp.cmp(tmp_path / "expectations.csv", EXPECTATIONS, shallow=False)
    made = sorted(
        p.relative_to(tmp_path / "bad") for p in (tmp_path / "bad").rglob("*") if p.is_file()
    )
    committed = sorted(p.relative_to(BAD) for p in BAD.rglob("*") if p.is_file())
    assert made == committed
    assert all(filecmp.cmp(tmp_path / "bad" / p, BAD / p, shallow=False) for p in made)
    assert len(CASES) >= 60
    assert {e["file"].split("/")[0] for e in EXPECTED} == set(sources())


def test_every_check_a_file_can_fail_has_a_file_that_fails_it():
    schema_checks = {
        check.name
        for source in sources()
        for table in raw_tables(source)
        for schema in [table_schema(table)]
        for check in [*schema.checks, *(c for col in schema.columns.values() for c in col.checks)]
    }
    reader_checks = set()
    for module in (PROJECT_ROOT / "ingest").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        reader_checks |= set(re.findall(r'SourceFileError\(\s*"([a-z_]+)"', text))
        reader_checks |= set(re.findall(r'Issue\(\s*"([a-z_]+)"', text))
    reader_checks |= {"number_format", "date_format", "year_format", "not_nullable"}
    covered = {e["check"] for e in EXPECTED}
    missing = {
        check
        for check in schema_checks | reader_checks
        if not any(check.startswith(c) or c.startswith(check) for c in covered)
    }
    assert missing <= NOT_FROM_FILES, sorted(missing - NOT_FROM_FILES)


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_kinerja_validate_refuses_each_bad_file_for_its_own_reason(validated, corpus, expected):
    verdicts, exit_code = validated
    assert exit_code == 1
    verdict = verdicts[str(corpus / expected["file"])]
    assert verdict.refused, "\n".join(verdict.lines)
    matching = [
        issue
        for issue in verdict.issues()
        if issue["check"].startswith(expected["check"])
        and expected["row"] in ("", issue["row"])
        and expected["column"] in ("", issue["column"])
    ]
    assert matching, (
        f"expected [{expected['check']}] at row {expected['row'] or '-'} column "
        f"{expected['column'] or '-'}; kinerja validate said:\n" + "\n".join(verdict.lines)
    )


@pytest.fixture(scope="module")
def refreshed(corpus, published_samples, tmp_path_factory) -> tuple[Settings, Settings]:
    """The samples alone, and the samples with every corpus file beside them, one refresh each."""
    root = tmp_path_factory.mktemp("beside")
    sources_dir = shutil.copytree(SAMPLES, root / "sources")
    shutil.copytree(corpus, sources_dir, dirs_exist_ok=True)
    mixed = Settings(
        sources_dir, root / "warehouse" / "kinerja.duckdb", published_samples[0].manifest
    )
    assert run_refresh(mixed).success
    return published_samples[0], mixed


def _files(settings: Settings, status: str) -> set[str]:
    with duckdb.connect(str(settings.working), read_only=True) as con:
        rows = con.execute("select file from raw.ingest_log where status = ?", [status]).fetchall()
    return {file for (file,) in rows}


def test_no_row_of_a_bad_file_reaches_raw_or_the_marts(refreshed):
    _, mixed = refreshed
    bad = {e["file"] for e in EXPECTED}
    assert _files(mixed, "refused") == bad
    assert not bad & _files(mixed, "loaded")
    tables = [t for s in sources() for t in raw_tables(s)]
    with duckdb.connect(str(mixed.working), read_only=True) as con:
        for table in tables:
            leaked = con.execute(
                f"select source_file from raw.{table} where source_file in (select unnest(?))",
                [sorted(bad)],
            ).fetchall()
            assert leaked == [], f"raw.{table}: {leaked[:3]}"
    with duckdb.connect(str(mixed.warehouse), read_only=True) as con:
        leaked = con.execute(
            "select distinct source_file from marts.fct_agency_score "
            "where source_file in (select unnest(?))",
            [sorted(bad)],
        ).fetchall()
        statuses = con.execute(
            "select distinct status from marts.source_status where source_file in (select unnest(?))",
            [sorted(bad)],
        ).fetchall()
    assert leaked == [] and statuses == [("refused",)]


def test_every_good_file_loads_and_the_marts_change_only_by_the_good_files(refreshed):
    good, mixed = refreshed
    sample_files = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.is_file()}
    sample_files -= {"README.md"}
    assert _files(mixed, "loaded") == sample_files
    skip = frozenset({"publish_log", "source_status"})
    assert mart_digests(mixed.warehouse, skip=skip) == mart_digests(good.warehouse, skip=skip)
    kept = ", ".join(sorted(LOAD_TIME_COLUMNS))
    status = (
        f"select * exclude ({kept}) from marts.source_status where status <> 'refused' order by all"
    )
    with (
        duckdb.connect(str(good.warehouse), read_only=True) as before,
        duckdb.connect(str(mixed.warehouse), read_only=True) as after,
    ):
        assert after.execute(status).fetchall() == before.execute(status).fetchall()


def test_a_refused_file_is_kept_as_it_arrived_unless_it_is_over_the_size_limit(refreshed, corpus):
    _, mixed = refreshed
    with duckdb.connect(str(mixed.working), read_only=True) as con:
        landed = dict(
            con.execute(
                "select file, landed_path from raw.ingest_log where status = 'refused'"
            ).fetchall()
        )
    for expected in EXPECTED:
        path = landed[expected["file"]]
        if expected["check"] == "file_too_large":
            assert path is None  # not copied: the original stays in the sources dir
        else:
            assert filecmp.cmp(path, corpus / expected["file"], shallow=False)
