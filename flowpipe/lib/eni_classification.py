"""Which resource owns an ENI, named per the naming rules in the README ("How addresses are named").

The service APIs (mount target, NAT gateway, VPC endpoint ENI ids) are exact and tried first; then the
interface type / requester, then the descriptions AWS writes on the ENIs it creates for its services.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import pyarrow as pa

_EFS = re.compile(r"^EFS mount target for (?P<fs>fs-[0-9a-f]+) \((?P<fsmt>fsmt-[0-9a-f]+)\)")
_ELB_V2 = re.compile(r"^ELB (?P<kind>app|net|gwy)/(?P<name>[^/]+)/(?P<id>[0-9a-f]+)$")
_ELB_CLASSIC = re.compile(r"^ELB (?P<name>[^/\s]+)$")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_LAMBDA = re.compile(rf"^AWS Lambda VPC ENI-(?P<function>.+?)(?:-{_UUID})?$")
_NAT = re.compile(r"^Interface for NAT Gateway (?P<nat>nat-[0-9a-f]+)")
_VPCE = re.compile(r"^VPC Endpoint Interface (?P<vpce>vpce-[0-9a-f]+)")
_ECS = re.compile(r"^arn:(?P<partition>[^:]+):ecs:[^:]*:[^:]*:attachment/(?P<attachment>[0-9a-f-]+)$")
_ELASTICACHE = re.compile(r"^ElastiCache (?P<cluster>[A-Za-z0-9-]+)$")
_TGW = re.compile(r"^Network Interface for Transit Gateway Attachment (?P<attachment>tgw-attach-[0-9a-f]+)")
_ELB_TYPES = {"app": "elb:application", "net": "elb:network", "gwy": "elb:gateway"}


class Entity(NamedTuple):
    entity_type: str
    entity_name: str
    entity_id: str
    arn: str | None


@dataclass
class Lookups:
    """Inventory rows keyed for classification (rows are dicts as the inventory tables hold them)."""

    instances_by_id: dict[str, dict] = field(default_factory=dict)
    file_systems_by_id: dict[str, dict] = field(default_factory=dict)
    mount_targets_by_eni: dict[str, dict] = field(default_factory=dict)
    nat_gateways_by_eni: dict[str, dict] = field(default_factory=dict)
    nat_gateways_by_id: dict[str, dict] = field(default_factory=dict)
    vpc_endpoints_by_eni: dict[str, dict] = field(default_factory=dict)
    vpc_endpoints_by_id: dict[str, dict] = field(default_factory=dict)
    load_balancers_by_name: dict[str, dict] = field(default_factory=dict)
    rds_instances: list[dict] = field(default_factory=list)
    lambda_functions_by_name: dict[str, dict] = field(default_factory=dict)
    ecs_tasks_by_eni: dict[str, dict] = field(default_factory=dict)
    ecs_tasks_by_attachment: dict[str, dict] = field(default_factory=dict)
    cache_clusters_by_id: dict[str, dict] = field(default_factory=dict)
    rds_proxies: list[dict] = field(default_factory=list)
    tgw_attachments_by_id: dict[str, dict] = field(default_factory=dict)


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict]:
    return tables[name].to_pylist() if name in tables else []


def _keyed(rows: list[dict], key: str) -> dict[str, dict]:
    return {row[key]: row for row in rows if row.get(key)}


def build_lookups(tables: dict[str, pa.Table]) -> Lookups:
    """Lookups from the inventory_* tables (missing tables count as empty)."""
    endpoints = _rows(tables, "inventory_vpc_endpoints")
    nats = _rows(tables, "inventory_nat_gateways")
    tasks = _rows(tables, "inventory_ecs_tasks")
    return Lookups(
        instances_by_id=_keyed(_rows(tables, "inventory_instances"), "instance_id"),
        file_systems_by_id=_keyed(_rows(tables, "inventory_efs_file_systems"), "file_system_id"),
        mount_targets_by_eni=_keyed(_rows(tables, "inventory_efs_mount_targets"), "network_interface_id"),
        nat_gateways_by_eni=_keyed(nats, "network_interface_id"),
        nat_gateways_by_id=_keyed(nats, "nat_gateway_id"),
        vpc_endpoints_by_eni={
            eni: endpoint
            for endpoint in endpoints
            for eni in (endpoint.get("network_interface_ids") or "").split(",")
            if eni
        },
        vpc_endpoints_by_id=_keyed(endpoints, "vpc_endpoint_id"),
        load_balancers_by_name=_keyed(_rows(tables, "inventory_load_balancers"), "load_balancer_name"),
        rds_instances=_rows(tables, "inventory_rds_instances"),
        lambda_functions_by_name=_keyed(_rows(tables, "inventory_lambda_functions"), "function_name"),
        ecs_tasks_by_eni=_keyed(tasks, "network_interface_id"),
        ecs_tasks_by_attachment=_keyed(tasks, "attachment_id"),
        cache_clusters_by_id=_keyed(_rows(tables, "inventory_elasticache_clusters"), "cache_cluster_id"),
        rds_proxies=_rows(tables, "inventory_rds_proxies"),
        tgw_attachments_by_id=_keyed(
            _rows(tables, "inventory_transit_gateway_attachments"), "transit_gateway_attachment_id"
        ),
    )


def _partition(region: str | None) -> str:
    if (region or "").startswith("cn-"):
        return "aws-cn"
    if (region or "").startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _arn(eni: dict, service: str, resource: str) -> str:
    account = eni.get("account_id") or eni.get("owner_id") or ""
    return f"arn:{_partition(eni.get('region'))}:{service}:{eni.get('region') or ''}:{account}:{resource}"


def _name_tag(row: dict | None) -> str | None:
    if not row:
        return None
    return row.get("name") or json.loads(row.get("tags") or "{}").get("Name") or None


def _file_system(eni: dict, fs_id: str, lookups: Lookups) -> Entity:
    file_system = lookups.file_systems_by_id.get(fs_id)
    arn = (file_system or {}).get("file_system_arn") or _arn(eni, "elasticfilesystem", f"file-system/{fs_id}")
    return Entity("efs:mount-target", _name_tag(file_system) or fs_id, fs_id, arn)


def _nat_gateway(eni: dict, nat_id: str, lookups: Lookups) -> Entity:
    name = _name_tag(lookups.nat_gateways_by_id.get(nat_id)) or nat_id
    return Entity("nat-gateway", name, nat_id, _arn(eni, "ec2", f"natgateway/{nat_id}"))


def _vpc_endpoint(eni: dict, vpce_id: str, lookups: Lookups) -> Entity:
    endpoint = lookups.vpc_endpoints_by_id.get(vpce_id) or {}
    name = _name_tag(endpoint) or endpoint.get("service_name") or vpce_id
    return Entity("vpc-endpoint", name, vpce_id, _arn(eni, "ec2", f"vpc-endpoint/{vpce_id}"))


def _ecs_task(eni: dict, task: dict | None, attachment_id: str, attachment_arn: str | None) -> Entity:
    """Named by the task's service (or family for a standalone task); without the task, by tags."""
    tags = json.loads(eni.get("tags") or "{}")
    task = task or {}
    name = tags.get("Name") or task.get("service_name") or tags.get("aws:ecs:serviceName") or attachment_id
    if task.get("task_arn"):
        return Entity("ecs:task", name, task["task_arn"].rsplit("/", 1)[-1], task["task_arn"])
    return Entity("ecs:task", name, attachment_id, attachment_arn)


def _by_service_apis(eni: dict, lookups: Lookups) -> Entity | None:
    eni_id = eni["network_interface_id"]
    if eni_id in lookups.ecs_tasks_by_eni:
        task = lookups.ecs_tasks_by_eni[eni_id]
        return _ecs_task(eni, task, task["attachment_id"], None)
    if eni_id in lookups.mount_targets_by_eni:
        return _file_system(eni, lookups.mount_targets_by_eni[eni_id]["file_system_id"], lookups)
    if eni_id in lookups.nat_gateways_by_eni:
        return _nat_gateway(eni, lookups.nat_gateways_by_eni[eni_id]["nat_gateway_id"], lookups)
    if eni_id in lookups.vpc_endpoints_by_eni:
        return _vpc_endpoint(eni, lookups.vpc_endpoints_by_eni[eni_id]["vpc_endpoint_id"], lookups)
    return None


def _ids(joined: str | None) -> frozenset[str]:
    return frozenset(value for value in (joined or "").split(",") if value)


def _matching_groups_and_subnet(eni: dict, groups_key: str, subnets_key: str, rows: list[dict]) -> list[dict]:
    groups = _ids(eni.get("security_group_ids"))
    return [
        row
        for row in rows
        if groups
        and _ids(row.get(groups_key)) == groups
        and eni.get("subnet_id") in _ids(row.get(subnets_key))
    ]


def _rds(eni: dict, lookups: Lookups) -> Entity | None:
    """RDS ENIs (of DB instances and proxies alike) carry the owner's VPC security groups and sit in one of
    its subnets; exactly one match names the ENI."""
    if eni.get("requester_id") != "amazon-rds" and eni.get("description") != "RDSNetworkInterface":
        return None
    candidates = _matching_groups_and_subnet(
        eni, "vpc_security_group_ids", "subnet_ids", lookups.rds_instances
    )
    same_zone = [db for db in candidates if db.get("availability_zone") == eni.get("availability_zone")]
    proxies = _matching_groups_and_subnet(
        eni, "vpc_security_group_ids", "vpc_subnet_ids", lookups.rds_proxies
    )
    databases = same_zone or candidates
    if len(databases) + len(proxies) != 1:
        return Entity("rds:db", "rds", eni["network_interface_id"], None)
    if proxies:
        proxy = proxies[0]
        name = proxy["db_proxy_name"]
        return Entity(
            "rds:proxy", name, name, proxy.get("db_proxy_arn") or _arn(eni, "rds", f"db-proxy:{name}")
        )
    identifier = databases[0]["db_instance_identifier"]
    arn = databases[0].get("db_instance_arn") or _arn(eni, "rds", f"db:{identifier}")
    return Entity("rds:db", identifier, identifier, arn)


def _lambda(eni: dict, lookups: Lookups) -> Entity | None:
    match = _LAMBDA.match(eni.get("description") or "")
    if not match:
        return None
    name = match["function"]
    function = lookups.lambda_functions_by_name.get(name) or {}
    arn = function.get("function_arn") or _arn(eni, "lambda", f"function:{name}")
    return Entity("lambda:function", name, name, arn)


def _by_description(eni: dict, lookups: Lookups) -> Entity | None:
    description = eni.get("description") or ""
    if match := _EFS.match(description):
        return _file_system(eni, match["fs"], lookups)
    if match := _ELB_V2.match(description):
        resource = f"{match['kind']}/{match['name']}/{match['id']}"
        balancer = lookups.load_balancers_by_name.get(match["name"]) or {}
        arn = balancer.get("load_balancer_arn") or _arn(
            eni, "elasticloadbalancing", f"loadbalancer/{resource}"
        )
        return Entity(_ELB_TYPES[match["kind"]], match["name"], resource, arn)
    if match := _ELB_CLASSIC.match(description):
        name = match["name"]
        return Entity("elb:classic", name, name, _arn(eni, "elasticloadbalancing", f"loadbalancer/{name}"))
    if match := _NAT.match(description):
        return _nat_gateway(eni, match["nat"], lookups)
    if match := _VPCE.match(description):
        return _vpc_endpoint(eni, match["vpce"], lookups)
    if match := _ECS.match(description):
        task = lookups.ecs_tasks_by_attachment.get(match["attachment"])
        return _ecs_task(eni, task, match["attachment"], description)
    if match := _ELASTICACHE.match(description):
        return _cache_cluster(eni, match["cluster"], lookups)
    if (match := _TGW.match(description)) or eni.get("interface_type") == "transit_gateway":
        return _transit_gateway(eni, match["attachment"] if match else None, lookups)
    return None


def _cache_cluster(eni: dict, cluster_id: str, lookups: Lookups) -> Entity:
    """A node of a replication group is named by the group, as users address the group's endpoints."""
    cluster = lookups.cache_clusters_by_id.get(cluster_id) or {}
    name = cluster.get("replication_group_id") or cluster_id
    arn = cluster.get("arn") or _arn(eni, "elasticache", f"cluster:{cluster_id}")
    return Entity("elasticache:cluster", name, cluster_id, arn)


def _transit_gateway(eni: dict, attachment_id: str | None, lookups: Lookups) -> Entity:
    attachment = lookups.tgw_attachments_by_id.get(attachment_id or "") or {}
    entity_id = attachment_id or eni["network_interface_id"]
    name = _name_tag(attachment) or attachment.get("transit_gateway_id") or entity_id
    return Entity(
        "transit-gateway", name, entity_id, _arn(eni, "ec2", f"transit-gateway-attachment/{entity_id}")
    )


def _instance(eni: dict, lookups: Lookups) -> Entity | None:
    instance_id = eni.get("attachment_instance_id")
    if not instance_id or eni.get("requester_managed"):
        return None
    name = _name_tag(lookups.instances_by_id.get(instance_id)) or instance_id
    return Entity("ec2:instance", name, instance_id, _arn(eni, "ec2", f"instance/{instance_id}"))


def _unassociated_elastic_ip(eni: dict, lookups: Lookups) -> Entity | None:
    """An inventory_elastic_ips row held by no ENI or instance: the address is the allocation's own."""
    allocation_id = eni.get("allocation_id")
    if not allocation_id or eni.get("network_interface_id") or eni.get("attachment_instance_id"):
        return None
    name = _name_tag(eni) or allocation_id
    return Entity("elastic-ip", name, allocation_id, _arn(eni, "ec2", f"elastic-ip/{allocation_id}"))


_RULES: tuple[Callable[[dict, Lookups], Entity | None], ...] = (
    _by_service_apis,
    _rds,
    _lambda,
    _by_description,
    _instance,
    _unassociated_elastic_ip,
)


def classify_eni(eni: dict, lookups: Lookups) -> Entity:
    """The entity behind one inventory_network_interfaces row (entity_type, entity_name, entity_id, arn)."""
    for rule in _RULES:
        if entity := rule(eni, lookups):
            return entity
    eni_id = eni["network_interface_id"]
    name = _name_tag(eni) or eni.get("description") or eni_id
    return Entity("eni", name, eni_id, _arn(eni, "ec2", f"network-interface/{eni_id}"))
