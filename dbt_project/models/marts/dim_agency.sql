{#- Type 2: one row per version of an agency. -#}
with

versions as (
    select * from {{ ref('int_agency_versions') }}
),

regions as (
    select * from {{ ref('regions') }}
),

with_pemda as (
    select
        versions.*,
        case
            when versions.agency_type = 'pemda' then versions.agency_code
            else {{ dbt.concat([
                dbt.split_part('versions.agency_code', "'.'", 1), "'.'",
                dbt.split_part('versions.agency_code', "'.'", 2)]) }}
        end as pemda_code
    from versions
)

select
    {{ dbt.hash(dbt.concat([
        'with_pemda.agency_code', "'|'",
        'cast(with_pemda.valid_from as ' ~ dbt.type_string() ~ ')'])) }} as agency_key,
    with_pemda.agency_code,
    with_pemda.agency_name,
    with_pemda.agency_short_name,
    with_pemda.agency_type,
    with_pemda.parent_agency_code,
    with_pemda.pemda_code,
    regions.pemda_name,
    with_pemda.valid_from,
    coalesce(with_pemda.valid_to, cast('9999-12-31' as date)) as valid_to,
    with_pemda.valid_to is null as is_current
from with_pemda
left join regions on with_pemda.pemda_code = regions.pemda_code
