-- grain: one row per named pair and port seen on the date and on none of the earlier dates compared
-- The date's accepted conversations against those of up to `lookback_days` earlier dates that the
-- lake holds (`dates_compared` says how many); with none to compare, no pair is called new.
{{ config(grain='date', lookback_days=7) }}

with

conversations as (
    select * from {{ ref('int_conversations_accepted') }}
),

on_the_date as (
    select
        client_name,
        client_type,
        server_name,
        server_type,
        server_port,
        protocol_name as protocol,
        max(service) as service,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(flows) as bigint) as flows,
        min(first_seen) as first_seen
    from conversations
    where cast({{ quote('date') }} as date) = cast('{{ var("partition_date") }}' as date)
    group by client_name, client_type, server_name, server_type, server_port, protocol_name
),

earlier as (
    select distinct
        client_name,
        server_name,
        server_port,
        protocol_name as protocol
    from conversations
    where cast({{ quote('date') }} as date) < cast('{{ var("partition_date") }}' as date)
),

dates_compared as (
    select count(distinct {{ quote('date') }}) as dates_compared
    from conversations
    where cast({{ quote('date') }} as date) < cast('{{ var("partition_date") }}' as date)
),

final as (
    select
        on_the_date.client_name,
        on_the_date.client_type,
        on_the_date.server_name,
        on_the_date.server_type,
        on_the_date.server_port,
        on_the_date.protocol,
        on_the_date.service,
        on_the_date.bytes,
        on_the_date.flows,
        on_the_date.first_seen,
        dates_compared.dates_compared
    from on_the_date
    cross join dates_compared
    left join earlier
        on
            on_the_date.client_name = earlier.client_name
            and on_the_date.server_name = earlier.server_name
            and on_the_date.server_port = earlier.server_port
            and on_the_date.protocol = earlier.protocol
    where earlier.client_name is null and dates_compared.dates_compared > 0
)

select * from final
