-- grain: one row per (srcaddr, srcport, dstaddr, dstport, protocol, action), client -> server
-- The two directions of a connection are decided together, by the first rule that applies:
-- 1 tcp-flags (who sent SYN, who SYN-ACK), 2 address-book (an end that only serves: EFS, RDS and
-- its proxies, ElastiCache, endpoints, AWS services), 3 service-port (a port below 1024 or in
-- seeds/service_ports.csv against one in the Linux ephemeral range, 32768 and up), 4 peer-count (an
-- address:port that talks to more distinct peers in the window, at least 2, serves them: load
-- balancers pick source ports anywhere in 1024-65535, so a client port can be a "service" port),
-- 5 service-port (against any other port), 6 lower-port, 7 first-seen (the first direction is the
-- client's).
with

flows as (
    select * from {{ ref('int_flows_deduplicated') }}
),

endpoints as (
    select * from {{ ref('stg_lake__endpoints') }}
),

service_ports as (
    select * from {{ ref('service_ports') }}
),

sided as (
    select
        *,
        coalesce(srcaddr < dstaddr or (srcaddr = dstaddr and srcport <= dstport), true) as src_is_a
    from flows
),

canonical as (
    select
        *,
        case when src_is_a then srcaddr else dstaddr end as a_addr,
        case when src_is_a then srcport else dstport end as a_port,
        case when src_is_a then dstaddr else srcaddr end as b_addr,
        case when src_is_a then dstport else srcport end as b_port
    from sided
),

connections as (
    select
        a_addr,
        a_port,
        b_addr,
        b_port,
        protocol,
        max(case when src_is_a then sent_syn else 0 end) as a_sent_syn,
        max(case when src_is_a then sent_syn_ack else 0 end) as a_sent_syn_ack,
        max(case when not src_is_a then sent_syn else 0 end) as b_sent_syn,
        max(case when not src_is_a then sent_syn_ack else 0 end) as b_sent_syn_ack,
        min(case when src_is_a then first_seen end) as a_first_sent,
        min(case when not src_is_a then first_seen end) as b_first_sent,
        min(first_seen) as started,
        max(case when is_transit then 1 else 0 end) as is_transit
    from canonical
    group by a_addr, a_port, b_addr, b_port, protocol
),

-- a NAT gateway's views repeat its clients' own connections: they are not more peers
endpoint_sides as (
    select
        a_addr as addr,
        a_port as port,
        protocol
    from connections
    where is_transit = 0
    union all
    select
        b_addr as addr,
        b_port as port,
        protocol
    from connections
    where is_transit = 0
),

peer_counts as (
    select
        addr,
        port,
        protocol,
        count(*) as peers
    from endpoint_sides
    group by addr, port, protocol
),

with_evidence as (
    select
        connections.*,
        coalesce(a_peers.peers, 1) as a_peers,
        coalesce(b_peers.peers, 1) as b_peers,
        coalesce(
            a_end.entity_type in (
                'efs:mount-target', 'rds:db', 'rds:proxy', 'elasticache:cluster',
                'vpc-endpoint', 'aws:service'
            ),
            false
        ) as a_only_serves,
        coalesce(
            b_end.entity_type in (
                'efs:mount-target', 'rds:db', 'rds:proxy', 'elasticache:cluster',
                'vpc-endpoint', 'aws:service'
            ),
            false
        ) as b_only_serves,
        connections.a_port < 1024 or a_service.port is not null as a_on_service_port,
        connections.b_port < 1024 or b_service.port is not null as b_on_service_port
    from connections
    left join peer_counts as a_peers
        on
            connections.a_addr = a_peers.addr
            and connections.a_port = a_peers.port
            and connections.protocol = a_peers.protocol
    left join peer_counts as b_peers
        on
            connections.b_addr = b_peers.addr
            and connections.b_port = b_peers.port
            and connections.protocol = b_peers.protocol
    left join endpoints as a_end
        on
            connections.a_addr = a_end.ip
            and (a_end.valid_from is null or connections.started >= a_end.valid_from)
            and (a_end.valid_to is null or connections.started < a_end.valid_to)
    left join endpoints as b_end
        on
            connections.b_addr = b_end.ip
            and (b_end.valid_from is null or connections.started >= b_end.valid_from)
            and (b_end.valid_to is null or connections.started < b_end.valid_to)
    left join service_ports as a_service
        on connections.a_port = a_service.port and connections.protocol = a_service.protocol
    left join service_ports as b_service
        on connections.b_port = b_service.port and connections.protocol = b_service.protocol
),

decided as (
    select
        a_addr,
        a_port,
        b_addr,
        b_port,
        protocol,
        case
            when b_sent_syn = 1 or a_sent_syn_ack = 1 then true
            when a_sent_syn = 1 or b_sent_syn_ack = 1 then false
            when a_only_serves and not b_only_serves then true
            when b_only_serves and not a_only_serves then false
            when a_on_service_port and not b_on_service_port and b_port >= 32768 then true
            when b_on_service_port and not a_on_service_port and a_port >= 32768 then false
            when a_peers > b_peers and a_peers >= 2 then true
            when b_peers > a_peers and b_peers >= 2 then false
            when a_on_service_port and not b_on_service_port then true
            when b_on_service_port and not a_on_service_port then false
            when a_port < b_port then true
            when b_port < a_port then false
            else coalesce(b_first_sent < a_first_sent, false)
        end as a_is_server,
        case
            when
                b_sent_syn = 1 or a_sent_syn_ack = 1 or a_sent_syn = 1 or b_sent_syn_ack = 1
                then 'tcp-flags'
            when a_only_serves != b_only_serves then 'address-book'
            when
                (a_on_service_port and not b_on_service_port and b_port >= 32768)
                or (b_on_service_port and not a_on_service_port and a_port >= 32768)
                then 'service-port'
            when a_peers != b_peers and greatest(a_peers, b_peers) >= 2 then 'peer-count'
            when a_on_service_port != b_on_service_port then 'service-port'
            when a_port != b_port then 'lower-port'
            else 'first-seen'
        end as direction_basis
    from with_evidence
),

final as (
    select
        canonical.srcaddr,
        canonical.srcport,
        canonical.dstaddr,
        canonical.dstport,
        canonical.protocol,
        canonical.action,
        canonical.bytes,
        canonical.packets,
        canonical.records,
        canonical.first_seen,
        canonical.last_seen,
        canonical.is_transit,
        canonical.bytes_logged,
        canonical.packets_logged,
        canonical.interfaces_logged,
        decided.direction_basis,
        case
            when canonical.src_is_a != decided.a_is_server then canonical.traffic_path
        end as traffic_path,
        case
            when canonical.src_is_a != decided.a_is_server then canonical.dst_aws_service
            else canonical.src_aws_service
        end as server_aws_service,
        case
            when decided.a_is_server then canonical.b_addr else canonical.a_addr
        end as client_ip,
        case
            when decided.a_is_server then canonical.b_port else canonical.a_port
        end as client_port,
        case
            when decided.a_is_server then canonical.a_addr else canonical.b_addr
        end as server_ip,
        case
            when decided.a_is_server then canonical.a_port else canonical.b_port
        end as server_port,
        canonical.src_is_a != decided.a_is_server as is_upstream
    from canonical
    inner join decided
        on
            canonical.a_addr is not distinct from decided.a_addr
            and canonical.a_port is not distinct from decided.a_port
            and canonical.b_addr is not distinct from decided.b_addr
            and canonical.b_port is not distinct from decided.b_port
            and canonical.protocol is not distinct from decided.protocol
)

select * from final
