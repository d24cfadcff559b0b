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

{#- True when the rules `rules` (a rating_bands or components row) hold for evaluation year `year`:
    a rule belongs to the period of its regulation (valid_from_year to valid_to_year, either open).
    The one place the period rule of docs/indices.md is written in SQL. -#}
{% macro rules_hold_in(year, rules) -%}
    (
        ({{ rules }}.valid_from_year is null or {{ year }} >= {{ rules }}.valid_from_year)
        and ({{ rules }}.valid_to_year is null or {{ year }} <= {{ rules }}.valid_to_year)
    )
{%- endmacro %}
