-- grain: one row per (srcaddr, srcport, dstaddr, dstport, protocol, action), counted once
-- AWS logs a packet at every ENI it crosses: at both ENIs when both ends are in the account.
-- Each ENI's view of a direction is summed; the view with the most bytes is kept, the others
-- are duplicates (still summed in bytes_logged, so the conservation check sees every byte).
-- What AWS says of the path and the AWS service is taken from every view of the direction: only
-- the sender's ENI logs it as egress, the one record that carries traffic_path (format v5), and a
-- pkt-*-aws-service names the packet's own address, so it counts only where srcaddr / dstaddr is
-- that address (a NAT gateway's or a transit gateway's ENI logs others' packets).
with

records as (
    select * from {{ ref('stg_lake__raw_flow_logs') }}
    where log_status = 'OK'
),

interfaces as (
    select * from {{ ref('int_interfaces_classified') }}
),

per_interface as (
    select
        records.interface_id,
        records.srcaddr,
        records.srcport,
        records.dstaddr,
        records.dstport,
        records.protocol,
        records.action,
        cast(sum(records.bytes) as bigint) as bytes,
        cast(sum(records.packets) as bigint) as packets,
        count(*) as records,
        min(records.start_time) as first_seen,
        max(records.end_time) as last_seen,
        max(case when {{ bit_and('records.tcp_flags', 18) }} = 2 then 1 else 0 end)
            as sent_syn,
        max(case when {{ bit_and('records.tcp_flags', 18) }} = 18 then 1 else 0 end)
            as sent_syn_ack,
        coalesce(max(case when interfaces.is_transit then 1 else 0 end), 0) = 1
            as is_transit,
        max(
            case
                when coalesce(records.flow_direction, 'egress') = 'egress'
                    then records.traffic_path
            end
        ) as traffic_path,
        max(
            case
                when coalesce(records.pkt_srcaddr, records.srcaddr) = records.srcaddr
                    then records.pkt_src_aws_service
            end
        ) as src_aws_service,
        max(
            case
                when coalesce(records.pkt_dstaddr, records.dstaddr) = records.dstaddr
                    then records.pkt_dst_aws_service
            end
        ) as dst_aws_service
    from records
    left join interfaces
        on records.interface_id = interfaces.interface_id
    group by
        records.interface_id,
        records.srcaddr,
        records.srcport,
        records.dstaddr,
        records.dstport,
        records.protocol,
        records.action
),

ranked as (
    select
        *,
        row_number() over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
            order by bytes desc, packets desc, interface_id asc nulls last
        ) as view_rank,
        cast(sum(bytes) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as bigint) as bytes_logged,
        cast(sum(packets) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as bigint) as packets_logged,
        count(*) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as interfaces_logged,
        max(traffic_path) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as path_logged,
        max(src_aws_service) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as src_service_logged,
        max(dst_aws_service) over (
            partition by srcaddr, srcport, dstaddr, dstport, protocol, action
        ) as dst_service_logged
    from per_interface
),

final as (
    select
        interface_id,
        srcaddr,
        srcport,
        dstaddr,
        dstport,
        protocol,
        action,
        bytes,
        packets,
        records,
        first_seen,
        last_seen,
        sent_syn,
        sent_syn_ack,
        is_transit,
        bytes_logged,
        packets_logged,
        interfaces_logged,
        path_logged as traffic_path,
        src_service_logged as src_aws_service,
        dst_service_logged as dst_aws_service
    from ranked
    where view_rank = 1
)

select * from final
