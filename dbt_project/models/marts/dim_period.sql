{#- One row per evaluation year that has a score or a target. -#}
with

years as (
    select evaluation_year from {{ ref('int_scores__unioned') }}
    union
    select evaluation_year from {{ ref('stg_reference__targets') }}
)

select
    evaluation_year,
    {{ date_in_year('evaluation_year', '01-01') }} as period_start,
    {{ date_in_year('evaluation_year', '12-31') }} as period_end
from years
