{#- One row per agency, index and evaluation year, from every source's staging model. -#}
{%- set sources = {
    'sakip': 'stg_sakip__scores',
    'rb': 'stg_rb__scores',
    'spip': 'stg_spip__scores',
    'spbe': 'stg_spbe__scores',
    'ipp': 'stg_ipp__scores',
    'merit': 'stg_merit__scores',
} -%}
{%- for index_code, model in sources.items() %}
    select
        cast('{{ index_code }}' as {{ dbt.type_string() }}) as index_code,
        agency_code,
        evaluation_year,
        score,
        stated_predicate,
        {{ 'native_score' if index_code == 'ipp' else 'score' }} as native_score,
        {{ 'native_scale' if index_code == 'ipp' else 'cast(null as double precision)' }}
            as native_scale,
        {{ 'announced_on' if index_code == 'spbe' else 'cast(null as date)' }} as announced_on,
        source_file,
        source_sha256,
        loaded_at
    from {{ ref(model) }}
    {%- if not loop.last %}
        union all
    {%- endif %}
{%- endfor %}
