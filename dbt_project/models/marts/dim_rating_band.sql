{#- Every band of every index, with the regulation whose table it is and the evaluation years
    that table holds for (rule_periods). -#}
with

bands as (
    select * from {{ ref('rating_bands') }}
),

periods as (
    select * from {{ ref('rule_periods') }}
)

select
    bands.index_code,
    bands.band_code,
    bands.band_label,
    bands.band_rank,
    bands.lower_bound,
    bands.upper_bound,
    bands.lower_inclusive,
    bands.upper_inclusive,
    bands.rule_version,
    periods.valid_from_year,
    periods.valid_to_year
from bands
inner join periods
    on bands.index_code = periods.index_code and bands.rule_version = periods.rule_version
