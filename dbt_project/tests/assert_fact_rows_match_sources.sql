{{ config(meta={'dagster': {'ref': {'name': 'fct_agency_score'}}}) }}
-- Every source row loaded is one fact row: row counts per index and evaluation year agree.
with

source_rows as (
    {%- for index_code in kinerja_indices() %}
        select
            '{{ index_code }}' as index_code,
            evaluation_year,
            count(*) as n_rows
        from {{ ref('stg_' ~ index_code ~ '__scores') }}
        group by evaluation_year
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

fact_rows as (
    select
        index_code,
        evaluation_year,
        count(*) as n_rows
    from {{ ref('fct_agency_score') }}
    group by index_code, evaluation_year
)

select
    coalesce(source_rows.index_code, fact_rows.index_code) as index_code,
    coalesce(source_rows.evaluation_year, fact_rows.evaluation_year) as evaluation_year,
    source_rows.n_rows as source_rows,
    fact_rows.n_rows as fact_rows
from source_rows
full outer join fact_rows
    on
        source_rows.index_code = fact_rows.index_code
        and source_rows.evaluation_year = fact_rows.evaluation_year
where source_rows.n_rows is distinct from fact_rows.n_rows
