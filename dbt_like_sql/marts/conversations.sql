-- grain: one row per (client_ip, server_ip, server_port, protocol, action) in the window, and per
-- owner of each address when it was reused: a flow is named by the endpoints row whose
-- [valid_from, valid_to) holds the flow's first start
-- bytes_up flow client -> server, bytes_down server -> client; each exchange is counted once
-- (int_flows_deduplicated); bytes_logged is every byte AWS logged for it, duplicates included.
-- traffic_class, by the first rule that applies (traffic_class_basis says which):
-- - nat-gateway-transit: records a NAT gateway's ENI captured (its own hops; basis address-book);
-- - traffic-path: AWS's code on the client's egress records (format v5, seeds/traffic_paths.csv).
--   Code 1 (through a resource with an ENI in the VPC) is refined by the ends: vpc-endpoint (an
--   interface endpoint serves), transit-gateway (a transit gateway attachment's ENI at either end,
--   or two VPCs), nat-gateway (a public server: reached through a NAT gateway or middlebox),
--   cross-az / same-az (by AZ id), else same-vpc; code 2 to an AWS range is aws-service (an
--   internet gateway or a gateway endpoint: AWS does not say which);
-- - address-book: the ends as the inventory and the CIDR book name them: vpc-endpoint,
--   transit-gateway, nat-gateway, peering (a peered VPC's CIDR), aws-service, internet (an internet
--   gateway or a NAT gateway: the address book cannot tell), cross-az / same-az, else unknown.
with

flows as (
    select * from {{ ref('int_flows_oriented') }}
),

endpoints as (
    select * from {{ ref('stg_lake__endpoints') }}
),

protocols as (
    select * from {{ ref('protocol_numbers') }}
),

service_ports as (
    select * from {{ ref('service_ports') }}
),

traffic_paths as (
    select * from {{ ref('traffic_paths') }}
),

basis_ranks as (
    select
        *,
        case direction_basis
            when 'tcp-flags' then 1
            when 'address-book' then 2
            when 'peer-count' then 3
            when 'service-port' then 4
            when 'lower-port' then 5
            else 6
        end as basis_rank
    from flows
),

owned as (
    select
        basis_ranks.*,
        client_owner.valid_from as client_valid_from,
        server_owner.valid_from as server_valid_from
    from basis_ranks
    left join endpoints as client_owner
        on
            basis_ranks.client_ip = client_owner.ip
            and (
                client_owner.valid_from is null
                or basis_ranks.first_seen >= client_owner.valid_from
            )
            and (client_owner.valid_to is null or basis_ranks.first_seen < client_owner.valid_to)
    left join endpoints as server_owner
        on
            basis_ranks.server_ip = server_owner.ip
            and (
                server_owner.valid_from is null
                or basis_ranks.first_seen >= server_owner.valid_from
            )
            and (server_owner.valid_to is null or basis_ranks.first_seen < server_owner.valid_to)
),

aggregated as (
    select
        client_ip,
        client_valid_from,
        server_ip,
        server_valid_from,
        server_port,
        protocol,
        action,
        cast(sum(case when is_upstream then bytes else 0 end) as bigint) as bytes_up,
        cast(sum(case when is_upstream then 0 else bytes end) as bigint) as bytes_down,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(case when is_upstream then packets else 0 end) as bigint) as packets_up,
        cast(sum(case when is_upstream then 0 else packets end) as bigint) as packets_down,
        cast(sum(packets) as bigint) as packets,
        count(distinct client_port) as flows,
        cast(sum(records) as bigint) as records,
        cast(sum(bytes_logged) as bigint) as bytes_logged,
        cast(sum(packets_logged) as bigint) as packets_logged,
        max(interfaces_logged) as interfaces_logged,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen,
        max(case when is_transit then 1 else 0 end) = 1 as is_transit,
        max(traffic_path) as traffic_path,
        max(server_aws_service) as aws_service,
        min(basis_rank) as basis_rank
    from owned
    group by
        client_ip, client_valid_from, server_ip, server_valid_from, server_port, protocol, action
),

named as (
    select
        aggregated.*,
        coalesce(client.entity_name, aggregated.client_ip) as client_name,
        coalesce(client.entity_type, 'unknown') as client_type,
        client.entity_id as client_id,
        client.account_id as client_account_id,
        client.vpc_id as client_vpc_id,
        client.subnet_id as client_subnet_id,
        client.availability_zone as client_az,
        client.availability_zone_id as client_az_id,
        client.network_kind as client_network_kind,
        coalesce(server.entity_name, aggregated.server_ip) as server_name,
        coalesce(server.entity_type, 'unknown') as server_type,
        server.entity_id as server_id,
        server.account_id as server_account_id,
        server.vpc_id as server_vpc_id,
        server.subnet_id as server_subnet_id,
        server.availability_zone as server_az,
        server.availability_zone_id as server_az_id,
        server.network_kind as server_network_kind,
        traffic_paths.traffic_class as path_class,
        coalesce(
            protocols.protocol_name, cast(aggregated.protocol as {{ text_type() }})
        ) as protocol_name,
        service_ports.service
    from aggregated
    left join endpoints as client
        on
            aggregated.client_ip = client.ip
            and aggregated.client_valid_from is not distinct from client.valid_from
    left join endpoints as server
        on
            aggregated.server_ip = server.ip
            and aggregated.server_valid_from is not distinct from server.valid_from
    left join protocols
        on aggregated.protocol = protocols.protocol
    left join service_ports
        on
            aggregated.server_port = service_ports.port
            and aggregated.protocol = service_ports.protocol
    left join traffic_paths
        on aggregated.traffic_path = traffic_paths.traffic_path
),

classified as (
    select
        *,
        case
            when is_transit then 'nat-gateway-transit'
            when traffic_path = 1 and server_type = 'vpc-endpoint' then 'vpc-endpoint'
            when
                traffic_path = 1
                and (
                    'transit-gateway' in (client_type, server_type)
                    or client_vpc_id != server_vpc_id
                )
                then 'transit-gateway'
            when traffic_path = 1 and server_type in ('internet', 'aws:service') then 'nat-gateway'
            when traffic_path = 1 and client_az_id != server_az_id then 'cross-az'
            when traffic_path = 1 and client_az_id = server_az_id then 'same-az'
            when traffic_path = 2 and server_type = 'aws:service' then 'aws-service'
            when path_class is not null then path_class
            when 'vpc-endpoint' in (client_type, server_type) then 'vpc-endpoint'
            when 'transit-gateway' in (client_type, server_type) then 'transit-gateway'
            when 'nat-gateway' in (client_type, server_type) then 'nat-gateway'
            when 'peered-vpc' in (client_network_kind, server_network_kind) then 'peering'
            when client_type = 'aws:service' or server_type = 'aws:service' then 'aws-service'
            when client_type = 'internet' or server_type = 'internet' then 'internet'
            when client_az_id != server_az_id then 'cross-az'
            when client_az_id = server_az_id then 'same-az'
            else 'unknown'
        end as traffic_class,
        case
            when path_class is not null and not is_transit then 'traffic-path'
            else 'address-book'
        end as traffic_class_basis
    from named
),

final as (
    select
        client_ip,
        client_name,
        client_type,
        client_id,
        client_account_id,
        client_vpc_id,
        client_subnet_id,
        client_az,
        client_az_id,
        server_ip,
        server_name,
        server_type,
        server_id,
        server_account_id,
        server_vpc_id,
        server_subnet_id,
        server_az,
        server_az_id,
        server_port,
        protocol,
        protocol_name,
        service,
        action,
        bytes_up,
        bytes_down,
        bytes,
        packets_up,
        packets_down,
        packets,
        flows,
        records,
        bytes_logged,
        packets_logged,
        interfaces_logged,
        first_seen,
        last_seen,
        coalesce(client_az_id != server_az_id, false) as cross_az,
        traffic_path,
        aws_service,
        traffic_class,
        traffic_class_basis,
        case basis_rank
            when 1 then 'tcp-flags'
            when 2 then 'address-book'
            when 3 then 'peer-count'
            when 4 then 'service-port'
            when 5 then 'lower-port'
            else 'first-seen'
        end as direction_basis
    from classified
)

select * from final
