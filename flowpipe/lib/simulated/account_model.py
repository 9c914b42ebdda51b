"""What the simulated account is made of, and the few EC2 calls every creator of its parts shares: the data
classes (subnets, endpoints, the networks outside the VPC, the AccountModel that build_account returns) that
the traffic model and the tests read, and helpers that tag a resource's Name, make an Endpoint in a subnet,
and create, describe or relabel an ENI as AWS would. They sit apart from the builder so the per-service
creators (account_compute, account_data_stores, account_network) can use them without importing it.
"""

import ipaddress
from dataclasses import dataclass

from flowpipe.lib.simulated.cloudtrail import InterfaceEvent


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    name: str  # "private-a"
    cidr: str
    availability_zone: str
    availability_zone_id: str
    public: bool


@dataclass(frozen=True)
class Endpoint:
    """One private address of the VPC and the name the README's naming rules give it.

    `interface_type` and `requester_managed` are what AWS would report for this ENI. moto always reports
    "interface" and False, so they are kept here for tests rather than read back from moto.
    """

    ip: str
    interface_id: str
    entity_type: str
    entity_name: str
    entity_id: str
    subnet_id: str
    availability_zone: str
    availability_zone_id: str
    interface_type: str = "interface"
    requester_managed: bool = False
    instance_id: str | None = None  # the flow log's instance-id field: set only for instance ENIs
    is_public: bool = False


@dataclass(frozen=True)
class NamedNetwork:
    """A CIDR outside the account's VPCs that the cidr book names (a peered VPC, a prefix list entry)."""

    cidr: str
    kind: str  # cidr_book kind: "peered-vpc" or "prefix-list"
    entity_name: str
    entity_id: str  # the peer VPC id, or the prefix list id
    account_id: str


@dataclass(frozen=True)
class AccountModel:
    """What build_account created: every endpoint the traffic model may use, and where the logs go."""

    account_id: str
    region: str
    vpc_id: str
    vpc_cidr: str
    subnets: tuple[Subnet, ...]
    endpoints: tuple[Endpoint, ...]
    flow_log_id: str
    flow_log_bucket: str
    # Addresses of resources that carry no traffic (the traffic model only uses `endpoints`).
    idle_endpoints: tuple[Endpoint, ...] = ()
    networks: tuple[NamedNetwork, ...] = ()
    # CloudTrail's CreateNetworkInterface events of the ENIs built (build_account's built_at), in build order.
    interface_events: tuple[InterfaceEvent, ...] = ()

    def by_type(self, entity_type: str) -> tuple[Endpoint, ...]:
        return tuple(endpoint for endpoint in self.endpoints if endpoint.entity_type == entity_type)

    def by_name(self, entity_name: str) -> tuple[Endpoint, ...]:
        return tuple(endpoint for endpoint in self.endpoints if endpoint.entity_name == entity_name)

    def subnet(self, subnet_id: str) -> Subnet:
        return next(subnet for subnet in self.subnets if subnet.subnet_id == subnet_id)


def name_tag(resource_type: str, name: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def make_endpoint(
    subnet: Subnet, ip: str, interface_id: str, entity_type: str, name: str, entity_id: str, **kw
):
    return Endpoint(
        ip=ip,
        interface_id=interface_id,
        entity_type=entity_type,
        entity_name=name,
        entity_id=entity_id,
        subnet_id=subnet.subnet_id,
        availability_zone=subnet.availability_zone,
        availability_zone_id=subnet.availability_zone_id,
        **kw,
    )


def create_eni(ec2, subnet: Subnet, group_id: str, description: str, host: int) -> tuple[str, str]:
    """An ENI at a fixed host number: moto picks random addresses that can collide with its instances'."""
    ip = str(ipaddress.ip_network(subnet.cidr)[host])
    eni = ec2.create_network_interface(
        SubnetId=subnet.subnet_id, Groups=[group_id], Description=description, PrivateIpAddress=ip
    )
    return eni["NetworkInterface"]["NetworkInterfaceId"], eni["NetworkInterface"]["PrivateIpAddress"]


def describe_eni(ec2, interface_id: str) -> dict:
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[interface_id])["NetworkInterfaces"][0]


def set_description(ec2, interface_id: str, description: str) -> None:
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=interface_id, Description={"Value": description}
    )
