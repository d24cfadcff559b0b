{#- Generic test: the boolean column is true on every row. With `severity: warn` it lists what
    fails without stopping the build. -#}
{% test all_true(model, column_name) %}
select *
from {{ model }}
where not {{ column_name }}
{% endtest %}
