select
    index_code,
    index_name,
    scale_min,
    scale_max,
    evaluator,
    regulation,
    higher_is_better,
    cadence_years
from {{ ref('indices') }}
