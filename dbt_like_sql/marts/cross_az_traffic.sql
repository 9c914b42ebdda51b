-- grain: one row per (client_name, client_az, server_name, server_az, server_port, protocol)
-- Accepted traffic between ends placed in two different availability zones (by AZ id).
-- Cost: AWS bills regional data transfer "in each direction": the sending and the receiving
-- resource each pay the per-GB price for every byte that crosses (two DataTransfer-Regional-Bytes
-- line items per transfer), so est_cost_usd = (bytes_up + bytes_down) / GB * 2 * price. A GB is
-- taken as 2^30 bytes, as AWS billing counts data transfer GB; prices are USD per GB.
-- The hop from an instance to a NAT gateway in another AZ is a NAT transit view, yet it is billed
-- and logged nowhere else, so it is kept (server_type 'nat-gateway'); the gateway's internet hop
-- has no AZ on the far side and is not cross-AZ. Traffic between an application load balancer and
-- its targets is not charged by AWS (cross-zone is built into the ALB): shown, billed = false.
{%- set bytes_per_gb = 1024 * 1024 * 1024 %}

with

conversations as (
    select * from {{ ref('conversations') }}
    where action = 'ACCEPT' and cross_az
),

pairs as (
    select
        client_name,
        client_type,
        client_az,
        server_name,
        server_type,
        server_az,
        server_port,
        protocol_name as protocol,
        max(service) as service,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(flows) as bigint) as flows,
        'elb:application' not in (client_type, server_type) as billed
    from conversations
    group by
        client_name,
        client_type,
        client_az,
        server_name,
        server_type,
        server_az,
        server_port,
        protocol_name
),

final as (
    select
        client_name,
        client_type,
        client_az,
        server_name,
        server_type,
        server_az,
        server_port,
        protocol,
        service,
        bytes,
        bytes_up,
        bytes_down,
        flows,
        billed,
        case
            when billed
                then
                    cast(bytes as double) / {{ bytes_per_gb }} * 2
                    * {{ var('cross_az_usd_per_gb') }}
            else 0.0
        end as est_cost_usd
    from pairs
)

select * from final
