"""The simulated account's CloudTrail: ENI creations and deletions as LookupEvents returns them.

moto 5.2.5 has no LookupEvents (its server answers HTTP 500), so the simulated account's trail (trail.py)
holds these records and its own CloudTrail endpoint (cloudtrail_server.py) answers LookupEvents from them.
Their shape follows AWS's documentation: an Events item with EventId, EventName, EventTime, EventSource,
Resources and the record itself as the JSON string CloudTrailEvent, whose responseElements
.networkInterface is the created ENI in EC2's camelCase wire shape (as in the EFS user guide's
CreateNetworkInterface example); a deletion's requestParameters name the ENI only.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

PAGE_SIZE = 50  # LookupEvents' largest page
_SERVICE_CALLERS = {"lambda": "lambda.amazonaws.com", "efs": "elasticfilesystem.amazonaws.com"}


@dataclass(frozen=True)
class InterfaceEvent:
    """One ENI creation (with the ENI as describe_network_interfaces returned it) or deletion."""

    name: str  # CreateNetworkInterface | DeleteNetworkInterface
    time: datetime
    interface_id: str
    interface: dict | None = None  # describe_network_interfaces item, for a creation
    interface_type: str | None = None  # what AWS would report (moto always says "interface")
    requester_managed: bool = False


def _wire_interface(event: InterfaceEvent, account_id: str) -> dict:
    eni = event.interface or {}
    addresses = eni.get("PrivateIpAddresses") or [
        {"PrivateIpAddress": eni["PrivateIpAddress"], "Primary": True}
    ]
    return {
        "networkInterfaceId": event.interface_id,
        "subnetId": eni.get("SubnetId"),
        "vpcId": eni.get("VpcId"),
        "availabilityZone": eni.get("AvailabilityZone"),
        "description": eni.get("Description", ""),
        "ownerId": account_id,
        "requesterId": "AROAEXAMPLEREQUESTER" if event.requester_managed else None,
        "requesterManaged": event.requester_managed,
        "status": "pending",
        "macAddress": eni.get("MacAddress", "02:00:00:00:00:00"),
        "privateIpAddress": eni.get("PrivateIpAddress"),
        "privateDnsName": eni.get("PrivateDnsName"),
        "sourceDestCheck": True,
        "interfaceType": event.interface_type or eni.get("InterfaceType", "interface"),
        "groupSet": {
            "items": [{"groupId": g["GroupId"], "groupName": g["GroupName"]} for g in eni["Groups"]]
        },
        "privateIpAddressesSet": {
            "item": [{"privateIpAddress": a["PrivateIpAddress"], "primary": a["Primary"]} for a in addresses]
        },
        "ipv6AddressesSet": {},
        "tagSet": {"items": [{"key": t["Key"], "value": t["Value"]} for t in eni.get("TagSet", [])]},
    }


def trail_record(event: InterfaceEvent, account_id: str, region: str) -> dict:
    """The event as CloudTrail records it: a trail file's Records item, LookupEvents' CloudTrailEvent."""
    caller = _SERVICE_CALLERS.get(event.interface_type or "", "ec2.amazonaws.com")
    record = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AWSService", "invokedBy": caller},
        "eventTime": event.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "ec2.amazonaws.com",
        "eventName": event.name,
        "awsRegion": region,
        "sourceIPAddress": caller,
        "userAgent": caller,
        "requestID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"request/{event.name}/{event.interface_id}")),
        "eventID": _event_id(event),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account_id,
        "eventCategory": "Management",
    }
    if event.name == "DeleteNetworkInterface":
        record["requestParameters"] = {"networkInterfaceId": event.interface_id}
        record["responseElements"] = {"requestId": record["requestID"], "_return": True}
    else:
        interface = _wire_interface(event, account_id)
        record["requestParameters"] = {
            "subnetId": interface["subnetId"],
            "description": interface["description"],
            "groupSet": {"items": [{"groupId": g["groupId"]} for g in interface["groupSet"]["items"]]},
            "privateIpAddressesSet": {},
        }
        record["responseElements"] = {"requestId": record["requestID"], "networkInterface": interface}
    return record


def _event_id(event: InterfaceEvent) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"event/{event.name}/{event.interface_id}"))


def lookup_item_of(record: dict) -> dict:
    """One item of LookupEvents' Events list: a summary of the record, and the record as a JSON string."""
    interface_id = (record.get("requestParameters") or {}).get("networkInterfaceId") or record[
        "responseElements"
    ]["networkInterface"]["networkInterfaceId"]
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": str(record["readOnly"]).lower(),
        "EventTime": datetime.fromisoformat(record["eventTime"]),
        "EventSource": record["eventSource"],
        "Username": record["userIdentity"]["invokedBy"],
        "Resources": [{"ResourceType": "AWS::EC2::NetworkInterface", "ResourceName": interface_id}],
        "CloudTrailEvent": json.dumps(record),
    }


def lookup_item(event: InterfaceEvent, account_id: str, region: str) -> dict:
    """One item of LookupEvents' Events list."""
    return lookup_item_of(trail_record(event, account_id, region))
