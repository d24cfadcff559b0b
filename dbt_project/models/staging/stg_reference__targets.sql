select
    pemda_code,
    agency_code,
    index_code,
    cast(evaluation_year as integer) as evaluation_year,
    target_band_code,
    cast(target_score as double precision) as target_score,
    plan_document,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'targets') }}
