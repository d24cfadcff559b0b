{#- Every version of every agency with the dates it was valid. Versions before the snapshot
    began come from the agency_history seed; the snapshot records every later change. A
    version starts on the master's valid_from (the date its regulation took effect) or, when
    an edit left that date unchanged, on the day the snapshot saw the change. -#}
with

snapshot as (
    select
        agency_code,
        agency_name,
        agency_short_name,
        agency_type,
        parent_agency_code,
        valid_from as declared_from,
        cast(dbt_valid_from as date) as recorded_from,
        lag(valid_from) over (
            partition by agency_code order by dbt_valid_from
        ) as previous_declared_from
    from {{ ref('agency_master_snapshot') }}
),

recorded_versions as (
    select
        agency_code,
        agency_name,
        agency_short_name,
        agency_type,
        parent_agency_code,
        case
            when previous_declared_from is null or declared_from > previous_declared_from
                then declared_from
            else recorded_from
        end as valid_from
    from snapshot
),

seeded_history as (
    select
        agency_code,
        agency_name,
        agency_short_name,
        agency_type,
        parent_agency_code,
        valid_from
    from {{ ref('agency_history') }}
),

versions as (
    select * from seeded_history
    union all
    select * from recorded_versions
)

select
    versions.*,
    lead(versions.valid_from)
        over (partition by versions.agency_code order by versions.valid_from)
        as valid_to
from versions
