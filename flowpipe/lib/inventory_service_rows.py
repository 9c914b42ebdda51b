"""Flatteners for the address-bearing resources beyond the core VPC ones: Elastic IPs, gateways, peerings,
prefix lists, ECS tasks, ElastiCache, RDS clusters and proxies, classic ELBs and load balancer targets.

Pure functions over the shapes AWS documents for each call, so they are testable on literal dicts.
"""

import ipaddress

from flowpipe.lib.inventory_fields import joined, name_tag, tags_json

ECS_ENI_ATTACHMENT = "ElasticNetworkInterface"


def elastic_ip_rows(address: dict) -> list[dict]:
    return [
        {
            "public_ip": address.get("PublicIp"),
            "allocation_id": address.get("AllocationId"),
            "association_id": address.get("AssociationId"),
            "domain": address.get("Domain"),
            # moto writes "" for an address held by a NAT gateway's ENI
            "instance_id": address.get("InstanceId") or None,
            "network_interface_id": address.get("NetworkInterfaceId"),
            "network_interface_owner_id": address.get("NetworkInterfaceOwnerId"),
            "private_ip_address": address.get("PrivateIpAddress"),
            "name": name_tag(address.get("Tags")),
            "tags": tags_json(address.get("Tags")),
        }
    ]


def internet_gateway_rows(gateway: dict) -> list[dict]:
    return [
        {
            "internet_gateway_id": gateway["InternetGatewayId"],
            "vpc_ids": joined(attachment.get("VpcId") for attachment in gateway.get("Attachments", [])),
            "owner_id": gateway.get("OwnerId"),
            "name": name_tag(gateway.get("Tags")),
            "tags": tags_json(gateway.get("Tags")),
        }
    ]


def _peer_cidrs(info: dict) -> str | None:
    cidrs = [info.get("CidrBlock")]
    cidrs += [block.get("CidrBlock") for block in info.get("CidrBlockSet", [])]
    cidrs += [block.get("Ipv6CidrBlock") for block in info.get("Ipv6CidrBlockSet", [])]
    return joined(set(cidrs))


def peering_connection_rows(peering: dict) -> list[dict]:
    requester, accepter = peering.get("RequesterVpcInfo") or {}, peering.get("AccepterVpcInfo") or {}
    return [
        {
            "vpc_peering_connection_id": peering["VpcPeeringConnectionId"],
            "status": (peering.get("Status") or {}).get("Code"),
            "requester_vpc_id": requester.get("VpcId"),
            "requester_owner_id": requester.get("OwnerId"),
            "requester_region": requester.get("Region"),
            "requester_cidr_blocks": _peer_cidrs(requester),
            "accepter_vpc_id": accepter.get("VpcId"),
            "accepter_owner_id": accepter.get("OwnerId"),
            "accepter_region": accepter.get("Region"),
            "accepter_cidr_blocks": _peer_cidrs(accepter),
            "name": name_tag(peering.get("Tags")),
            "tags": tags_json(peering.get("Tags")),
        }
    ]


def transit_gateway_attachment_rows(attachment: dict) -> list[dict]:
    return [
        {
            "transit_gateway_attachment_id": attachment["TransitGatewayAttachmentId"],
            "transit_gateway_id": attachment.get("TransitGatewayId"),
            "transit_gateway_owner_id": attachment.get("TransitGatewayOwnerId"),
            "resource_type": attachment.get("ResourceType"),
            "resource_id": attachment.get("ResourceId"),
            "resource_owner_id": attachment.get("ResourceOwnerId"),
            "state": attachment.get("State"),
            "name": name_tag(attachment.get("Tags")),
            "tags": tags_json(attachment.get("Tags")),
        }
    ]


def prefix_list_entry_rows(prefix_list: dict, entries: list[dict]) -> list[dict]:
    """One row per CIDR of a managed prefix list (get_managed_prefix_list_entries)."""
    shared = {
        "prefix_list_id": prefix_list["PrefixListId"],
        "prefix_list_name": prefix_list.get("PrefixListName"),
        "prefix_list_arn": prefix_list.get("PrefixListArn"),
        "address_family": prefix_list.get("AddressFamily"),
        "owner_id": prefix_list.get("OwnerId"),
        "name": name_tag(prefix_list.get("Tags")),
        "tags": tags_json(prefix_list.get("Tags")),
    }
    return [
        {**shared, "cidr": entry.get("Cidr"), "entry_description": entry.get("Description")}
        for entry in entries
    ]


def service_of_group(group: str | None) -> str | None:
    """ECS's task group "service:NAME" (a service's task) or "family:NAME" (a standalone task) -> NAME."""
    return group.split(":", 1)[-1] if group else None


def ecs_task_rows(task: dict) -> list[dict]:
    """One row per ENI attachment of a describe_tasks item (awsvpc tasks have one)."""
    shared = {
        "task_arn": task["taskArn"],
        "cluster_arn": task.get("clusterArn"),
        "group": task.get("group"),
        "service_name": service_of_group(task.get("group")),
        "task_definition_arn": task.get("taskDefinitionArn"),
        "launch_type": task.get("launchType"),
        "last_status": task.get("lastStatus"),
        "availability_zone": task.get("availabilityZone"),
        "tags": tags_json(task.get("tags")),
    }
    rows = []
    for attachment in task.get("attachments", []):
        if attachment.get("type") != ECS_ENI_ATTACHMENT:
            continue
        details = {detail.get("name"): detail.get("value") for detail in attachment.get("details", [])}
        rows.append(
            {
                **shared,
                "attachment_id": attachment.get("id"),
                "network_interface_id": details.get("networkInterfaceId"),
                "private_ip_address": details.get("privateIPv4Address"),
                "subnet_id": details.get("subnetId"),
            }
        )
    return rows


def cache_cluster_rows(cluster: dict) -> list[dict]:
    nodes = [node.get("Endpoint") or {} for node in cluster.get("CacheNodes", [])]
    configuration = cluster.get("ConfigurationEndpoint") or {}
    return [
        {
            "cache_cluster_id": cluster["CacheClusterId"],
            "arn": cluster.get("ARN"),
            "engine": cluster.get("Engine"),
            "cache_node_type": cluster.get("CacheNodeType"),
            "status": cluster.get("CacheClusterStatus"),
            "replication_group_id": cluster.get("ReplicationGroupId"),
            "cache_subnet_group_name": cluster.get("CacheSubnetGroupName"),
            "security_group_ids": joined(
                group.get("SecurityGroupId") for group in cluster.get("SecurityGroups", [])
            ),
            "preferred_availability_zone": cluster.get("PreferredAvailabilityZone"),
            "node_endpoints": joined(
                f"{node['Address']}:{node.get('Port')}" for node in nodes if node.get("Address")
            ),
            "configuration_endpoint": configuration.get("Address"),
        }
    ]


def rds_cluster_rows(cluster: dict) -> list[dict]:
    return [
        {
            "db_cluster_identifier": cluster["DBClusterIdentifier"],
            "db_cluster_arn": cluster.get("DBClusterArn"),
            "engine": cluster.get("Engine"),
            "port": cluster.get("Port"),
            "endpoint_address": cluster.get("Endpoint"),
            "reader_endpoint_address": cluster.get("ReaderEndpoint"),
            "db_subnet_group_name": cluster.get("DBSubnetGroup"),
            "vpc_security_group_ids": joined(
                group.get("VpcSecurityGroupId") for group in cluster.get("VpcSecurityGroups", [])
            ),
            "member_instance_ids": joined(
                member.get("DBInstanceIdentifier") for member in cluster.get("DBClusterMembers", [])
            ),
            "status": cluster.get("Status"),
            "tags": tags_json(cluster.get("TagList")),
        }
    ]


def rds_proxy_rows(proxy: dict) -> list[dict]:
    return [
        {
            "db_proxy_name": proxy["DBProxyName"],
            "db_proxy_arn": proxy.get("DBProxyArn"),
            "engine_family": proxy.get("EngineFamily"),
            "vpc_id": proxy.get("VpcId"),
            "vpc_security_group_ids": joined(proxy.get("VpcSecurityGroupIds")),
            "vpc_subnet_ids": joined(proxy.get("VpcSubnetIds")),
            "endpoint_address": proxy.get("Endpoint"),
            "status": proxy.get("Status"),
        }
    ]


def classic_load_balancer_rows(balancer: dict) -> list[dict]:
    listeners = [
        description.get("Listener") or {} for description in balancer.get("ListenerDescriptions", [])
    ]
    return [
        {
            "load_balancer_name": balancer["LoadBalancerName"],
            "dns_name": balancer.get("DNSName"),
            "scheme": balancer.get("Scheme"),
            "vpc_id": balancer.get("VPCId"),
            "availability_zones": joined(balancer.get("AvailabilityZones")),
            "subnet_ids": joined(balancer.get("Subnets")),
            "security_group_ids": joined(balancer.get("SecurityGroups")),
            "instance_ids": joined(instance.get("InstanceId") for instance in balancer.get("Instances", [])),
            # "load balancer port:instance port" per listener, for inventory_lb_targets
            "listener_ports": joined(
                f"{listener['LoadBalancerPort']}:{listener.get('InstancePort')}"
                for listener in listeners
                if listener.get("LoadBalancerPort")
            ),
        }
    ]


def _is_address(target_id: str) -> bool:
    """ip targets are registered by address; instance and lambda targets by id or ARN."""
    try:
        ipaddress.ip_address(target_id)
    except ValueError:
        return False
    return True


def lb_target_rows(
    balancer: dict, listener: dict | None, target_group: dict, health: list[dict]
) -> list[dict]:
    """One row per registered target of a target group behind an elbv2 listener (None: reached by rules)."""
    shared = {
        "load_balancer_name": balancer.get("load_balancer_name"),
        "load_balancer_arn": balancer.get("load_balancer_arn"),
        "load_balancer_type": balancer.get("type"),
        "listener_port": (listener or {}).get("Port"),
        "listener_protocol": (listener or {}).get("Protocol"),
        "target_group_name": target_group.get("TargetGroupName"),
        "target_group_arn": target_group.get("TargetGroupArn"),
        "target_type": target_group.get("TargetType"),
    }
    rows = []
    for description in health:
        target = description.get("Target") or {}
        target_id = target.get("Id") or ""
        rows.append(
            {
                **shared,
                "target_id": target_id,
                "target_ip": target_id if _is_address(target_id) else None,
                "target_port": target.get("Port") or target_group.get("Port"),
                "target_availability_zone": target.get("AvailabilityZone"),
                "health_state": (description.get("TargetHealth") or {}).get("State"),
            }
        )
    return rows


def classic_target_rows(balancer: dict) -> list[dict]:
    """inventory_lb_targets rows of a classic ELB row: every listener to every registered instance."""
    rows = []
    for ports in (balancer.get("listener_ports") or "").split(","):
        if not ports:
            continue
        listener_port, instance_port = ports.split(":")
        rows += [
            {
                "load_balancer_name": balancer["load_balancer_name"],
                "load_balancer_arn": None,
                "load_balancer_type": "classic",
                "listener_port": int(listener_port),
                "listener_protocol": None,
                "target_group_name": None,
                "target_group_arn": None,
                "target_type": "instance",
                "target_id": instance_id,
                "target_ip": None,
                "target_port": int(instance_port) if instance_port.isdigit() else None,
                "target_availability_zone": None,
                "health_state": None,
            }
            for instance_id in (balancer.get("instance_ids") or "").split(",")
            if instance_id
        ]
    return rows
