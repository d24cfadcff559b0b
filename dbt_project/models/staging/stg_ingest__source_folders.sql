{#- Each reading of a source's folder by an ingest step: how many files it held. -#}
select
    index_code as source_code,
    cast(files as integer) as n_files,
    run_id,
    cast(logged_at as timestamp) as logged_at
from {{ source('raw', 'source_folders') }}
