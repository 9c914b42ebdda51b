-- grain: one row per flow log record whose start falls in the window, as AWS delivered it
with

source as (
    select * from {{ source('lake', 'raw_flow_logs') }}
),

final as (
    select
        interface_id,
        account_id,
        srcaddr,
        dstaddr,
        srcport,
        dstport,
        protocol,
        packets,
        bytes,
        start as start_time,
        {{ quote('end') }} as end_time,
        action,
        log_status,
        tcp_flags,
        flow_direction,
        traffic_path,
        pkt_srcaddr,
        pkt_dstaddr,
        pkt_src_aws_service,
        pkt_dst_aws_service
    from source
)

select * from final
