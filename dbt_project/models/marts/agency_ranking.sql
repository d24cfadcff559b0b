{#- Rank of each agency within its regency per index and year (the regency itself is not
    ranked), and the two lists leaders ask for every month: award candidates (the best
    perangkat daerah and the best kecamatan) and agencies needing assistance (target missed,
    or in one of the two lowest bands of the index).

    Agencies are ranked on the value people read: where the decree publishes its own scale
    (IPP on 0-100), on that value as shown, to two decimals (`ranked_on`, compared as a
    percentage of the scale), not on the 0-5 score rounded for banding - so 93,08 ranks above
    92,99, and only values that read the same share a rank. -#}
with

facts as (
    select * from {{ ref('fct_agency_score') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

gaps as (
    select * from {{ ref('agency_target_gap') }}
),

lowest_bands as (
    select
        index_code,
        rule_version,
        max(band_rank) - 1 as first_low_rank
    from {{ ref('dim_rating_band') }}
    group by index_code, rule_version
),

scored as (
    select
        facts.agency_key,
        facts.agency_code,
        agencies.agency_name,
        agencies.agency_type,
        agencies.pemda_code,
        case
            when agencies.agency_type = 'kecamatan' then 'kecamatan' else 'perangkat_daerah'
        end as agency_group,
        facts.index_code,
        facts.evaluation_year,
        facts.score,
        coalesce(
            round(cast(facts.native_score as numeric(18, 6)), 2)
            * cast(100 / facts.native_scale as numeric(18, 6)),
            facts.score
        ) as ranked_on,
        facts.band_code,
        facts.band_rank,
        facts.rule_version
    from facts
    inner join agencies on facts.agency_key = agencies.agency_key
    where agencies.agency_type <> 'pemda'
),

ranked as (
    select
        scored.*,
        rank() over (
            partition by scored.pemda_code, scored.index_code, scored.evaluation_year
            order by scored.ranked_on desc
        ) as rank_in_regency,
        count(*) over (
            partition by scored.pemda_code, scored.index_code, scored.evaluation_year
        ) as agencies_ranked,
        rank() over (
            partition by
                scored.pemda_code, scored.index_code, scored.evaluation_year, scored.agency_group
            order by scored.ranked_on desc
        ) as rank_in_group
    from scored
)

select
    ranked.agency_key,
    ranked.agency_code,
    ranked.agency_name,
    ranked.agency_type,
    ranked.agency_group,
    ranked.pemda_code,
    ranked.index_code,
    ranked.evaluation_year,
    ranked.score,
    ranked.band_code,
    ranked.rank_in_regency,
    ranked.agencies_ranked,
    ranked.rank_in_group,
    ranked.rank_in_group = 1 as award_candidate,
    coalesce(gaps.target_met = false, false) as missed_target,
    ranked.band_rank >= lowest_bands.first_low_rank as in_lowest_bands,
    coalesce(gaps.target_met = false, false)
    or ranked.band_rank >= lowest_bands.first_low_rank as needs_assistance
from ranked
inner join lowest_bands
    on
        ranked.index_code = lowest_bands.index_code
        and ranked.rule_version = lowest_bands.rule_version
left join gaps
    on
        ranked.agency_code = gaps.agency_code
        and ranked.index_code = gaps.index_code
        and ranked.evaluation_year = gaps.evaluation_year
