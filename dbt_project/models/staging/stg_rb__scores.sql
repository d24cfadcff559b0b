select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(score as double precision) as native_score,
    cast(null as double precision) as native_scale,
    cast(null as date) as announced_on,
    local_code,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'rb') }}
