-- grain: one row per (server_port, protocol), the top_n by bytes
-- Accepted traffic only (rejected_traffic has the rest); NAT gateway transit views are left out,
-- as in top_talkers, so each exchange counts once. Clients and servers are counted as resources
-- (an entity id, else the address): a load balancer with an ENI per subnet is one client.
with

conversations as (
    select * from {{ ref('int_conversations_accepted') }}
),

ports as (
    select
        server_port,
        protocol_name as protocol,
        max(service) as service,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(packets) as bigint) as packets,
        cast(sum(flows) as bigint) as flows,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        count(distinct coalesce(server_id, server_ip)) as server_count
    from conversations
    group by server_port, protocol_name
),

ranked as (
    select
        *,
        cast(row_number() over (
            order by bytes desc, server_port asc nulls last, protocol asc
        ) as bigint) as rank
    from ports
),

final as (
    select
        rank,
        server_port,
        protocol,
        service,
        bytes,
        bytes_up,
        bytes_down,
        packets,
        flows,
        client_count,
        server_count
    from ranked
    where rank <= {{ var('top_n') }}
)

select * from final
