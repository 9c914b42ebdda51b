"""top_talkers and efs_clients on literal rows: named pairs, shared Name tags, EFS per file system."""

from flowpipe_tests.dbt_like_sql.conftest import endpoint, record

WEB_A = endpoint("10.0.1.10", "ec2:instance", "web", "i-web-a", "eni-web-a", "a")
WEB_B = endpoint("10.0.1.11", "ec2:instance", "web", "i-web-b", "eni-web-b", "b")
EFS_A = endpoint("10.0.1.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs-a", "a")
EFS_B = endpoint("10.0.2.4", "efs:mount-target", "shared-fs", "fs-1", "eni-efs-b", "b")
NFS_SERVER = endpoint("10.0.1.50", "ec2:instance", "old-nfs", "i-nfs", "eni-nfs", "a")


def _nfs(eni, client, server, port, up, down):
    return [
        record(eni, client, server, port, 2049, up),
        record(eni, server, client, 2049, port, down),
    ]


def test_instances_sharing_a_name_are_one_row_with_a_count(build_model):
    records = _nfs("eni-web-a", "10.0.1.10", "10.0.1.4", 40000, 100, 1_000) + _nfs(
        "eni-web-b", "10.0.1.11", "10.0.2.4", 40001, 200, 2_000
    )
    talkers = build_model("top_talkers", records, [WEB_A, WEB_B, EFS_A, EFS_B])
    assert len(talkers) == 1
    row = talkers.iloc[0]
    # two mount targets of one file system are one server: the file system
    assert (row.client_name, row.client_count, row.server_name, row.server_count) == (
        "web",
        2,
        "shared-fs",
        1,
    )
    assert (row.bytes, row.bytes_up, row.bytes_down, row["rank"]) == (3_300, 300, 3_000, 1)
    assert (row.protocol, row.service) == ("tcp", "nfs")


def test_top_talkers_are_ranked_by_bytes_and_cut_at_top_n(build_model):
    records = _nfs("eni-web-a", "10.0.1.10", "10.0.1.4", 40000, 100, 1_000) + _nfs(
        "eni-web-a", "10.0.1.10", "10.0.1.50", 40002, 10, 10
    )
    talkers = build_model("top_talkers", records, [WEB_A, EFS_A, NFS_SERVER], top_n=1)
    assert list(talkers.server_name) == ["shared-fs"]


def test_efs_clients_name_the_file_system_and_both_azs(build_model):
    records = (
        _nfs("eni-web-a", "10.0.1.10", "10.0.1.4", 40000, 100, 1_000)
        + _nfs("eni-web-b", "10.0.1.11", "10.0.1.4", 40001, 200, 2_000)
        + _nfs("eni-web-a", "10.0.1.10", "10.0.1.50", 40002, 5, 5)
    )
    efs = build_model("efs_clients", records, [WEB_A, WEB_B, EFS_A, NFS_SERVER]).sort_values("client_az")
    assert list(efs.file_system_id) == ["fs-1", "fs-1"]
    assert list(efs.client_az) == ["us-east-1a", "us-east-1b"]
    assert list(efs.mount_target_az) == ["us-east-1a", "us-east-1a"]
    assert list(efs.cross_az) == [False, True]
    assert list(efs.bytes) == [1_100, 2_200]
