select
    pemda_code,
    agency_code,
    agency_name,
    agency_short_name,
    agency_type,
    parent_agency_code,
    aliases,
    cast(valid_from as date) as valid_from,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'agency_master') }}
