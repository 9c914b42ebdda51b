-- grain: one row per (dst_name, dst_port): who is probed on SSH (22) and RDP (3389), and from where
-- Every TCP conversation to port 22 or 3389, accepted or rejected. Sources are counted by address;
-- accepted_internet_flows are connections from outside the VPC that got in (client_type
-- internet), the exposure to look at first; accepted_internal_flows are the expected admin use.
with

conversations as (
    select * from {{ ref('conversations') }}
    where
        server_port in (22, 3389)
        and protocol = 6
        and traffic_class != 'nat-gateway-transit'
),

final as (
    select
        server_name as dst_name,
        max(server_type) as dst_type,
        count(distinct coalesce(server_id, server_ip)) as dst_count,
        server_port as dst_port,
        max(service) as service,
        count(distinct client_ip) as source_count,
        count(
            distinct case when client_type = 'internet' then client_ip end
        ) as internet_source_count,
        cast(sum(case when action = 'REJECT' then flows else 0 end) as bigint) as rejected_flows,
        cast(
            sum(case when action = 'ACCEPT' and client_type = 'internet' then flows else 0 end)
            as bigint
        ) as accepted_internet_flows,
        cast(
            sum(case when action = 'ACCEPT' and client_type != 'internet' then flows else 0 end)
            as bigint
        ) as accepted_internal_flows,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from conversations
    group by server_name, server_port
)

select * from final
