{#- Every version of every agency in force, with the dates it was valid: the versions the
    masters declare now (the snapshot keeps what they declared before). A version runs from its
    valid_from (the date its regulation took effect) to the next version's. -#}
with

declared as (
    select
        pemda_code,
        agency_code,
        agency_name,
        agency_short_name,
        agency_type,
        parent_agency_code,
        aliases,
        valid_from
    from {{ ref('agency_master_snapshot') }}
    where dbt_valid_to is null
)

select
    declared.*,
    lead(declared.valid_from)
        over (partition by declared.agency_code order by declared.valid_from)
        as valid_to
from declared
