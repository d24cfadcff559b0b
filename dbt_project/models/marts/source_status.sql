{#- One row per file and version ever received (a file by its name, a version by its sha256; a
    fetch that failed is a version of its own; two files of identical bytes are two rows): where
    it stands now and its history, so that "every file refused since the last review" can be
    answered after the file has been fixed.

    A version a user retired (`kinerja retire`: the file is gone and its rows are withdrawn) is
    `retired`, with `retired_at`. A refused version is `corrected` once, after its refusal, the same file (source, region and
    name) holds a version that loads - a new one, or the one it held before - or another file of
    the same source, region and evaluation years (the same first and last year) loads. -#}
with

logged as (
    select * from {{ ref('stg_ingest__file_log') }}
),

decided as (
    select
        *,
        row_number() over (
            partition by source_code, source_file, file_version order by logged_at desc
        ) as recency
    from logged
    where status <> 'unchanged'
),

history as (
    select
        source_code,
        source_file,
        file_version,
        min(logged_at) as received_at,
        min(case when status = 'loaded' then logged_at end) as loaded_at,
        min(case when status = 'refused' then logged_at end) as first_refused_at,
        max(case when status = 'refused' then logged_at end) as refused_at,
        max(case when status = 'retired' then logged_at end) as retired_at,
        max(logged_at) as last_seen_at
    from logged
    group by source_code, source_file, file_version
),

last_refusal as (
    select
        source_code,
        source_file,
        file_version,
        first_error,
        first_error_indonesian,
        row_number() over (
            partition by source_code, source_file, file_version order by logged_at desc
        ) as recency
    from logged
    where status = 'refused'
),

corrections as (
    select
        refused.source_code,
        refused.source_file,
        refused.file_version,
        min(later.logged_at) as corrected_at
    from decided as refused
    inner join history as refused_history
        on
            refused.source_code = refused_history.source_code
            and refused.source_file = refused_history.source_file
            and refused.file_version = refused_history.file_version
    inner join logged as later
        on
            refused.source_code = later.source_code
            and coalesce(refused.pemda_code, '') = coalesce(later.pemda_code, '')
            and (
                -- the same file holds a version that loads since its last refusal (a new one,
                -- or the one it had before)
                (
                    refused.source_file = later.source_file
                    and later.status in ('loaded', 'unchanged')
                    and refused_history.refused_at < later.logged_at
                )
                -- or another file of the same evaluation years (a renamed copy: not a file of
                -- other years that covers them, such as the regency's own 2021-2025 results)
                -- has loaded after it was first refused, on a later run (the refused file may
                -- stay in its folder, refused again every night; a good file beside it from the
                -- start corrects nothing)
                or (
                    refused.source_file <> later.source_file
                    and later.status = 'loaded'
                    and refused_history.first_refused_at < later.logged_at
                    and refused.evaluation_year_from = later.evaluation_year_from
                    and refused.evaluation_year_to = later.evaluation_year_to
                )
            )
    where refused.status = 'refused' and refused.recency = 1
    group by refused.source_code, refused.source_file, refused.file_version
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
),

-- the sources whose folder held no file when last read, while others did (a folder emptied
-- by mistake, or files removed without `kinerja retire`)
folder_readings as (
    select
        source_code,
        n_files,
        logged_at,
        row_number() over (partition by source_code order by logged_at desc) as recency
    from {{ ref('stg_ingest__source_folders') }}
),

emptied_folders as (
    select
        source_code,
        logged_at as emptied_at
    from folder_readings
    where recency = 1 and n_files = 0
)

select
    decided.source_code,
    decided.source_file,
    decided.file_version,
    decided.source_sha256,
    decided.pemda_code,
    decided.evaluation_year_from,
    decided.evaluation_year_to,
    case
        when corrections.corrected_at is not null then 'corrected' else decided.status
    end as status,
    decided.n_rows,
    last_refusal.first_error,
    last_refusal.first_error_indonesian,
    nullif(concat_ws(
        '; ',
        warnings.warnings,
        case
            when
                emptied_folders.source_code is not null
                and decided.status <> 'retired'
                and decided.source_file not like 'http%'
                then
                    'not in the sources dir: the folder of ' || decided.source_code
                    || ' held no file at the refresh of '
                    || cast(cast(emptied_folders.emptied_at as date) as {{ dbt.type_string() }})
                    || '; its rows stay published until `kinerja retire`'
        end
    ), '') as warnings,
    history.received_at,
    history.loaded_at,
    history.refused_at,
    corrections.corrected_at,
    history.retired_at,
    history.last_seen_at
from decided
inner join history
    on
        decided.source_code = history.source_code
        and decided.source_file = history.source_file
        and decided.file_version = history.file_version
left join last_refusal
    on
        decided.source_code = last_refusal.source_code
        and decided.source_file = last_refusal.source_file
        and decided.file_version = last_refusal.file_version
        and last_refusal.recency = 1
left join warnings on decided.source_sha256 = warnings.source_sha256
left join emptied_folders on decided.source_code = emptied_folders.source_code
left join corrections
    on
        decided.source_code = corrections.source_code
        and decided.source_file = corrections.source_file
        and decided.file_version = corrections.file_version
where decided.recency = 1
