{#- Target band from the regency's plan against the band reached, per agency, index and year.
    points_short is how far the score must rise to enter the target band (at two decimals: a
    score equal to an exclusive lower bound is 0.01 short). -#}
with

targets as (
    select * from {{ ref('stg_reference__targets') }}
),

facts as (
    select * from {{ ref('fct_agency_score') }}
),

bands as (
    select * from {{ ref('dim_rating_band') }}
),

compared as (
    select
        coalesce(facts.pemda_code, targets.pemda_code) as pemda_code,
        coalesce(facts.agency_code, targets.agency_code) as agency_code,
        coalesce(facts.index_code, targets.index_code) as index_code,
        coalesce(facts.evaluation_year, targets.evaluation_year) as evaluation_year,
        facts.agency_key,
        facts.score,
        facts.band_code as actual_band_code,
        facts.band_rank as actual_band_rank,
        targets.target_band_code,
        targets.target_score,
        targets.plan_document
    from facts
    full outer join targets
        on
            facts.agency_code = targets.agency_code
            and facts.index_code = targets.index_code
            and facts.evaluation_year = targets.evaluation_year
)

select
    compared.pemda_code,
    compared.agency_key,
    compared.agency_code,
    compared.index_code,
    compared.evaluation_year,
    compared.target_band_code,
    target_band.band_rank as target_band_rank,
    compared.target_score,
    compared.actual_band_code,
    compared.actual_band_rank,
    compared.score,
    case
        when compared.actual_band_rank is null or target_band.band_rank is null then null
        else compared.actual_band_rank <= target_band.band_rank
    end as target_met,
    case
        when compared.actual_band_rank is null or target_band.band_rank is null then null
        when compared.actual_band_rank <= target_band.band_rank then 0.0
        else cast(round(
            cast(
                target_band.lower_bound - compared.score
                + case when target_band.lower_inclusive then 0 else 0.01 end
                as numeric
            ),
            2
        ) as double precision)
    end as points_short,
    compared.plan_document
from compared
left join bands as target_band
    on
        compared.index_code = target_band.index_code
        and compared.target_band_code = target_band.band_code
        and {{ rules_hold_in('compared.evaluation_year', 'target_band') }}
