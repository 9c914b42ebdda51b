-- grain: one row per address the inventory knows (an ENI's private or public address)
with

source as (
    select * from {{ source('lake', 'address_book') }}
),

final as (
    select
        ip,
        interface_id,
        entity_type,
        entity_name,
        entity_id
    from source
)

select * from final
