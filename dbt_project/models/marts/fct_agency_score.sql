{#- One row per agency, index and evaluation year; the agency version is the one valid at the
    end of the evaluation year. -#}
with

scores as (
    select * from {{ ref('int_scores__banded') }}
),

periods as (
    select * from {{ ref('dim_period') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
)

select
    agencies.agency_key,
    scores.agency_code,
    agencies.pemda_code,
    scores.index_code,
    scores.evaluation_year,
    scores.score,
    scores.score_pct,
    scores.band_code,
    scores.band_rank,
    scores.rule_version,
    scores.stated_predicate,
    scores.native_score,
    scores.native_scale,
    scores.announced_on,
    scores.source_file,
    scores.source_sha256,
    scores.loaded_at
from scores
inner join periods on scores.evaluation_year = periods.evaluation_year
left join agencies
    on
        scores.agency_code = agencies.agency_code
        and periods.period_end >= agencies.valid_from
        and periods.period_end < agencies.valid_to
