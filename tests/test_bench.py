"""`make bench SIZE=small`, once, as a smoke test: the generator's files all load, and the
pipeline's facts are the floor's facts. No timing is asserted here (docs/benchmarks.md has them)."""

import duckdb

from bench.floor import build
from bench.run import run


def test_the_small_benchmark_runs_and_the_pipeline_serves_what_the_floor_builds(tmp_path):
    doc = tmp_path / "benchmarks.md"
    figures = run("small", place=tmp_path / "small", doc=doc)
    assert {f.name: f.exit_code for f in figures} == {
        "full": 0, "unchanged": 0, "one_changed": 0, "load": 0, "load_dagster": 0, "floor": 0,
        "targets": 0, "targets_refused": 0,
    }  # fmt: skip
    warehouse = tmp_path / "small" / "warehouse" / "kinerja.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        served = con.execute("select count(*) from marts.fct_agency_score").fetchone()[0]
    assert served == build(tmp_path / "small" / "data" / "sources") > 600
    assert "## small: 40 files" in doc.read_text(encoding="utf-8")
