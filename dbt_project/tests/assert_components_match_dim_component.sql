{{ config(meta={'dagster': {'ref': {'name': 'dim_component'}}}) }}
-- Every component loaded from the raw tables is a component of the seed (with its weight and
-- maximum). A declared component may be absent: a source may not have delivered yet, and IPP's
-- 0-100 decrees publish no aspects.
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
    loaded.index_code,
    loaded.component_code
from loaded
left join declared
    on
        loaded.index_code = declared.index_code
        and loaded.component_code = declared.component_code
where declared.component_code is null
