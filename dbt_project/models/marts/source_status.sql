{#- One row per version of a source file ever received (its sha256; a fetch that failed is a
    version of its own): where it stands now and its history, so that "every file refused since
    the last review" can be answered after the file has been fixed. -#}
with

logged as (
    select * from {{ ref('stg_ingest__file_log') }}
),

decided as (
    select
        *,
        row_number() over (
            partition by source_code, file_version order by logged_at desc
        ) as recency
    from logged
    where status <> 'unchanged'
),

history as (
    select
        source_code,
        file_version,
        min(logged_at) as received_at,
        min(case when status = 'loaded' then logged_at end) as loaded_at,
        max(case when status = 'refused' then logged_at end) as refused_at,
        max(logged_at) as last_seen_at
    from logged
    group by source_code, file_version
),

last_refusal as (
    select
        source_code,
        file_version,
        first_error,
        row_number() over (
            partition by source_code, file_version order by logged_at desc
        ) as recency
    from logged
    where status = 'refused'
),

partitions_fed as (
    select distinct
        source_sha256,
        pemda_code,
        index_code,
        evaluation_year
    from {{ ref('fct_agency_score') }}
),

warnings as (
    select
        partitions_fed.source_sha256,
        {{ dbt.listagg(
            dbt.concat([
                'checks.pemda_code', "' '", 'checks.index_code', "' '",
                'cast(checks.evaluation_year as ' ~ dbt.type_string() ~ ')', "': '",
                'checks.warning']),
            "'; '") }} as warnings
    from partitions_fed
    inner join {{ ref('partition_checks') }} as checks
        on
            partitions_fed.pemda_code = checks.pemda_code
            and partitions_fed.index_code = checks.index_code
            and partitions_fed.evaluation_year = checks.evaluation_year
    where checks.warning is not null
    group by partitions_fed.source_sha256
)

select
    decided.source_code,
    decided.source_file,
    decided.file_version,
    decided.source_sha256,
    decided.pemda_code,
    decided.evaluation_year_from,
    decided.evaluation_year_to,
    decided.status,
    decided.n_rows,
    last_refusal.first_error,
    warnings.warnings,
    history.received_at,
    history.loaded_at,
    history.refused_at,
    history.last_seen_at
from decided
inner join history
    on
        decided.source_code = history.source_code
        and decided.file_version = history.file_version
left join last_refusal
    on
        decided.source_code = last_refusal.source_code
        and decided.file_version = last_refusal.file_version
        and last_refusal.recency = 1
left join warnings on decided.source_sha256 = warnings.source_sha256
where decided.recency = 1
