-- grain: one row per ENI of the inventory, and whether it forwards others' traffic (NAT)
with

addresses as (
    select * from {{ ref('stg_lake__address_book') }}
),

final as (
    select
        interface_id,
        max(entity_type) as entity_type,
        max(case when entity_type = 'nat-gateway' then 1 else 0 end) = 1 as is_transit
    from addresses
    where interface_id is not null
    group by interface_id
)

select * from final
