{#- The few constructs that differ between engines. `dialect` is set by the runner: duckdb, spark, trino. -#}

{% macro quote(identifier) -%}
    {%- if dialect == 'spark' -%}`{{ identifier }}`{%- else -%}"{{ identifier }}"{%- endif -%}
{%- endmacro %}

{% macro bit_and(expression, mask) -%}
    {%- if dialect == 'trino' -%}bitwise_and({{ expression }}, {{ mask }})
    {%- else -%}({{ expression }} & {{ mask }}){%- endif -%}
{%- endmacro %}

{#- The text type of a cast: Spark's VARCHAR needs a length, its unbounded text is STRING. -#}
{% macro text_type() -%}
    {%- if dialect == 'spark' -%}string{%- else -%}varchar{%- endif -%}
{%- endmacro %}
