{#- Written by `python -m contracts.dbt_lists` from seeds/indices.csv and
    seeds/components.csv (make does it before dbt parses): do not edit. Every index with
    its component columns, in the seed's order. -#}
{% macro kinerja_indices() -%}
{{ return({
    "sakip": ["perencanaan", "pengukuran", "pelaporan", "evaluasi_internal"],
    "rb": [],
    "spip": ["penetapan_tujuan", "struktur_proses", "pencapaian_tujuan"],
    "spbe": ["kebijakan_internal", "tata_kelola", "manajemen", "layanan"],
    "ipp": ["kebijakan", "sdm", "sarpras", "sipp", "konsultasi", "inovasi"],
    "merit": ["perencanaan_kebutuhan", "pengadaan", "pengembangan_karier", "promosi_mutasi", "manajemen_kinerja", "penggajian_penghargaan_disiplin", "perlindungan_pelayanan", "sistem_informasi"]
}) }}
{%- endmacro %}
