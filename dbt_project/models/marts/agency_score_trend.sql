{#- One row per agency, index and evaluation year: the score and band with the agency's name in
    force that year, and the change since the same agency's score of the year before. The one
    place a change is computed: agency_scorecard pivots it, the monthly review reads it. -#}
with

facts as (
    select * from {{ ref('fct_agency_score') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

bands as (
    select * from {{ ref('dim_rating_band') }}
)

select
    facts.pemda_code,
    facts.agency_key,
    facts.agency_code,
    agencies.agency_name,
    agencies.agency_type,
    facts.index_code,
    facts.evaluation_year,
    facts.score,
    facts.band_code,
    facts.band_rank,
    bands.band_label,
    facts.native_score,
    facts.native_scale,
    facts.announced_on,
    previous.score as previous_score,
    cast(round(cast(facts.score - previous.score as numeric(18, 6)), 2) as double precision)
        as change
from facts
inner join agencies on facts.agency_key = agencies.agency_key
inner join bands
    on
        facts.index_code = bands.index_code
        and facts.rule_version = bands.rule_version
        and facts.band_code = bands.band_code
left join facts as previous
    on
        facts.agency_code = previous.agency_code
        and facts.index_code = previous.index_code
        and facts.evaluation_year = previous.evaluation_year + 1
