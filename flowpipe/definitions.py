"""The one Definitions of flowpipe, loaded by `dagster dev`, `dg dev`, `flowpipe run` and the tests."""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    """Every definition under defs/. Runs execute in one process: a window's assets run one after the
    other anyway and DuckDB uses the cores, while a process per step cost ~5 s each (a window run from
    the UI took 134 s instead of 12 s)."""
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
    return dg.Definitions.merge(loaded, dg.Definitions(executor=dg.in_process_executor))
