{#- One row per file per refresh, as the ingest steps logged it. A fetch that failed received no
    file: its version is the run that tried. -#}
select
    run_id,
    index_code as source_code,
    file as source_file,
    coalesce(nullif(sha256, ''), {{ dbt.concat(["'fetch:'", 'run_id']) }}) as file_version,
    nullif(sha256, '') as source_sha256,
    pemda_code,
    cast(year_from as integer) as evaluation_year_from,
    cast(year_to as integer) as evaluation_year_to,
    status,
    cast(rows as integer) as n_rows,
    first_error,
    first_error_indonesian,
    cast(logged_at as timestamp) as logged_at
from {{ source('raw', 'ingest_log') }}
