select
    index_code,
    band_code,
    band_label,
    band_rank,
    lower_bound,
    upper_bound,
    lower_inclusive,
    upper_inclusive
from {{ ref('rating_bands') }}
