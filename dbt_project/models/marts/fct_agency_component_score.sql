with

components as (
    select * from {{ ref('int_component_scores__unioned') }}
),

facts as (
    select * from {{ ref('fct_agency_score') }}
),

dimension as (
    select * from {{ ref('dim_component') }}
)

select
    facts.pemda_code,
    facts.agency_key,
    components.agency_code,
    components.index_code,
    components.component_code,
    components.evaluation_year,
    components.score,
    dimension.max_score,
    dimension.weight
from components
inner join facts
    on
        components.agency_code = facts.agency_code
        and components.index_code = facts.index_code
        and components.evaluation_year = facts.evaluation_year
left join dimension
    on
        components.index_code = dimension.index_code
        and components.component_code = dimension.component_code
        and {{ rules_hold_in('components.evaluation_year', 'dimension') }}
