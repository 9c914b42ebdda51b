-- grain: one row per (function, database, port): Lambda functions connecting to RDS directly
-- A function behind RDS Proxy talks to the proxy's ENIs, which are not rds:db, so every row here
-- is a function opening its own database connections (a connection-exhaustion risk at scale).
with

conversations as (
    select * from {{ ref('conversations') }}
    where action = 'ACCEPT' and client_type = 'lambda:function' and server_type = 'rds:db'
),

final as (
    select
        client_name as function_name,
        server_name as database_name,
        server_port as port,
        max(service) as service,
        cast(sum(bytes) as bigint) as bytes,
        cast(sum(bytes_up) as bigint) as bytes_up,
        cast(sum(bytes_down) as bigint) as bytes_down,
        cast(sum(flows) as bigint) as flows,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen
    from conversations
    group by client_name, server_name, server_port
)

select * from final
