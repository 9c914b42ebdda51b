-- grain: one row per (server name, client name, client AZ, server AZ): NFS that is not EFS
-- The counterpart of efs_clients: accepted NFS (port 2049) to any server that is not an EFS mount
-- target, such as a self-managed NFS instance, an FSx file system or an address outside the VPC.
with

conversations as (
    select * from {{ ref('conversations') }}
    where
        action = 'ACCEPT'
        and server_port = 2049
        and server_type != 'efs:mount-target'
        and traffic_class != 'nat-gateway-transit'
),

final as (
    select
        server_name,
        server_type,
        client_name,
        client_type,
        client_az,
        server_az,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(flows) as bigint) as flows,
        max(case when cross_az then 1 else 0 end) = 1 as cross_az
    from conversations
    group by server_name, server_type, client_name, client_type, client_az, server_az
)

select * from final
