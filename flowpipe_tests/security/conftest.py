from flowpipe_tests.faults.fixtures import direct_s3, faulty_aws, proxy  # noqa: F401 - fixtures
