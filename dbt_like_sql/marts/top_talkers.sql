-- grain: one row per (client_name, client_type, server_name, server_type, server_port, protocol)
-- Accepted traffic between named ends; instances sharing a Name tag are one row, counted in
-- client_count / server_count. NAT gateway transit views are left out: the client's own
-- view of the exchange counts.
with

conversations as (
    select * from {{ ref('int_conversations_accepted') }}
),

pairs as (
    select
        client_name,
        client_type,
        server_name,
        server_type,
        server_port,
        protocol_name as protocol,
        max(service) as service,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(packets) as bigint) as packets,
        cast(sum(flows) as bigint) as flows,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        count(distinct coalesce(server_id, server_ip)) as server_count,
        max(case when cross_az then 1 else 0 end) = 1 as cross_az
    from conversations
    group by client_name, client_type, server_name, server_type, server_port, protocol_name
),

ranked as (
    select
        *,
        cast(row_number() over (
            order by
                bytes desc,
                client_name asc,
                client_type asc,
                server_name asc,
                server_type asc,
                server_port asc nulls last,
                protocol asc
        ) as bigint) as rank
    from pairs
),

final as (
    select
        rank,
        client_name,
        client_type,
        client_count,
        server_name,
        server_type,
        server_count,
        server_port,
        protocol,
        service,
        bytes,
        bytes_up,
        bytes_down,
        packets,
        flows,
        cross_az
    from ranked
    where rank <= {{ var('top_n') }}
)

select * from final
