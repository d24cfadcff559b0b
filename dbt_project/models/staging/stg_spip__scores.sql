select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(score as double precision) as native_score,
    cast(null as double precision) as native_scale,
    cast(null as date) as announced_on,
    cast(penetapan_tujuan as double precision) as penetapan_tujuan,
    cast(struktur_proses as double precision) as struktur_proses,
    cast(pencapaian_tujuan as double precision) as pencapaian_tujuan,
    cast(mri as double precision) as mri,
    cast(iepk as double precision) as iepk,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'spip') }}
