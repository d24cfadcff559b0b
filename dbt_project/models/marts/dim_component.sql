{#- Components, aspects and domains of each index, with the regulation whose table they are and
    the evaluation years that table holds for (rule_periods). -#}
with

components as (
    select * from {{ ref('components') }}
),

periods as (
    select * from {{ ref('rule_periods') }}
)

select
    components.index_code,
    components.component_code,
    components.component_name,
    components.weight,
    components.max_score,
    components.rule_version,
    periods.valid_from_year,
    periods.valid_to_year
from components
inner join periods
    on
        components.index_code = periods.index_code
        and components.rule_version = periods.rule_version
