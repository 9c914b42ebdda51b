"""The account's instances, bastion included, are the instances EC2 describes, named as the model says."""

from collections import Counter

from flowpipe.lib.simulated.account_model import AccountModel


def test_instances_share_name_tags_across_two_zones(ec2) -> None:
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    names = [next(t["Value"] for t in i["Tags"] if t["Key"] == "Name") for i in instances]
    assert Counter(names) == {"web": 3, "app": 2, "management-server": 1, "batch-worker": 1, "bastion": 1}
    web_zones = {
        i["Placement"]["AvailabilityZone"] for i, n in zip(instances, names, strict=True) if n == "web"
    }
    assert web_zones == {"us-east-1a", "us-east-1b"}


def test_instance_endpoints_are_every_instance_ec2_describes(account: AccountModel, ec2) -> None:
    bastion = {e.entity_id for e in account.idle_endpoints if e.entity_type == "ec2:instance"}
    assert {e.entity_id for e in account.by_type("ec2:instance")} | bastion == {
        i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    }
