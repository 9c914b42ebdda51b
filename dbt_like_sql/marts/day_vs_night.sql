-- grain: one row per (client_name, server_name, server_port, protocol) over a date's two windows
-- What grows at night (backups, batch runs): accepted traffic of each named pair and port in the
-- day window and in the night window, ranked by night_bytes - day_bytes, largest growth first.
-- NAT gateway transit views are left out: the client's own view of the exchange counts.
-- night_share is the night's part of the pair's date total; night_to_day_ratio is null when the
-- pair moved nothing by day.
{{ config(grain='date') }}

with

conversations as (
    select * from {{ ref('int_conversations_accepted') }}
),

pairs as (
    select
        client_name,
        server_name,
        server_port,
        protocol_name as protocol,
        max(service) as service,
        cast(
            sum(case when {{ quote('window') }} = 'day' then bytes else 0 end) as bigint
        ) as day_bytes,
        cast(
            sum(case when {{ quote('window') }} = 'night' then bytes else 0 end) as bigint
        ) as night_bytes
    from conversations
    group by client_name, server_name, server_port, protocol_name
),

ranked as (
    select
        *,
        night_bytes - day_bytes as night_growth_bytes,
        cast(row_number() over (
            order by
                night_bytes - day_bytes desc,
                client_name asc,
                server_name asc,
                server_port asc nulls last,
                protocol asc
        ) as bigint) as rank
    from pairs
),

final as (
    select
        rank,
        client_name,
        server_name,
        server_port,
        protocol,
        service,
        day_bytes,
        night_bytes,
        night_growth_bytes,
        cast(night_bytes as double) / nullif(day_bytes + night_bytes, 0) as night_share,
        cast(night_bytes as double) / nullif(day_bytes, 0) as night_to_day_ratio
    from ranked
    where rank <= {{ var('top_n') }}
)

select * from final
