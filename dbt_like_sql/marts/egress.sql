-- grain: one row per (client_name, client_type, path, destination): what leaves the VPC, and how
-- A conversation is egress when its client is an inventory resource and its server is on the
-- internet, an AWS service range, or an interface VPC endpoint, or AWS's traffic_path says it
-- crossed a VPC peering connection. The path, by the first rule that applies:
-- - vpc-endpoint: the server is an interface endpoint's ENI (destination: the endpoint's name);
-- - the client's traffic_path (format v5), seeds/traffic_paths.csv egress_path: 1 nat-gateway
--   (a public server reached through a resource in the VPC: a NAT gateway, or a middlebox),
--   2 and 8 igw (2 may also be a gateway endpoint: AWS does not say which), 7 gateway-endpoint,
--   4 and 5 peering, 3 virtual-private-gateway, 6 local-gateway;
-- - without traffic_path, from v2 fields only: nat-gateway when a NAT gateway's own log holds
--   both hops of this exchange (the client to the gateway, and the gateway to this server on this
--   port), else igw, which then also holds gateway endpoints (S3, DynamoDB). If the clients behind
--   a NAT gateway have no flow log, their egress is seen only as NAT transit and is not here.
-- Only exchanges the client started are here: responses to internet clients (a load balancer's)
-- also leave AWS but are ingress conversations.
-- est_cost_usd, GB = 2^30 bytes (as AWS billing counts data transfer GB), prices in USD per GB:
-- transfer out to the internet (bytes_up; data in is free), plus processing of the bytes both
-- ways by a NAT gateway or an interface endpoint. Transfer to an AWS service is priced 0: it is
-- free within the region (the service's region is in its name); inter-region is not estimated,
-- nor is peering's data transfer. A gateway endpoint has no processing charge.
{%- set bytes_per_gb = 1024 * 1024 * 1024 %}

with

conversations as (
    select * from {{ ref('conversations') }}
    where action = 'ACCEPT'
),

traffic_paths as (
    select * from {{ ref('traffic_paths') }}
),

transit as (
    select * from conversations
    where traffic_class = 'nat-gateway-transit'
),

nat_routes as (
    select
        to_nat.client_ip,
        from_nat.server_ip,
        from_nat.server_port,
        from_nat.protocol
    from transit as to_nat
    inner join transit as from_nat
        on
            to_nat.server_ip = from_nat.client_ip
            and to_nat.server_port = from_nat.server_port
            and to_nat.protocol = from_nat.protocol
    where to_nat.server_type = 'nat-gateway'
    group by to_nat.client_ip, from_nat.server_ip, from_nat.server_port, from_nat.protocol
),

outbound as (
    select
        conversations.*,
        traffic_paths.egress_path
    from conversations
    left join traffic_paths
        on conversations.traffic_path = traffic_paths.traffic_path
    where
        conversations.traffic_class != 'nat-gateway-transit'
        and conversations.client_type not in (
            'internet', 'aws:service', 'unknown-private', 'unknown'
        )
        and (
            conversations.server_type in ('internet', 'aws:service', 'vpc-endpoint')
            or traffic_paths.egress_path = 'peering'
        )
),

routed as (
    select
        outbound.client_name,
        outbound.client_type,
        outbound.client_id,
        outbound.client_ip,
        outbound.server_ip,
        outbound.server_type as destination_type,
        outbound.bytes_up,
        outbound.bytes_down,
        outbound.flows,
        case
            when outbound.server_type = 'vpc-endpoint' then 'vpc-endpoint'
            when outbound.egress_path is not null then outbound.egress_path
            when nat_routes.client_ip is not null then 'nat-gateway'
            else 'igw'
        end as path,
        case
            when outbound.server_type = 'internet' then 'internet'
            else outbound.server_name
        end as destination
    from outbound
    left join nat_routes
        on
            outbound.client_ip = nat_routes.client_ip
            and outbound.server_ip = nat_routes.server_ip
            and outbound.server_port = nat_routes.server_port
            and outbound.protocol = nat_routes.protocol
),

aggregated as (
    select
        client_name,
        client_type,
        path,
        destination,
        destination_type,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        count(distinct server_ip) as server_count,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(bytes_up + bytes_down) as bigint) as bytes,
        cast(sum(flows) as bigint) as flows
    from routed
    group by client_name, client_type, path, destination, destination_type
),

priced as (
    select
        *,
        case
            when destination_type = 'internet'
                then
                    cast(bytes_up as double) / {{ bytes_per_gb }}
                    * {{ var('internet_egress_usd_per_gb') }}
            else 0.0
        end as transfer_usd,
        case path
            when 'nat-gateway'
                then
                    cast(bytes as double) / {{ bytes_per_gb }}
                    * {{ var('nat_gateway_usd_per_gb') }}
            when 'vpc-endpoint'
                then
                    cast(bytes as double) / {{ bytes_per_gb }}
                    * {{ var('vpc_endpoint_usd_per_gb') }}
            else 0.0
        end as processing_usd
    from aggregated
),

final as (
    select
        client_name,
        client_type,
        client_count,
        path,
        destination,
        destination_type,
        server_count,
        bytes_up,
        bytes_down,
        bytes,
        flows,
        transfer_usd + processing_usd as est_cost_usd
    from priced
)

select * from final
