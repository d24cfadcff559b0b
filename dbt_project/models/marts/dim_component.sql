select
    index_code,
    component_code,
    component_name,
    weight,
    max_score
from {{ ref('components') }}
