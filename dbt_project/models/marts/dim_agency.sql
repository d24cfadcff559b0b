{#- Type 2: one row per version of an agency. -#}
with

versions as (
    select * from {{ ref('int_agency_versions') }}
),

regions as (
    select * from {{ ref('regions') }}
)

select
    {{ dbt.hash(dbt.concat([
        'versions.agency_code', "'|'",
        'cast(versions.valid_from as ' ~ dbt.type_string() ~ ')'])) }} as agency_key,
    versions.agency_code,
    versions.agency_name,
    versions.agency_short_name,
    versions.agency_type,
    versions.parent_agency_code,
    versions.aliases,
    versions.pemda_code,
    regions.pemda_name,
    versions.valid_from,
    coalesce(versions.valid_to, cast('9999-12-31' as date)) as valid_to,
    versions.valid_to is null as is_current
from versions
left join regions on versions.pemda_code = regions.pemda_code
