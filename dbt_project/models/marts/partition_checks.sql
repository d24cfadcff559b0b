{#- The checks that are true per regency, index and evaluation year, and only there: every
    agency expected is present, and the row count has not dropped by more than 15% from the
    regency's previous year. Expected are the agencies with a target for the index and year in
    the regency's plan, else those present the year before (a unit the index does not evaluate
    is never expected); a first year with no targets expects nobody. Only agencies in force on
    31 December count. They warn: a failing partition is listed here and in source_status, and
    holds back no other regency. A regency that has not delivered a year has no partition for
    it: no error. -#}
with

facts as (
    select * from {{ ref('fct_agency_score') }}
),

targets as (
    select * from {{ ref('stg_reference__targets') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

periods as (
    select * from {{ ref('dim_period') }}
),

delivered as (
    select
        pemda_code,
        index_code,
        evaluation_year,
        count(*) as n_rows
    from facts
    group by pemda_code, index_code, evaluation_year
),

targeted as (
    select
        delivered.pemda_code,
        delivered.index_code,
        delivered.evaluation_year,
        targets.agency_code
    from delivered
    inner join targets
        on
            delivered.pemda_code = targets.pemda_code
            and delivered.index_code = targets.index_code
            and delivered.evaluation_year = targets.evaluation_year
),

present_the_year_before as (
    select
        delivered.pemda_code,
        delivered.index_code,
        delivered.evaluation_year,
        facts.agency_code
    from delivered
    inner join facts
        on
            delivered.pemda_code = facts.pemda_code
            and delivered.index_code = facts.index_code
            and delivered.evaluation_year = facts.evaluation_year + 1
    where not exists (
        select 1 from targeted
        where
            targeted.pemda_code = delivered.pemda_code
            and targeted.index_code = delivered.index_code
            and targeted.evaluation_year = delivered.evaluation_year
    )
),

expected as (
    select distinct candidates.*
    from (
        select * from targeted
        union all
        select * from present_the_year_before
    ) as candidates
    inner join periods on candidates.evaluation_year = periods.evaluation_year
    inner join agencies
        on
            candidates.agency_code = agencies.agency_code
            and periods.period_end >= agencies.valid_from
            and periods.period_end < agencies.valid_to
),

coverage as (
    select
        expected.pemda_code,
        expected.index_code,
        expected.evaluation_year,
        count(*) as expected_agencies,
        count(facts.agency_code) as agencies_present
    from expected
    left join facts
        on
            expected.agency_code = facts.agency_code
            and expected.index_code = facts.index_code
            and expected.evaluation_year = facts.evaluation_year
    group by expected.pemda_code, expected.index_code, expected.evaluation_year
),

checked as (
    select
        delivered.pemda_code,
        delivered.index_code,
        delivered.evaluation_year,
        delivered.n_rows,
        previous.n_rows as previous_year_rows,
        coverage.expected_agencies,
        coverage.agencies_present,
        coalesce(coverage.agencies_present >= coverage.expected_agencies, true) as complete,
        coalesce(delivered.n_rows >= 0.85 * previous.n_rows, true) as rows_kept
    from delivered
    left join delivered as previous
        on
            delivered.pemda_code = previous.pemda_code
            and delivered.index_code = previous.index_code
            and delivered.evaluation_year = previous.evaluation_year + 1
    left join coverage
        on
            delivered.pemda_code = coverage.pemda_code
            and delivered.index_code = coverage.index_code
            and delivered.evaluation_year = coverage.evaluation_year
)

select
    pemda_code,
    index_code,
    evaluation_year,
    n_rows,
    previous_year_rows,
    expected_agencies,
    agencies_present,
    complete,
    rows_kept,
    case
        when not complete
            then {{ dbt.concat([
                "cast(agencies_present as " ~ dbt.type_string() ~ ")", "' of '",
                "cast(expected_agencies as " ~ dbt.type_string() ~ ")",
                "' expected agencies present'"]) }}
        when not rows_kept
            then {{ dbt.concat([
                "cast(n_rows as " ~ dbt.type_string() ~ ")", "' rows against '",
                "cast(previous_year_rows as " ~ dbt.type_string() ~ ")",
                "' the year before (more than 15% fewer)'"]) }}
    end as warning
from checked
