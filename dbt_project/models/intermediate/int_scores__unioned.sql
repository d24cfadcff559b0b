{#- One row per agency, index and evaluation year, from the staging model of every index in
    kinerja_indices() (the seeds: contracts/dbt_lists.py). -#}
{%- for index_code in kinerja_indices() %}
    select
        cast('{{ index_code }}' as {{ dbt.type_string() }}) as index_code,
        agency_code,
        evaluation_year,
        score,
        stated_predicate,
        native_score,
        native_scale,
        announced_on,
        source_file,
        source_sha256,
        loaded_at
    from {{ ref('stg_' ~ index_code ~ '__scores') }}
    {%- if not loop.last %}
        union all
    {%- endif %}
{%- endfor %}
