select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(score as double precision) as score,
    predicate as stated_predicate,
    cast(perencanaan_kebutuhan as double precision) as perencanaan_kebutuhan,
    cast(pengadaan as double precision) as pengadaan,
    cast(pengembangan_karier as double precision) as pengembangan_karier,
    cast(promosi_mutasi as double precision) as promosi_mutasi,
    cast(manajemen_kinerja as double precision) as manajemen_kinerja,
    cast(penggajian_penghargaan_disiplin as double precision) as penggajian_penghargaan_disiplin,
    cast(perlindungan_pelayanan as double precision) as perlindungan_pelayanan,
    cast(sistem_informasi as double precision) as sistem_informasi,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'merit') }}
