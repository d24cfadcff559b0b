"""docs/adding-a-source.md, followed step by step with a toy seventh index in a copy of the project:
the index touches its rows of the seeds, its module of the registry and its staging model."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.dbt_models import DBT_EXECUTABLE
from orchestration.settings import PROJECT_ROOT

LEFT_BEHIND = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "warehouse", ".dagster_home", "target", "logs", "__pycache__",
    ".pytest_cache", ".ruff_cache", "*.duckdb*",
)  # fmt: skip


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


def follow_the_guide(project: Path) -> list[str]:
    """The guide's steps; the files they write or change, relative to the project."""
    seeds = project / "dbt_project" / "seeds"
    # 1. Reference data.
    append(
        seeds / "indices.csv", "zi,Zona Integritas,0,100,KemenPAN-RB,PermenPAN-RB 90/2021,true,1\n"
    )
    append(
        seeds / "rating_bands.csv",
        "zi,Baik,Baik,1,75,100,true,true,PermenPAN-RB 90/2021\n"
        "zi,Kurang,Kurang,2,0,75,true,false,PermenPAN-RB 90/2021\n",
    )
    append(seeds / "rule_periods.csv", "zi,PermenPAN-RB 90/2021,,\n")
    append(
        seeds / "column_aliases.csv",
        "zi,no,No\nzi,agency_name,Unit Kerja\nzi,score,Nilai\nzi,predicate,Predikat\n"
        "zi,evaluation_year,Tahun\n",
    )
    # 2. Its module in the registry: a table of scores in the usual shape needs nothing more.
    (project / "contracts" / "sources" / "zi.py").write_text(
        '"""Zona Integritas (PermenPAN-RB 90/2021): a score per unit, 0-100."""\n\n'
        "from contracts.sources._index import index_source\n\n"
        'SOURCE = index_source("zi")\n',
        encoding="utf-8",
    )
    # 3. Its staging model, with its raw table beside it.
    staging = project / "dbt_project" / "models" / "staging"
    (staging / "stg_zi__scores.sql").write_text(
        (staging / "stg_rb__scores.sql")
        .read_text(encoding="utf-8")
        .replace("    local_code,\n", "")
        .replace("source('raw', 'rb')", "source('raw', 'zi')"),
        encoding="utf-8",
    )
    (staging / "stg_zi__scores.yml").write_text(
        (staging / "stg_rb__scores.yml")
        .read_text(encoding="utf-8")
        .replace("rb", "zi")
        .replace("Bureaucratic reform index per agency and for the regency.", "Zona Integritas."),
        encoding="utf-8",
    )
    return [
        "dbt_project/seeds/indices.csv",
        "dbt_project/seeds/rating_bands.csv",
        "dbt_project/seeds/rule_periods.csv",
        "dbt_project/seeds/column_aliases.csv",
        "contracts/sources/zi.py",
        "dbt_project/models/staging/stg_zi__scores.sql",
        "dbt_project/models/staging/stg_zi__scores.yml",
    ]


# What make writes from the seeds before dbt parses (contracts/dbt_lists.py): nobody edits them.
GENERATED = [
    "dbt_project/macros/kinerja_indices.sql",
    "dbt_project/models/marts/agency_scorecard.yml",
]


def changed_files(before: Path, after: Path) -> set[str]:
    """Files added or changed in `after`, relative to it."""
    changed = set()
    for path in after.rglob("*"):
        relative = path.relative_to(after)
        if path.is_file() and "__pycache__" not in relative.parts:
            original = before / relative
            if not original.is_file() or original.read_bytes() != path.read_bytes():
                changed.add(str(relative))
    return changed


def test_a_toy_seventh_index_reaches_the_facts_and_the_scorecard(tmp_path):
    """The toy index touches its seed rows, its module and its staging model, nothing else."""
    original = Path(shutil.copytree(PROJECT_ROOT, tmp_path / "original", ignore=LEFT_BEHIND))
    project = Path(shutil.copytree(PROJECT_ROOT, tmp_path / "kinerja", ignore=LEFT_BEHIND))
    written = follow_the_guide(project)
    sources = Path(shutil.copytree(project / "data" / "samples", tmp_path / "sources"))
    sample = sources / "zi" / "32.16" / "zi_2025.csv"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "No,Unit Kerja,Nilai,Predikat\n1,Dinas Kesehatan,81.5,Baik\n2,Kec. Babelan,70.25,Kurang\n",
        encoding="utf-8",
    )
    dbt = project / "dbt_project"
    env = os.environ | {
        "KINERJA_SOURCES_DIR": str(sources),
        "KINERJA_WAREHOUSE": str(tmp_path / "warehouse" / "kinerja.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
    }
    env.pop("DAGSTER_HOME", None)
    lists = [sys.executable, "-m", "contracts.dbt_lists"]  # as make does before dbt parses
    assert subprocess.run(lists, cwd=project, env=env, capture_output=True).returncode == 0
    assert changed_files(original, project) == {*written, *GENERATED}
    parse = [DBT_EXECUTABLE, "parse", "--project-dir", str(dbt), "--profiles-dir", str(dbt)]
    parsed = subprocess.run(parse, cwd=project, env=env, capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stdout[-2000:]
    refresh = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert refresh.returncode == 0, refresh.stdout[-3000:]
    with duckdb.connect(env["KINERJA_WAREHOUSE"], read_only=True) as con:
        facts = con.execute(
            "select agency_code, score, band_code from marts.fct_agency_score "
            "where index_code = 'zi' order by 1"
        ).fetchall()
        card = con.execute(
            "select agency_code, zi_score, zi_band from marts.agency_scorecard "
            "where zi_score is not null order by 1"
        ).fetchall()
    assert facts == [("32.16.DINKES", 81.5, "Baik"), ("32.16.KEC_BABELAN", 70.25, "Kurang")]
    assert card == [("32.16.DINKES", 81.5, "Baik"), ("32.16.KEC_BABELAN", 70.25, "Kurang")]
