select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(native_score as double precision) as native_score,
    cast(native_scale as double precision) as native_scale,
    source_sheet,
    note,
    cast(kebijakan as double precision) as kebijakan,
    cast(sdm as double precision) as sdm,
    cast(sarpras as double precision) as sarpras,
    cast(sipp as double precision) as sipp,
    cast(konsultasi as double precision) as konsultasi,
    cast(inovasi as double precision) as inovasi,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'ipp') }}
