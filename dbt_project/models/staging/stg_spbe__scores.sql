select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(score as double precision) as native_score,
    cast(null as double precision) as native_scale,
    cast(announced_on as date) as announced_on,
    cast(kebijakan_internal as double precision) as kebijakan_internal,
    cast(tata_kelola as double precision) as tata_kelola,
    cast(manajemen as double precision) as manajemen,
    cast(layanan as double precision) as layanan,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'spbe') }}
