{#- One row per agency and year: score and band of each index of kinerja_indices(), and
    the change since the year before (agency_score_trend's; null when the index was not scored
    the year before). -#}
{%- set indices = kinerja_indices() -%}
with

trend as (
    select * from {{ ref('agency_score_trend') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

pivoted as (
    select
        agency_code,
        evaluation_year,
        max(agency_key) as agency_key,
    {%- for index_code in indices %}
        max(case when index_code = '{{ index_code }}' then score end) as {{ index_code }}_score,
        max(case when index_code = '{{ index_code }}' then band_code end)
            as {{ index_code }}_band,
        max(case when index_code = '{{ index_code }}' then change end)
            as {{ index_code }}_change
        {{- ',' if not loop.last }}
    {%- endfor %}
    from trend
    group by agency_code, evaluation_year
)

select
    agencies.pemda_code,
    pivoted.agency_key,
    pivoted.agency_code,
    agencies.agency_name,
    agencies.agency_type,
    pivoted.evaluation_year,
{%- for index_code in indices %}
    pivoted.{{ index_code }}_score,
    pivoted.{{ index_code }}_band,
    pivoted.{{ index_code }}_change
    {{- ',' if not loop.last }}
{%- endfor %}
from pivoted
inner join agencies on pivoted.agency_key = agencies.agency_key
