{#- Models land in the schema they are configured for (staging, intermediate, marts), exactly
    so named, on every target: BI tools read `marts.*`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name | trim if custom_schema_name else target.schema }}
{%- endmacro %}
