import io

import boto3
import urllib3
from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.stub import Stubber

from flowpipe.lib import aws_session
from flowpipe.lib.inventory import ERRORS_SCHEMA, table_schema, take_inventory
from flowpipe.lib.simulated.moto_server import MotoServer

# EC2's throttling answer as AWS documents it (Query API error response, HTTP 503).
THROTTLED_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
    b"<Message>Request limit exceeded.</Message></Error></Errors>"
    b"<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"
)


def test_instances_on_every_page_land(aws: MotoServer) -> None:
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    for _ in range(12):  # one reservation each
        ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)
    pages = []

    def small_pages_client(session: boto3.Session, service: str, region: str) -> BaseClient:
        """Asks for 5 reservations a page (moto answers all at once otherwise), so pages are 5, 5, 2."""
        client = aws_session.client(session, service, region)
        client.meta.events.register(
            "provide-client-params.ec2.DescribeInstances", lambda params, **_: {**params, "MaxResults": 5}
        )
        client.meta.events.register(
            "after-call.ec2.DescribeInstances", lambda parsed, **_: pages.append(len(parsed["Reservations"]))
        )
        return client

    inventory = take_inventory(["us-east-1"], make_client=small_pages_client)
    assert inventory.tables["inventory_instances"].num_rows == 12
    assert pages == [5, 5, 2]
    assert inventory.tables["inventory_network_interfaces"].num_rows == 12


def test_denied_apis_are_recorded_and_the_other_tables_still_land(aws: MotoServer) -> None:
    boto3.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    stubbers = []

    def denying_client(session: boto3.Session, service: str, region: str) -> BaseClient:
        client = aws_session.client(session, service, region)
        if service == "lambda":
            stubber = Stubber(client)
            message = (
                "User: arn:aws:sts::123456789012:assumed-role/flowpipe/flowpipe is not authorized to "
                "perform: lambda:ListFunctions on resource: * because no identity-based policy allows the "
                "lambda:ListFunctions action"
            )
            stubber.add_client_error("list_functions", "AccessDeniedException", message, http_status_code=403)
        elif service == "rds":
            stubber = Stubber(client)
            message = "User is not authorized to perform: rds:DescribeDBInstances"
            stubber.add_client_error("describe_db_instances", "AccessDenied", message, http_status_code=403)
            stubber.add_response("describe_db_clusters", {"DBClusters": []})
            stubber.add_response("describe_db_proxies", {"DBProxies": []})
        else:
            return client
        stubber.activate()
        stubbers.append(stubber)
        return client

    inventory = take_inventory(["us-east-1"], make_client=denying_client)
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    errors = sorted(inventory.errors.to_pylist(), key=lambda row: row["api"])
    assert inventory.errors.schema == ERRORS_SCHEMA
    assert [(row["api"], row["error_code"], row["region"]) for row in errors] == [
        ("lambda:ListFunctions", "AccessDeniedException", "us-east-1"),
        ("rds:DescribeDBInstances", "AccessDenied", "us-east-1"),
    ]
    assert "not authorized" in errors[0]["message"]
    assert inventory.tables["inventory_vpcs"].num_rows == 2  # the default VPC and ours
    for table in ("inventory_lambda_functions", "inventory_rds_instances"):
        assert inventory.tables[table].num_rows == 0
        assert inventory.tables[table].schema == table_schema(table)


def test_a_throttled_call_is_retried_and_lands(aws: MotoServer) -> None:
    """botocore's Stubber answers before the retry handler runs, so the throttle is served at before-send."""
    boto3.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")
    attempts = []

    def throttle_first_attempt(request, **_) -> AWSResponse | None:
        attempts.append(request.url)
        if len(attempts) > 1:
            return None
        raw = urllib3.HTTPResponse(body=io.BytesIO(THROTTLED_XML), status=503, preload_content=False)
        return AWSResponse(request.url, 503, {"Content-Type": "text/xml"}, raw)

    def throttling_client(session: boto3.Session, service: str, region: str) -> BaseClient:
        client = aws_session.client(session, service, region)
        if service == "ec2":
            client.meta.events.register("before-send.ec2.DescribeVpcs", throttle_first_attempt)
        return client

    inventory = take_inventory(["us-east-1"], make_client=throttling_client)
    assert len(attempts) == 2
    assert inventory.errors.num_rows == 0
    assert inventory.tables["inventory_vpcs"].num_rows == 2


def test_assumed_roles_inventory_their_own_accounts_in_every_region(aws: MotoServer) -> None:
    roles = [
        "arn:aws:iam::111111111111:role/flowpipe-reader",
        "arn:aws:iam::222222222222:role/flowpipe-reader",
    ]
    inventory = take_inventory(["us-east-1", "eu-west-1"], roles, external_id="flowpipe-ext")
    vpcs = inventory.tables["inventory_vpcs"].to_pylist()
    assert {(row["account_id"], row["region"]) for row in vpcs} == {
        (account, region)
        for account in ("111111111111", "222222222222")
        for region in ("us-east-1", "eu-west-1")
    }
    assert all(row["snapshot_time"].tzinfo is not None for row in vpcs)


def test_every_table_keeps_its_schema_when_the_account_is_empty(aws: MotoServer) -> None:
    inventory = take_inventory(["us-east-1"])
    for name, table in inventory.tables.items():
        assert table.schema == table_schema(name)
    assert inventory.tables["inventory_instances"].num_rows == 0


def test_progress_is_logged_per_account_and_region(aws: MotoServer) -> None:
    messages = []

    class Log:
        def info(self, msg: str, *args: object) -> None:
            messages.append(msg % args)

        def warning(self, msg: str, *args: object) -> None:
            messages.append(msg % args)

    take_inventory(["us-east-1", "us-west-2"], log=Log())
    assert sorted(message.split(":")[0] for message in messages) == ["inventory 1/2", "inventory 2/2"]
