-- grain: one row per (file system, client name, client AZ, mount target AZ): who uses each EFS
with

conversations as (
    select * from {{ ref('conversations') }}
    where action = 'ACCEPT' and server_type = 'efs:mount-target' and server_port = 2049
),

final as (
    select
        server_id as file_system_id,
        server_name as file_system_name,
        client_name,
        client_type,
        client_az,
        server_az as mount_target_az,
        count(distinct coalesce(client_id, client_ip)) as client_count,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(flows) as bigint) as flows,
        max(case when cross_az then 1 else 0 end) = 1 as cross_az
    from conversations
    group by server_id, server_name, client_name, client_type, client_az, server_az
)

select * from final
