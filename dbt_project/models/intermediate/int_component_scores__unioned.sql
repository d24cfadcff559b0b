{#- Components in long form: one row per agency, index, component and year. The component
    columns are those kinerja_indices() lists for each index; a test checks each matches
    dim_component. -#}
{%- set parts = [] %}
{%- for index_code, columns in kinerja_indices().items() %}
    {%- for column in columns %}
        {%- do parts.append((index_code, column)) %}
    {%- endfor %}
{%- endfor %}
{%- for index_code, column in parts %}
    select
        cast('{{ index_code }}' as {{ dbt.type_string() }}) as index_code,
        cast('{{ column }}' as {{ dbt.type_string() }}) as component_code,
        agency_code,
        evaluation_year,
        {{ column }} as score
    from {{ ref('stg_' ~ index_code ~ '__scores') }}
    where {{ column }} is not null
    {%- if not loop.last %}
        union all
    {%- endif %}
{%- endfor %}
