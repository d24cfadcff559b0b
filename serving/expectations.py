"""The Great Expectations gate on the marts of a build, before it is published.

It holds the checks that are true across the whole warehouse and that no dbt test makes: every
score within its index's scale and every band one of its index's bands, in the tables BI reads
scores from, and at least one score. A failure here is a model or reference bug that no single regency explains, so it
blocks the publish. Keys (unique, not null, relationships) are dbt tests; completeness and trend
are per regency in `marts.partition_checks` (they warn). Each check lives in one place.

GX checks a summary of each table, not its rows: per regency, index, evaluation year and band,
the number of rows and the lowest and highest score, computed by the engine in SQL. A score is
within its scale exactly when the lowest and highest of its group are, so the gate proves the
same thing at any size while GX sees a few rows per regency instead of every row of the marts.
On DuckDB GX validates that summary as a pandas frame (its SQL datasource on a DuckDB file fails
even true expectations, great_expectations#10738); on PostgreSQL through its SQL datasource, as a
query asset on the build schema (`marts_build`), in the server. The same suites serve both (row
conditions are GX `Column` expressions, which both backends evaluate). GX takes seconds to import,
so it is imported only here, when a refresh reaches the gate. Data Docs go to
`<warehouse dir>/docs/`.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from contracts import reference
from serving.data_docs import keep_offline

SCORED = ("fct_agency_score", "agency_ranking")
# (GX context, a scratch folder) -> the batch of each table of SCORED
Batches = Callable[[Any, Path], dict]  # tables with index_code, score and band_code


@dataclass
class GateResult:
    success: bool
    failures: list[str]
    docs_index: Path


def summary_query(table: str, schema: str) -> str:
    """Rows, lowest and highest score per regency, index, evaluation year and band of a table."""
    return (
        "select pemda_code, index_code, evaluation_year, band_code, count(*) as n_rows, "
        f"min(score) as min_score, max(score) as max_score from {schema}.{table} "
        "group by pemda_code, index_code, evaluation_year, band_code"
    )


def _summaries(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(summary_query(t, "marts")).df() for t in SCORED}


def _suites(gxe) -> dict[str, list]:
    from great_expectations.expectations.row_conditions import Column

    suites: dict[str, list] = {table: [] for table in SCORED}
    # A warehouse of no score at all is never published, however it came to be empty.
    suites["fct_agency_score"].append(gxe.ExpectTableRowCountToBeBetween(min_value=1))
    for table in SCORED:
        for code, index in reference.indices().items():
            only = {"row_condition": Column("index_code") == code}
            suites[table] += [
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=index.scale_min, max_value=index.scale_max, **only
                )
                for column in ("min_score", "max_score")
            ] + [
                gxe.ExpectColumnValuesToBeInSet(
                    column="band_code", value_set=list(reference.band_codes(code)), **only
                ),
            ]
    return suites


def duckdb_batches(warehouse: Path) -> Batches:
    """The summaries of a DuckDB file's marts, read into pandas (GX has no DuckDB datasource)."""

    def batches(context, scratch: Path) -> dict:
        source = context.data_sources.add_pandas("marts")
        found = {}
        for table, frame in _summaries(warehouse).items():
            pickled = scratch / f"{table}.pkl"
            frame.to_pickle(pickled)
            found[table] = source.add_pickle_asset(
                table, filepath_or_buffer=pickled
            ).add_batch_definition(table)
        return found

    return batches


def postgres_batches(url: str, schema: str) -> Batches:
    """The summaries of a schema's marts, queried in the PostgreSQL server of `url`."""

    def batches(context, _scratch: Path) -> dict:
        source = context.data_sources.add_postgres("marts", connection_string=url)
        return {
            table: source.add_query_asset(
                table, query=summary_query(table, schema)
            ).add_batch_definition_whole_table(table)
            for table in SCORED
        }

    return batches


def run_gate(docs_dir: Path, batches: Batches) -> GateResult:
    """Validate the marts that `batches` (`duckdb_batches`, `sql_batches`: the engine's) hands
    to GX; write Data Docs; say whether they may be published."""
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            analytics_enabled=False,  # no usage reports from a government network
            progress_bars=ProgressBarsConfig(globally=False),
            store_backend_defaults=InMemoryStoreBackendDefaults(),
        ),
    )
    context.add_data_docs_site(
        site_name="kinerja",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    suites = _suites(gxe)
    definitions = []
    with tempfile.TemporaryDirectory() as scratch:
        for table, batch in batches(context, Path(scratch)).items():
            suite = context.suites.add(
                gx.ExpectationSuite(name=f"marts.{table}", expectations=suites[table])
            )
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(name=f"marts.{table}", data=batch, suite=suite)
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="publish_gate",
                validation_definitions=definitions,
                actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            )
        )
        started = time.time()
        result = checkpoint.run()
    keep_offline(docs_dir, started - 1)
    failures = [
        _failure(validation.suite_name, outcome)
        for validation in result.run_results.values()
        for outcome in validation.results
        if not outcome.success
    ]
    return GateResult(result.success, failures, docs_dir / "index.html")


def _failure(suite: str, outcome) -> str:
    config = outcome.expectation_config
    column = config.kwargs.get("column") or config.kwargs.get("column_list")
    if column is None:  # an expectation on the table
        return f"{suite}: {config.type} (observed {outcome.result.get('observed_value')})"
    unexpected = outcome.result.get("partial_unexpected_list", [])[:3]
    return (
        f"{suite}: {config.type} {column} ({outcome.result.get('unexpected_count')} unexpected, "
        f"e.g. {unexpected})"
    )
