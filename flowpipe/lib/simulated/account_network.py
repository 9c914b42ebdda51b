"""The simulated account's networking: load balancers (an ALB and its listener, a classic ELB), a NAT
gateway, VPC endpoints, a transit gateway attachment, and the networks outside the VPC that the cidr book
names (a peered VPC of another account, a managed prefix list). Where moto makes no ENI (the load balancers,
the transit gateway) it is created here as AWS describes it; where moto leaves a description empty (NAT
gateway, interface endpoint) it is set to AWS's text.
"""

import boto3

from flowpipe.lib.simulated.account_model import (
    Endpoint,
    NamedNetwork,
    Subnet,
    create_eni,
    describe_eni,
    make_endpoint,
    name_tag,
    set_description,
)

ALB_NAME = "web-alb"
NAT_NAME = "nat-a"
ENDPOINT_SERVICE = "secretsmanager"
# Idle: no traffic uses these (build_account's idle_endpoints and networks).
CLASSIC_ELB_NAME = "legacy-clb"
PEER_ACCOUNT_ID = "111111111111"
PEER_VPC_CIDR = "172.31.128.0/20"
PEERING_NAME = "shared-services"
PREFIX_LIST_NAME = "corp-offices"
PREFIX_LIST_CIDR = "198.51.100.0/24"


def load_balancer(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    public = [subnets["public-a"], subnets["public-b"]]
    balancer = boto3.client("elbv2", region_name=region).create_load_balancer(
        Name=ALB_NAME,
        Subnets=[subnet.subnet_id for subnet in public],
        SecurityGroups=[group_id],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    balancer_id = balancer["LoadBalancerArn"].rsplit("/", 1)[1]
    entity_id = f"app/{ALB_NAME}/{balancer_id}"
    endpoints = []
    for subnet in public:
        interface_id, ip = create_eni(ec2, subnet, group_id, f"ELB {entity_id}", 200)
        endpoints.append(
            make_endpoint(
                subnet, ip, interface_id, "elb:application", ALB_NAME, entity_id, requester_managed=True
            )
        )
    return endpoints


def nat_gateway(ec2, subnets: dict[str, Subnet]) -> list[Endpoint]:
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnets["public-a"].subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=name_tag("natgateway", NAT_NAME),
    )["NatGateway"]
    nat_id = nat["NatGatewayId"]
    interface_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    set_description(ec2, interface_id, f"Interface for NAT Gateway {nat_id}")
    # moto gives this ENI a random 10.x address outside the subnet; flow logs must carry the ENI's own ip.
    ip = describe_eni(ec2, interface_id)["PrivateIpAddress"]
    return [
        make_endpoint(
            subnets["public-a"],
            ip,
            interface_id,
            "nat-gateway",
            NAT_NAME,
            nat_id,
            interface_type="nat_gateway",
            requester_managed=True,
        )
    ]


def vpc_endpoints(ec2, vpc_id: str, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    route_table_id = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ][0]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[route_table_id],
    )
    service_name = f"com.amazonaws.{region}.{ENDPOINT_SERVICE}"
    private = [subnets["private-a"], subnets["private-b"]]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=service_name,
        VpcEndpointType="Interface",
        SubnetIds=[subnet.subnet_id for subnet in private],
        SecurityGroupIds=[group_id],
    )["VpcEndpoint"]
    endpoints = []
    for interface_id in endpoint["NetworkInterfaceIds"]:
        eni = describe_eni(ec2, interface_id)
        set_description(ec2, interface_id, f"VPC Endpoint Interface {endpoint['VpcEndpointId']}")
        subnet = next(subnet for subnet in private if subnet.subnet_id == eni["SubnetId"])
        endpoints.append(
            make_endpoint(
                subnet,
                eni["PrivateIpAddress"],
                interface_id,
                "vpc-endpoint",
                service_name,
                endpoint["VpcEndpointId"],
                interface_type="vpc_endpoint",
                requester_managed=True,
            )
        )
    return endpoints


def classic_load_balancer(ec2, region: str, subnets: dict[str, Subnet], group_id: str) -> list[Endpoint]:
    """moto makes no ENI for a classic ELB; AWS describes its ENIs as "ELB <name>"."""
    subnet = subnets["public-a"]
    boto3.client("elb", region_name=region).create_load_balancer(
        LoadBalancerName=CLASSIC_ELB_NAME,
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
        Subnets=[subnet.subnet_id],
        SecurityGroups=[group_id],
    )
    interface_id, ip = create_eni(ec2, subnet, group_id, f"ELB {CLASSIC_ELB_NAME}", 210)
    return [
        make_endpoint(
            subnet,
            ip,
            interface_id,
            "elb:classic",
            CLASSIC_ELB_NAME,
            CLASSIC_ELB_NAME,
            requester_managed=True,
        )
    ]


def transit_gateway(ec2, vpc_id: str, subnet: Subnet, group_id: str) -> list[Endpoint]:
    """A VPC attachment of a transit gateway; moto makes no ENI, AWS's has interface type transit_gateway."""
    gateway_id = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    attachment_id = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=gateway_id, VpcId=vpc_id, SubnetIds=[subnet.subnet_id]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    description = f"Network Interface for Transit Gateway Attachment {attachment_id}"
    interface_id, ip = create_eni(ec2, subnet, group_id, description, 250)
    return [
        make_endpoint(
            subnet,
            ip,
            interface_id,
            "transit-gateway",
            gateway_id,
            attachment_id,
            interface_type="transit_gateway",
            requester_managed=True,
        )
    ]


def listener_targets(region: str, vpc_id: str, web_instance_ids: list[str]) -> None:
    """The ALB's port 80 listener forwarding to the web instances on 8080 (for inventory_lb_targets)."""
    elbv2 = boto3.client("elbv2", region_name=region)
    balancer_arn = elbv2.describe_load_balancers(Names=[ALB_NAME])["LoadBalancers"][0]["LoadBalancerArn"]
    group_arn = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=8080, VpcId=vpc_id)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": i} for i in web_instance_ids])
    elbv2.create_listener(
        LoadBalancerArn=balancer_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )


def peering(ec2, vpc_id: str, region: str) -> NamedNetwork:
    """An active peering with a VPC of another account (moto models the peer account through STS)."""
    credentials = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{PEER_ACCOUNT_ID}:role/peer-admin", RoleSessionName="flowpipe-simulation"
    )["Credentials"]
    peer_ec2 = boto3.client(
        "ec2",
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    peer_vpc_id = peer_ec2.create_vpc(CidrBlock=PEER_VPC_CIDR)["Vpc"]["VpcId"]
    peering_id = ec2.create_vpc_peering_connection(
        VpcId=vpc_id,
        PeerVpcId=peer_vpc_id,
        PeerOwnerId=PEER_ACCOUNT_ID,
        TagSpecifications=name_tag("vpc-peering-connection", PEERING_NAME),
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    peer_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering_id)
    return NamedNetwork(PEER_VPC_CIDR, "peered-vpc", PEERING_NAME, peer_vpc_id, PEER_ACCOUNT_ID)


def prefix_list(ec2, account_id: str) -> NamedNetwork:
    prefix_list_id = ec2.create_managed_prefix_list(
        PrefixListName=PREFIX_LIST_NAME,
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": PREFIX_LIST_CIDR, "Description": "head office"}],
    )["PrefixList"]["PrefixListId"]
    return NamedNetwork(PREFIX_LIST_CIDR, "prefix-list", PREFIX_LIST_NAME, prefix_list_id, account_id)
