"""Coverage-guided fuzz targets (atheris, libFuzzer) for what flowpipe reads from outside.

`python -m flowpipe_tests.fuzz.atheris_targets TARGET [libFuzzer flags] [corpus dir]`: every input must be
parsed, quarantined or refused with the documented exception; anything else is a crash libFuzzer reports
(a traceback, a non-zero exit, the input in a crash-* file). test_atheris.py runs each target briefly.
"""

import contextlib
import gzip
import sys
import tempfile
from pathlib import Path

import atheris
import boto3

# Only flowpipe's own code is instrumented: instrumenting pyarrow's and boto3's takes longer than the runs.
with atheris.instrument_imports(include=["flowpipe"]):
    from flowpipe.lib.flow_fields import DEFAULT_FORMAT, parse_log_format
    from flowpipe.lib.flow_parser import parse_files, parse_lines
    from flowpipe.lib.flow_sources import delivery_time, open_flow_log_source

HEADER = " ".join(DEFAULT_FORMAT).encode()
RECORD = b"2 123456789012 eni-0a1 10.0.1.10 10.0.2.4 40000 443 6 10 500 1773482400 1773482460 ACCEPT OK"
SEEDS = {
    "object": [gzip.compress(HEADER + b"\n" + RECORD + b"\n", mtime=0)],
    "text": [HEADER + b"\n" + RECORD + b"\n" + RECORD.replace(b"500", b"x") + b"\n"],
    "lines": [RECORD + b"\n" + b"2 - - - - - - - - - 1773482400 1773482460 - NODATA"],
    "names": [
        b"logs:/vpc/flow\x00s3://bucket/AWSLogs/1_vpcflowlogs_r_fl-1_20260314T1000Z_ab.log.gz\x00${version}"
    ],
}


class _Targets:
    """One scratch file reused by every input; an S3 client made once (sources are opened, never read)."""

    def __init__(self, scratch: str) -> None:
        self.path = str(Path(scratch) / "object.log.gz")
        self.s3 = boto3.client("s3", region_name="us-east-1")

    def object(self, data: bytes) -> None:
        """Any bytes as a delivered .log.gz object: records, rejects or a failure of that object."""
        Path(self.path).write_bytes(data)
        result = parse_files({self.path: "s3://bucket/object.log.gz"})
        if result.failures and result.records.num_rows:
            raise AssertionError("a failed object kept records")

    def text(self, data: bytes) -> None:
        """Any text inside a valid gzip: the header and lines as AWS would deliver them."""
        self.object(gzip.compress(data, mtime=0))

    def lines(self, data: bytes) -> None:
        """Any CloudWatch Logs messages: each non-empty one a record or a reject."""
        messages = data.decode("utf-8", errors="replace").split("\n")
        result = parse_lines(messages, DEFAULT_FORMAT, "logs:group/stream")
        if result.records.num_rows + result.rejects.num_rows != sum(1 for line in messages if line):
            raise AssertionError("a message was lost or counted twice")

    def names(self, data: bytes) -> None:
        """Any location, key name and log format: a source, a time or none, names, or a ValueError."""
        location, _, rest = data.decode("utf-8", errors="replace").partition("\x00")
        key, _, log_format = rest.partition("\x00")
        delivery_time(key)
        with contextlib.suppress(ValueError, FileNotFoundError):
            if not location.startswith("logs:"):  # a log group costs two boto3 clients: hypothesis covers it
                open_flow_log_source(location, s3_client=self.s3)
        with contextlib.suppress(ValueError):
            parse_log_format(log_format)


def main() -> None:
    target_name, *flags = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="flowpipe-atheris-") as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        for index, seed in enumerate(SEEDS[target_name]):
            (corpus / f"seed-{index}").write_bytes(seed)
        target = getattr(_Targets(scratch), target_name)
        atheris.Setup([sys.argv[0], *flags, f"-artifact_prefix={scratch}/", str(corpus)], target)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
