-- grain: one row per address seen in the window, named (inventory, AWS ranges, CIDR book)
with

source as (
    select * from {{ source('lake', 'endpoints') }}
),

final as (
    select
        ip,
        entity_type,
        entity_name,
        entity_id,
        interface_id,
        account_id,
        vpc_id,
        subnet_id,
        availability_zone,
        availability_zone_id,
        network_kind
    from source
)

select * from final
