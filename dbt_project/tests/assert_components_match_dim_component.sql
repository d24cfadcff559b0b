{{ config(meta={'dagster': {'ref': {'name': 'dim_component'}}}) }}
-- The component columns unpivoted from the raw tables are exactly the components of the seed.
with

loaded as (
    select distinct
        index_code,
        component_code
    from {{ ref('int_component_scores__unioned') }}
),

declared as (
    select
        index_code,
        component_code
    from {{ ref('dim_component') }}
)

select
    coalesce(loaded.index_code, declared.index_code) as index_code,
    coalesce(loaded.component_code, declared.component_code) as component_code
from loaded
full outer join declared
    on
        loaded.index_code = declared.index_code
        and loaded.component_code = declared.component_code
where loaded.component_code is null or declared.component_code is null
