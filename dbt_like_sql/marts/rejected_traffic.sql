-- grain: one row per (src_addr, dst_name, dst_port, protocol), the top_n by flows
-- Rejected traffic (security groups and network ACLs); the source is the conversation's client,
-- kept by address for drill-down, named when it is known. A rejected connection carries no
-- response, so its bytes are only the attempts'; flows count distinct source ports.
with

conversations as (
    select * from {{ ref('conversations') }}
    where action = 'REJECT'
),

attempts as (
    select
        client_ip as src_addr,
        max(client_name) as src_name,
        max(client_type) as src_type,
        server_name as dst_name,
        max(server_type) as dst_type,
        count(distinct server_ip) as dst_addr_count,
        server_port as dst_port,
        protocol_name as protocol,
        max(service) as service,
        cast(sum(flows) as bigint) as flows,
        cast(sum(packets) as bigint) as packets,
        cast(sum(bytes) as bigint) as bytes,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from conversations
    group by client_ip, server_name, server_port, protocol_name
),

ranked as (
    select
        *,
        cast(row_number() over (
            order by
                flows desc,
                packets desc,
                src_addr asc nulls last,
                dst_name asc,
                dst_port asc nulls last,
                protocol asc
        ) as bigint) as rank
    from attempts
),

final as (
    select
        rank,
        src_addr,
        src_name,
        src_type,
        dst_name,
        dst_type,
        dst_addr_count,
        dst_port,
        protocol,
        service,
        flows,
        packets,
        bytes,
        first_seen,
        last_seen
    from ranked
    where rank <= {{ var('top_n') }}
)

select * from final
