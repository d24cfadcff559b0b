{#- Components in long form: one row per agency, index, component and year. The column lists
    are the raw tables' component columns; a test checks each matches dim_component. -#}
{%- set components = {
    'sakip': ('stg_sakip__scores', ['perencanaan', 'pengukuran', 'pelaporan', 'evaluasi_internal']),
    'spip': ('stg_spip__scores', ['penetapan_tujuan', 'struktur_proses', 'pencapaian_tujuan']),
    'spbe': ('stg_spbe__scores', ['kebijakan_internal', 'tata_kelola', 'manajemen', 'layanan']),
    'ipp': ('stg_ipp__scores', ['kebijakan', 'sdm', 'sarpras', 'sipp', 'konsultasi', 'inovasi']),
    'merit': ('stg_merit__scores', [
        'perencanaan_kebutuhan', 'pengadaan', 'pengembangan_karier', 'promosi_mutasi',
        'manajemen_kinerja', 'penggajian_penghargaan_disiplin', 'perlindungan_pelayanan',
        'sistem_informasi']),
} -%}
{%- for index_code, (model, columns) in components.items() %}
    {%- set outer_loop = loop %}
    {%- for column in columns %}
        select
            cast('{{ index_code }}' as {{ dbt.type_string() }}) as index_code,
            cast('{{ column }}' as {{ dbt.type_string() }}) as component_code,
            agency_code,
            evaluation_year,
            {{ column }} as score
        from {{ ref(model) }}
        where {{ column }} is not null
        {%- if not (outer_loop.last and loop.last) %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endfor %}
