"""The Great Expectations gate checks summaries of the marts, and refuses what their rows break."""

import re

import duckdb
import pytest

from reports.render import chromium
from serving.expectations import duckdb_batches, run_gate

ROWS = [
    ("32.16", "sakip", 2024, "B", 61.79),
    ("32.16", "sakip", 2024, "B", 62.74),
    ("32.16", "spbe", 2024, "Sangat Baik", 4.08),
    ("32.15", "merit", 2024, "III", 262.5),
]


def _marts(path, rows) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for table in ("fct_agency_score", "agency_ranking"):
            con.execute(
                f"create table marts.{table} (pemda_code varchar, index_code varchar, "
                "evaluation_year integer, band_code varchar, score double)"
            )
            con.executemany(f"insert into marts.{table} values (?, ?, ?, ?, ?)", rows)


def test_marts_within_their_scales_and_bands_pass(tmp_path):
    _marts(tmp_path / "good.duckdb", ROWS)
    gate = run_gate(tmp_path / "docs", duckdb_batches(tmp_path / "good.duckdb"))
    assert gate.success, gate.failures
    assert gate.docs_index.exists()


@pytest.mark.parametrize(
    ("row", "failing"),
    [
        (("32.16", "sakip", 2025, "AA", 104.0), "max_score"),
        (("32.15", "spip", 2025, "3", -0.5), "min_score"),
        (("32.15", "rb", 2025, "Baik", 70.0), "band_code"),
    ],
)
def test_one_row_out_of_its_scale_or_bands_refuses_the_build(tmp_path, row, failing):
    _marts(tmp_path / "bad.duckdb", [*ROWS, row])
    gate = run_gate(tmp_path / "docs", duckdb_batches(tmp_path / "bad.duckdb"))
    assert not gate.success
    assert any(failing in failure for failure in gate.failures), gate.failures


def test_the_data_docs_list_the_last_validation_with_no_network(tmp_path):
    """Opened where no CDN is reachable (every request goes to a proxy that is not there), the
    index still draws its table of validations, and each validation's page its results."""
    _marts(tmp_path / "good.duckdb", ROWS)
    gate = run_gate(tmp_path / "docs", duckdb_batches(tmp_path / "good.duckdb"))
    offline = ("--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>")
    index = chromium(
        *offline, "--virtual-time-budget=10000", "--dump-dom", gate.docs_index.as_uri()
    )
    # The rows bootstrap-table draws (without its script the page holds only the data).
    listed = set(re.findall(r'<tr [^>]*data-href="validations/marts/(\w+)/', index.stdout))
    assert listed == {"fct_agency_score", "agency_ranking"}, index.stdout[-2000:]
    assert "https://" not in "".join(
        re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', index.stdout)
    )
    page = next((tmp_path / "docs" / "validations").rglob("*.html"))
    shown = chromium(*offline, "--virtual-time-budget=10000", "--dump-dom", page.as_uri())
    assert "expect_column_values_to_be_between" in shown.stdout or "values must" in shown.stdout
