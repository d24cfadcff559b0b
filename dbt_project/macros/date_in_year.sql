{#- A date within a year held in an integer column: date_in_year('evaluation_year', '12-31'). -#}
{% macro date_in_year(year_column, month_day) -%}
    cast({{ dbt.concat(['cast(' ~ year_column ~ ' as ' ~ dbt.type_string() ~ ')', "'-" ~ month_day ~ "'"]) }} as date)
{%- endmacro %}
