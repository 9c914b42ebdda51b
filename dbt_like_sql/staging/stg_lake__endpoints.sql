-- grain: one row per address seen in the window and owner valid in it, named (inventory,
-- AWS ranges, CIDR book); a flow is named by the row whose [valid_from, valid_to) holds
-- its start (unix seconds; null: unbounded)
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
        network_kind,
        valid_from,
        valid_to
    from source
)

select * from final
