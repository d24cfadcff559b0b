"""docs/adding-a-source.md, followed step by step with a toy seventh index in a copy of the project."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml

from orchestration.dbt_models import DBT_EXECUTABLE
from orchestration.settings import PROJECT_ROOT

LEFT_BEHIND = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "warehouse", ".dagster_home", "target", "logs", "__pycache__",
    ".pytest_cache", ".ruff_cache", "*.duckdb*",
)  # fmt: skip


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


def follow_the_guide(project: Path) -> None:
    seeds = project / "dbt_project" / "seeds"
    # 1. Reference data.
    append(
        seeds / "indices.csv", "zi,Zona Integritas,0,100,KemenPAN-RB,PermenPAN-RB 90/2021,true,1\n"
    )
    append(
        seeds / "rating_bands.csv",
        "zi,Baik,Baik,1,75,100,true,true\nzi,Kurang,Kurang,2,0,75,true,false\n",
    )
    append(
        seeds / "column_aliases.csv",
        "zi,no,No\nzi,agency_name,Unit Kerja\nzi,score,Nilai\nzi,predicate,Predikat\n"
        "zi,evaluation_year,Tahun\n",
    )
    # 2, 3: a CSV in the usual shape needs no reader, and the contract comes from the seeds.
    # 4. Manifest and a sample file.
    append(project / "ingest" / "sources.yaml", "  - source: zi\n    path: zi/**/*\n")
    sample = project / "data" / "samples" / "zi" / "32.16" / "zi_2025.csv"
    sample.parent.mkdir(parents=True)
    sample.write_text(
        "No,Unit Kerja,Nilai,Predikat\n1,Dinas Kesehatan,81.5,Baik\n2,Kec. Babelan,70.25,Kurang\n",
        encoding="utf-8",
    )
    # 5. Asset: nothing to write. 6. dbt, four files.
    dbt = project / "dbt_project"
    append(
        dbt / "models" / "staging" / "_sources.yml",
        "      - name: zi\n        description: Zona Integritas.\n"
        '        meta: {dagster: {asset_key: ["raw", "zi"]}}\n',
    )
    (dbt / "models" / "staging" / "stg_zi__scores.sql").write_text(
        (dbt / "models" / "staging" / "stg_rb__scores.sql")
        .read_text(encoding="utf-8")
        .replace("    local_code,\n", "")
        .replace("source('raw', 'rb')", "source('raw', 'zi')"),
        encoding="utf-8",
    )
    project_yml = dbt / "dbt_project.yml"
    project_yml.write_text(
        project_yml.read_text(encoding="utf-8").replace(
            "  kinerja_indices:\n", "  kinerja_indices:\n    zi: []\n"
        ),
        encoding="utf-8",
    )
    scorecard = dbt / "models" / "marts" / "agency_scorecard.yml"
    document = yaml.safe_load(scorecard.read_text(encoding="utf-8"))
    document["models"][0]["columns"] += [
        {"name": f"zi_{suffix}", "data_type": kind, "description": f"Zona Integritas {suffix}."}
        for suffix, kind in (("score", "double precision"), ("band", "varchar"), ("change", "double precision"))
    ]  # fmt: skip
    scorecard.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_a_toy_seventh_index_reaches_the_facts_and_the_scorecard(tmp_path):
    project = Path(shutil.copytree(PROJECT_ROOT, tmp_path / "kinerja", ignore=LEFT_BEHIND))
    follow_the_guide(project)
    dbt = project / "dbt_project"
    env = os.environ | {
        "KINERJA_WAREHOUSE": str(tmp_path / "warehouse" / "kinerja.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
    }
    env.pop("DAGSTER_HOME", None)
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
