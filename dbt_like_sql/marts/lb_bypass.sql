-- grain: one row per (target_name, port, protocol, client_name): LB targets reached directly
-- A target is an address that accepted traffic from a load balancer (client_type elb:*) on a port
-- in the window; any other client reaching that address on that port bypasses the balancer.
-- Limit: a network load balancer that preserves client addresses makes its clients look direct.
with

conversations as (
    select * from {{ ref('int_conversations_accepted') }}
),

targets as (
    select
        server_ip,
        server_port,
        protocol,
        count(distinct coalesce(client_id, client_ip)) as load_balancer_count
    from conversations
    where client_type like 'elb:%'
    group by server_ip, server_port, protocol
),

direct as (
    select
        conversations.*,
        targets.load_balancer_count
    from conversations
    inner join targets
        on
            conversations.server_ip = targets.server_ip
            and conversations.server_port = targets.server_port
            and conversations.protocol = targets.protocol
    where conversations.client_type not like 'elb:%'
),

final as (
    select
        server_name as target_name,
        server_type as target_type,
        count(distinct coalesce(server_id, server_ip)) as target_count,
        server_port as port,
        protocol_name as protocol,
        client_name,
        client_type,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        max(load_balancer_count) as load_balancer_count,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(flows) as bigint) as flows,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from direct
    group by server_name, server_type, server_port, protocol_name, client_name, client_type
)

select * from final
