select
    agency_code,
    cast(evaluation_year as integer) as evaluation_year,
    cast(indicator_no as integer) as indicator_no,
    indicator_name,
    domain_code,
    cast(maturity_level as integer) as maturity_level,
    source_file,
    source_sha256,
    cast(loaded_at as timestamp) as loaded_at
from {{ source('raw', 'spbe_indicator') }}
