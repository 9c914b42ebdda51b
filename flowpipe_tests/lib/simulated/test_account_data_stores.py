"""The account's EFS mount targets and RDS database are named as EFS and RDS describe them."""

import boto3

from flowpipe.lib.simulated.account_model import AccountModel


def test_mount_target_endpoints_are_the_file_systems_mount_targets(account: AccountModel, ec2) -> None:
    efs = boto3.client("efs")
    file_system = efs.describe_file_systems()["FileSystems"][0]
    targets = efs.describe_mount_targets(FileSystemId=file_system["FileSystemId"])["MountTargets"]

    mount_targets = account.by_type("efs:mount-target")
    assert {(t["NetworkInterfaceId"], t["IpAddress"]) for t in targets} == {
        (e.interface_id, e.ip) for e in mount_targets
    }
    assert {(e.entity_name, e.entity_id) for e in mount_targets} == {
        (file_system["Name"], file_system["FileSystemId"])
    }


def test_the_database_endpoint_is_named_and_grouped_as_rds_describes_it(account: AccountModel, ec2) -> None:
    rds = boto3.client("rds").describe_db_instances()["DBInstances"][0]

    (db_endpoint,) = account.by_type("rds:db")
    db_groups = {g["VpcSecurityGroupId"] for g in rds["VpcSecurityGroups"]}
    [eni] = ec2.describe_network_interfaces(NetworkInterfaceIds=[db_endpoint.interface_id])[
        "NetworkInterfaces"
    ]
    assert {g["GroupId"] for g in eni["Groups"]} == db_groups
    assert db_endpoint.entity_name == rds["DBInstanceIdentifier"] == "orders-db"
