select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(score as double precision) as native_score,
    cast(null as double precision) as native_scale,
    cast(null as date) as announced_on,
    cast(perencanaan as double precision) as perencanaan,
    cast(pengukuran as double precision) as pengukuran,
    cast(pelaporan as double precision) as pelaporan,
    cast(evaluasi_internal as double precision) as evaluasi_internal,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'sakip') }}
