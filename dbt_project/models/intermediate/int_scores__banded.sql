{#- The band of each score, by the band table of docs/indices.md that holds for its evaluation
    year (its rule_version, the regulation, is kept with it). A score exactly on a bound keeps
    the predicate the source published when that predicate is one of the two bands meeting
    there (the regulations' boundary wording is not certain); otherwise the table decides. -#}
with

scores as (
    select * from {{ ref('int_scores__unioned') }}
),

bands as (
    select
        rating_bands.*,
        periods.valid_from_year,
        periods.valid_to_year
    from {{ ref('rating_bands') }} as rating_bands
    inner join {{ ref('rule_periods') }} as periods
        on
            rating_bands.index_code = periods.index_code
            and rating_bands.rule_version = periods.rule_version
),

indices as (
    select * from {{ ref('indices') }}
),

derived as (
    select
        scores.*,
        bands.band_code as derived_band_code,
        bands.rule_version
    from scores
    left join bands
        on
            scores.index_code = bands.index_code
            and {{ rules_hold_in('scores.evaluation_year', 'bands') }}
            and {{ score_in_band('scores.score', 'bands') }}
),

published_on_bound as (
    select
        derived.index_code,
        derived.agency_code,
        derived.evaluation_year,
        bands.band_code
    from derived
    inner join bands
        on
            derived.index_code = bands.index_code
            and derived.rule_version = bands.rule_version
            and derived.stated_predicate = bands.band_code
            and derived.score in (bands.lower_bound, bands.upper_bound)
)

select
    derived.index_code,
    derived.agency_code,
    derived.evaluation_year,
    derived.score,
    100.0 * (derived.score - indices.scale_min)
    / (indices.scale_max - indices.scale_min) as score_pct,
    derived.stated_predicate,
    derived.derived_band_code,
    coalesce(published_on_bound.band_code, derived.derived_band_code) as band_code,
    final_band.band_rank,
    derived.rule_version,
    derived.native_score,
    derived.native_scale,
    derived.announced_on,
    derived.source_file,
    derived.source_sha256,
    derived.loaded_at
from derived
inner join indices on derived.index_code = indices.index_code
left join published_on_bound
    on
        derived.index_code = published_on_bound.index_code
        and derived.agency_code = published_on_bound.agency_code
        and derived.evaluation_year = published_on_bound.evaluation_year
left join bands as final_band
    on
        derived.index_code = final_band.index_code
        and derived.rule_version = final_band.rule_version
        and coalesce(published_on_bound.band_code, derived.derived_band_code)
        = final_band.band_code
