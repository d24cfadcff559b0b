"""The Great Expectations gate on the marts of a build, before it is published.

One expectation suite per BI-facing table, run as one checkpoint; Data Docs go to
`<warehouse dir>/docs/`. GX validates pandas frames read from DuckDB: its SQL datasource on a
DuckDB file fails even true expectations (great_expectations#10738). GX takes seconds to
import, so it is imported only here, when a refresh reaches the gate.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from contracts import reference

YEAR_OVER_YEAR_FLOOR = 0.85  # row counts may not drop by more than 15% from one year to the next
KEYS = {
    "dim_agency": ["agency_key"],
    "dim_index": ["index_code"],
    "dim_rating_band": ["index_code", "band_code"],
    "dim_component": ["index_code", "component_code"],
    "dim_period": ["evaluation_year"],
    "fct_agency_score": ["agency_code", "index_code", "evaluation_year"],
    "fct_agency_component_score": [
        "agency_code",
        "index_code",
        "component_code",
        "evaluation_year",
    ],
    "fct_spbe_indicator": ["agency_code", "evaluation_year", "indicator_no"],
    "agency_scorecard": ["agency_code", "evaluation_year"],
    "agency_target_gap": ["agency_code", "index_code", "evaluation_year"],
    "agency_ranking": ["agency_code", "index_code", "evaluation_year"],
}
SCORED = ("fct_agency_score", "agency_ranking")  # tables with index_code, score and band_code


@dataclass
class GateResult:
    success: bool
    failures: list[str]
    docs_index: Path


def _frames(warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frames = {t: con.execute(f"select * from marts.{t}").df() for t in KEYS}
        frames["coverage"] = con.execute(_COVERAGE_SQL).df()
        frames["rows_per_year"] = con.execute(_ROWS_PER_YEAR_SQL).df()
    return frames


# Agencies of the master missing for an index and year that must cover every agency.
_COVERAGE_SQL = """
with due as (
    select i.index_code, p.evaluation_year, p.period_end
    from reference.indices i
    join marts.dim_period p on p.evaluation_year >= i.all_agencies_from
    where exists (select 1 from marts.fct_agency_score f
                  where f.index_code = i.index_code and f.evaluation_year = p.evaluation_year)
)
select due.index_code, due.evaluation_year, a.agency_code, f.agency_code is not null as present
from due
join marts.dim_agency a
    on a.agency_type <> 'pemda' and a.valid_from <= due.period_end and a.valid_to > due.period_end
left join marts.fct_agency_score f
    on f.index_code = due.index_code and f.evaluation_year = due.evaluation_year
    and f.agency_code = a.agency_code
"""

_ROWS_PER_YEAR_SQL = """
with counts as (
    select index_code, evaluation_year, count(*) as n_rows
    from marts.fct_agency_score group by all
)
select c.index_code, c.evaluation_year, c.n_rows,
       c.n_rows / p.n_rows as ratio_to_previous_year
from counts c
join counts p on p.index_code = c.index_code and p.evaluation_year = c.evaluation_year - 1
"""


def _suites(gxe) -> dict[str, list]:
    suites: dict[str, list] = {}
    for table, key in KEYS.items():
        expectations = [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in key]
        if len(key) == 1:
            expectations.append(gxe.ExpectColumnValuesToBeUnique(column=key[0]))
        else:
            expectations.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=key))
        suites[table] = expectations
    for table in SCORED:
        for code, index in reference.indices().items():
            only = {"row_condition": f'index_code=="{code}"', "condition_parser": "pandas"}
            suites[table] += [
                gxe.ExpectColumnValuesToBeBetween(
                    column="score", min_value=index.scale_min, max_value=index.scale_max, **only
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="band_code", value_set=[b.code for b in reference.bands(code)], **only
                ),
            ]
    suites["coverage"] = [gxe.ExpectColumnValuesToBeInSet(column="present", value_set=[True])]
    suites["rows_per_year"] = [
        gxe.ExpectColumnValuesToBeBetween(
            column="ratio_to_previous_year", min_value=YEAR_OVER_YEAR_FLOOR
        )
    ]
    return suites


def run_gate(warehouse: Path, docs_dir: Path) -> GateResult:
    """Validate the marts of `warehouse`; write Data Docs; say whether it may be published."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
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
    source = context.data_sources.add_pandas("marts")
    suites = _suites(gxe)
    definitions = []
    with tempfile.TemporaryDirectory() as scratch:
        for table, frame in _frames(warehouse).items():
            pickled = Path(scratch) / f"{table}.pkl"
            frame.to_pickle(pickled)
            batch = source.add_pickle_asset(table, filepath_or_buffer=pickled).add_batch_definition(
                table
            )
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
        result = checkpoint.run()
    failures = [
        f"{validation.suite_name}: {outcome.expectation_config.type} "
        f"{outcome.expectation_config.kwargs.get('column') or outcome.expectation_config.kwargs.get('column_list')} "
        f"({outcome.result.get('unexpected_count')} unexpected, e.g. "
        f"{outcome.result.get('partial_unexpected_list', [])[:3]})"
        for validation in result.run_results.values()
        for outcome in validation.results
        if not outcome.success
    ]
    return GateResult(result.success, failures, docs_dir / "index.html")
