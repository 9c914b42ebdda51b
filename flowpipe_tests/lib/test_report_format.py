"""How the report prints values: bytes, shared names, ports, dollars and Markdown tables."""

import pandas as pd

from flowpipe.lib.report_format import human_bytes, markdown_table, port_label, talkers_table, usd


def test_bytes_are_grouped_by_thousands_with_spaces():
    assert human_bytes(500_123_456.0) == "500 123 456"
    assert human_bytes(999) == "999"


def test_port_label_names_the_service_else_the_protocol():
    assert port_label(443, "https", "tcp") == "443/https"
    assert port_label(6432, float("nan"), "tcp") == "6432/tcp"
    assert port_label(0, None, None) == "0"


def test_dollars_below_a_cent_are_not_shown_as_zero():
    assert (usd(0), usd(0.004), usd(0.135), usd(1234.5)) == ("0.00", "< 0.01", "0.14", "1,234.50")


def test_a_markdown_table_keeps_values_as_printed_and_says_none_when_empty():
    assert markdown_table([]) == "none"
    assert markdown_table([{"EST. COST USD": "0.00"}]).splitlines()[-1] == "| 0.00            |"


def test_talkers_read_as_named_pairs_with_their_port_and_bytes():
    talkers = pd.DataFrame(
        [
            {
                "client_name": "web",
                "client_count": 3,
                "client_type": "ec2:instance",
                "server_name": "S3 us-east-1",
                "server_count": 4,
                "server_type": "aws:service",
                "server_port": 443,
                "service": "https",
                "protocol": "tcp",
                "bytes": 1_500,
            }
        ]
    )
    assert talkers_table(talkers) == [
        {"CLIENT": "web (3 instances)", "SERVER": "S3 us-east-1", "PORT": "443/https", "BYTES": "1 500"}
    ]
