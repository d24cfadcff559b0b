{#- True when `score` falls in the band `band` (a rating_bands row), honouring each bound's
    inclusivity. The one place the band rule of docs/indices.md is written in SQL. -#}
{% macro score_in_band(score, band) -%}
    (
        ({{ score }} > {{ band }}.lower_bound
            or ({{ band }}.lower_inclusive and {{ score }} = {{ band }}.lower_bound))
        and ({{ score }} < {{ band }}.upper_bound
            or ({{ band }}.upper_inclusive and {{ score }} = {{ band }}.upper_bound))
    )
{%- endmacro %}
