{#- The checks that are true per regency, index and evaluation year, and only there: every
    agency of the regency's master (in force on 31 December) is present where the index covers
    all agencies, and the row count has not dropped by more than 15% from the regency's previous
    year. They warn: a failing partition is listed here and in source_status, and holds back no
    other regency. A regency that has not delivered a year has no partition for it: no error. -#}
with

facts as (
    select * from {{ ref('fct_agency_score') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

indices as (
    select * from {{ ref('indices') }}
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

expected as (
    select
        delivered.pemda_code,
        delivered.index_code,
        delivered.evaluation_year,
        agencies.agency_code
    from delivered
    inner join indices
        on
            delivered.index_code = indices.index_code
            and delivered.evaluation_year >= indices.all_agencies_from
    inner join periods on delivered.evaluation_year = periods.evaluation_year
    inner join agencies
        on
            delivered.pemda_code = agencies.pemda_code
            and agencies.agency_type <> 'pemda'
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
                "' agencies of the master present'"]) }}
        when not rows_kept
            then {{ dbt.concat([
                "cast(n_rows as " ~ dbt.type_string() ~ ")", "' rows against '",
                "cast(previous_year_rows as " ~ dbt.type_string() ~ ")",
                "' the year before (more than 15% fewer)'"]) }}
    end as warning
from checked
