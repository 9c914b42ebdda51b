"""The per-parent inventory tables: mount targets per file system, entries per prefix list, ECS tasks per
cluster and load balancer targets per listener, each a failed child call recorded and skipped."""

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from flowpipe.lib.inventory_calls import ApiCalls
from flowpipe.lib.inventory_details import DETAIL_SOURCES
from flowpipe.lib.inventory_rows import load_balancer_rows
from flowpipe.lib.simulated.moto_server import SIMULATED_REGION, MotoServer

ACCOUNT = "123456789012"
CLUSTER = f"arn:aws:ecs:{SIMULATED_REGION}:{ACCOUNT}:cluster/shop"


def _calls(*services: str) -> ApiCalls:
    return ApiCalls({service: boto3.client(service) for service in services}, ACCOUNT, SIMULATED_REGION)


def _network(ec2) -> tuple[str, list[str]]:
    """A VPC and a subnet in each of two zones."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return vpc, [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=f"us-east-1{zone}")[
            "Subnet"
        ]["SubnetId"]
        for n, zone in ((1, "a"), (2, "b"))
    ]


def _stubbed_client(service: str):
    """A client for botocore's Stubber: it answers before anything is signed or sent."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service, region_name=SIMULATED_REGION)


@pytest.fixture
def ecs() -> Iterator[Stubber]:
    """ECS through botocore's Stubber: moto cannot run awsvpc tasks, so it never reports their ENIs."""
    with Stubber(_stubbed_client("ecs")) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _task(arn: str, number: int) -> dict:
    """A Fargate task of describe_tasks, its ENI numbered after the task."""
    details = [
        {"name": "subnetId", "value": "subnet-0a"},
        {"name": "networkInterfaceId", "value": f"eni-{number:04d}"},
        {"name": "privateIPv4Address", "value": f"10.0.{number // 250}.{number % 250 + 4}"},
    ]
    return {
        "taskArn": arn,
        "clusterArn": CLUSTER,
        "group": "service:cart",
        "launchType": "FARGATE",
        "lastStatus": "RUNNING",
        "attachments": [{"id": f"att-{number}", "type": "ElasticNetworkInterface", "details": details}],
    }


def test_mount_targets_of_each_file_system_land_and_a_vanished_file_system_is_recorded(aws: MotoServer):
    efs = boto3.client("efs")
    _, subnets = _network(boto3.client("ec2"))
    file_systems = [efs.create_file_system(CreationToken=token)["FileSystemId"] for token in ("home", "data")]
    created = {
        efs.create_mount_target(FileSystemId=file_system, SubnetId=subnet)["MountTargetId"]: file_system
        for file_system in file_systems
        for subnet in subnets
    }
    rows = {"inventory_efs_file_systems": [{"file_system_id": fs} for fs in [*file_systems, "fs-0dead"]]}
    calls = _calls("efs")

    found = DETAIL_SOURCES["inventory_efs_mount_targets"](calls, rows)

    assert {row["mount_target_id"]: row["file_system_id"] for row in found} == created
    assert {row["subnet_id"] for row in found} == set(subnets)
    assert [(error["api"], error["error_code"]) for error in calls.errors] == [
        ("elasticfilesystem:DescribeMountTargets", "FileSystemNotFound")
    ]


def test_every_entry_of_a_managed_prefix_list_is_a_row(aws: MotoServer) -> None:
    entries = [{"Cidr": "198.51.100.0/24", "Description": "partner A"}, {"Cidr": "203.0.113.16/28"}]
    prefix_list = boto3.client("ec2").create_managed_prefix_list(
        PrefixListName="partners", MaxEntries=5, AddressFamily="IPv4", Entries=entries
    )["PrefixList"]
    calls = _calls("ec2")

    found = DETAIL_SOURCES["inventory_managed_prefix_lists"](calls, {})

    ours = [row for row in found if row["prefix_list_id"] == prefix_list["PrefixListId"]]
    assert sorted((row["cidr"], row["entry_description"], row["prefix_list_name"]) for row in ours) == [
        ("198.51.100.0/24", "partner A", "partners"),
        ("203.0.113.16/28", None, "partners"),
    ]
    assert calls.errors == []


def test_tasks_are_described_a_hundred_arns_at_a_time(ecs: Stubber) -> None:
    arns = [f"arn:aws:ecs:{SIMULATED_REGION}:{ACCOUNT}:task/shop/{n:032x}" for n in range(150)]
    ecs.add_response("list_clusters", {"clusterArns": [CLUSTER]}, {})
    ecs.add_response("list_tasks", {"taskArns": arns}, {"cluster": CLUSTER})
    for batch in (arns[:100], arns[100:]):
        tasks = [_task(arn, arns.index(arn)) for arn in batch]
        ecs.add_response(
            "describe_tasks", {"tasks": tasks, "failures": []}, {"cluster": CLUSTER, "tasks": batch}
        )
    calls = ApiCalls({"ecs": ecs.client}, ACCOUNT, SIMULATED_REGION)

    found = DETAIL_SOURCES["inventory_ecs_tasks"](calls, {})

    assert [row["task_arn"] for row in found] == arns
    assert [row["network_interface_id"] for row in found[98:102]] == [
        "eni-0098",
        "eni-0099",
        "eni-0100",
        "eni-0101",
    ]
    assert {row["service_name"] for row in found} == {"cart"}


def test_a_cluster_whose_tasks_cannot_be_listed_is_recorded_and_the_next_cluster_still_lands(
    ecs: Stubber,
) -> None:
    denied = f"arn:aws:ecs:{SIMULATED_REGION}:{ACCOUNT}:cluster/payments"
    task = f"arn:aws:ecs:{SIMULATED_REGION}:{ACCOUNT}:task/shop/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    ecs.add_response("list_clusters", {"clusterArns": [denied, CLUSTER]}, {})
    message = f"User is not authorized to perform: ecs:ListTasks on resource: {denied}"
    ecs.add_client_error("list_tasks", "AccessDeniedException", message, http_status_code=400)
    ecs.add_response("list_tasks", {"taskArns": [task]}, {"cluster": CLUSTER})
    ecs.add_response("describe_tasks", {"tasks": [_task(task, 7)]}, {"cluster": CLUSTER, "tasks": [task]})
    calls = ApiCalls({"ecs": ecs.client}, ACCOUNT, SIMULATED_REGION)

    [row] = DETAIL_SOURCES["inventory_ecs_tasks"](calls, {})

    assert (row["task_arn"], row["network_interface_id"]) == (task, "eni-0007")
    assert [(error["api"], error["error_code"], error["message"]) for error in calls.errors] == [
        ("ecs:ListTasks", "AccessDeniedException", message)
    ]


def test_targets_are_listed_under_each_listener_forwarding_to_their_group(aws: MotoServer) -> None:
    """A weighted forward reaches both groups; a group reached only by a listener rule has no listener;
    a group no load balancer uses has no rows."""
    elbv2 = boto3.client("elbv2")
    vpc, subnets = _network(boto3.client("ec2"))
    balancer = elbv2.create_load_balancer(Name="api", Subnets=subnets, Type="application")
    balancer_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
    groups = {}
    for name, port, targets in (
        ("web", 8080, [{"Id": "10.0.1.10"}, {"Id": "10.0.2.10"}]),
        ("canary", 8080, [{"Id": "10.0.1.20"}]),
        ("admin", 9000, [{"Id": "10.0.1.30", "Port": 9001}]),
        ("idle", 9000, [{"Id": "10.0.2.40"}]),
    ):
        group = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=port, VpcId=vpc, TargetType="ip")
        groups[name] = group["TargetGroups"][0]["TargetGroupArn"]
        elbv2.register_targets(TargetGroupArn=groups[name], Targets=targets)
    weighted = {"TargetGroups": [{"TargetGroupArn": groups["web"], "Weight": 90}]}
    weighted["TargetGroups"].append({"TargetGroupArn": groups["canary"], "Weight": 10})
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "ForwardConfig": weighted}],
    )["Listeners"][0]
    elbv2.create_rule(
        ListenerArn=listener["ListenerArn"],
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/admin/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": groups["admin"]}],
    )
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    rows = {
        "inventory_load_balancers": [row for item in balancers for row in load_balancer_rows(item)],
        "inventory_classic_load_balancers": [],
    }
    calls = _calls("elbv2")

    found = DETAIL_SOURCES["inventory_lb_targets"](calls, rows)

    assert sorted(
        (row["listener_port"] or 0, row["target_group_name"], row["target_ip"], row["target_port"])
        for row in found
    ) == [
        (0, "admin", "10.0.1.30", 9001),
        (80, "canary", "10.0.1.20", 8080),
        (80, "web", "10.0.1.10", 8080),
        (80, "web", "10.0.2.10", 8080),
    ]
    assert {(row["load_balancer_name"], row["load_balancer_type"]) for row in found} == {
        ("api", "application")
    }
    assert calls.errors == []


def test_a_group_behind_two_listeners_of_one_balancer_has_one_row_per_listener(aws: MotoServer) -> None:
    """moto lists the balancer in the group's LoadBalancerArns once per listener forwarding to it."""
    elbv2 = boto3.client("elbv2")
    vpc, subnets = _network(boto3.client("ec2"))
    balancer = elbv2.create_load_balancer(Name="edge", Subnets=subnets, Type="network")["LoadBalancers"][0]
    group = elbv2.create_target_group(Name="web", Protocol="TCP", Port=8080, VpcId=vpc, TargetType="ip")
    group_arn = group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group_arn, Targets=[{"Id": "10.0.1.10"}])
    for port in (80, 443):
        elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="TCP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
        )
    rows = {
        "inventory_load_balancers": load_balancer_rows(balancer),
        "inventory_classic_load_balancers": [],
    }

    found = DETAIL_SOURCES["inventory_lb_targets"](_calls("elbv2"), rows)

    assert sorted((row["listener_port"], row["target_ip"]) for row in found) == [
        (80, "10.0.1.10"),
        (443, "10.0.1.10"),
    ]


def test_without_elbv2_balancers_no_target_group_is_asked_for_and_classic_targets_still_land() -> None:
    """The Stubber holds no answer: any elbv2 call would fail the test."""
    client = _stubbed_client("elbv2")
    classic = {"load_balancer_name": "legacy", "listener_ports": "80:8080", "instance_ids": "i-0a,i-0b"}
    rows = {"inventory_load_balancers": [], "inventory_classic_load_balancers": [classic]}
    with Stubber(client):
        found = DETAIL_SOURCES["inventory_lb_targets"](
            ApiCalls({"elbv2": client}, ACCOUNT, SIMULATED_REGION), rows
        )
    assert sorted((row["load_balancer_name"], row["target_id"], row["target_port"]) for row in found) == [
        ("legacy", "i-0a", 8080),
        ("legacy", "i-0b", 8080),
    ]
