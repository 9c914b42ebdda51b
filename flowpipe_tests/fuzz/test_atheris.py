"""A short, seeded libFuzzer run of each atheris target: coverage-guided inputs, none may crash flowpipe.

Longer runs: `python -m flowpipe_tests.fuzz.atheris_targets object -runs=1000000` (any libFuzzer flags).
"""

import subprocess
import sys

import pytest

# Runs per target: a few seconds each on a busy CI machine (the text target goes through DuckDB often).
RUNS = {"object": 1500, "text": 300, "names": 5000}


@pytest.mark.parametrize("target", sorted(RUNS))
def test_the_fuzzer_finds_no_input_that_crashes(target: str) -> None:
    runs = RUNS[target]
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowpipe_tests.fuzz.atheris_targets",
            target,
            f"-runs={runs}",
            "-seed=1",
            "-max_total_time=60",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert finished.returncode == 0, finished.stderr[-4000:]
    assert "Done" in finished.stderr
