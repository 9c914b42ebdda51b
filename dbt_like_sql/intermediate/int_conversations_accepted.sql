-- grain: one row per accepted conversation of the window, NAT gateway transit views left out
-- What most rollups count: traffic that got through, once per exchange (the client's own view of an
-- exchange through a NAT gateway counts, the gateway's hops do not). Every column of conversations
-- passes through, hence the noqa on the last line.
with

conversations as (
    select * from {{ ref('conversations') }}
),

final as (
    select * from conversations
    where action = 'ACCEPT' and traffic_class != 'nat-gateway-transit'
)

select * from final  -- noqa: AM04
