{#- The 47 SPBE indicators of each evaluation: where the regency's e-government is mature. -#}
with

indicators as (
    select * from {{ ref('stg_spbe__indicators') }}
),

scores as (
    select * from {{ ref('fct_agency_score') }}
    where index_code = 'spbe'
)

select
    scores.pemda_code,
    scores.agency_key,
    indicators.agency_code,
    indicators.evaluation_year,
    indicators.indicator_no,
    indicators.indicator_name,
    indicators.domain_code,
    indicators.maturity_level
from indicators
inner join scores
    on
        indicators.agency_code = scores.agency_code
        and indicators.evaluation_year = scores.evaluation_year
