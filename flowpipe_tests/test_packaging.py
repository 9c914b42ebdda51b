"""A wheel built from the project carries the SQL models, and the installed package finds them.

The README builds a wheel for Spark clusters, and `pip install .` installs one: without the models the
SQL assets would have nothing to run.
"""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from flowpipe.lib.sql_models import SQL_ROOT

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = ["pyproject.toml", "README.md", "flowpipe", "dbt_like_sql"]


def _build_wheel(tmp_path: Path) -> Path:
    """The wheel of a copy of the project (the build writes build/ and *.egg-info into its source tree)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        path = PROJECT / name
        if path.is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(path, source / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, source],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("flowpipe-*.whl")
    return wheel


def test_the_wheel_carries_every_model_and_seed_and_the_installed_package_finds_them(tmp_path):
    wheel = _build_wheel(tmp_path)
    expected = sorted(
        f"flowpipe/dbt_like_sql/{path.relative_to(SQL_ROOT).as_posix()}"
        for path in SQL_ROOT.rglob("*")
        if path.suffix in {".sql", ".csv"}
    )
    with zipfile.ZipFile(wheel) as archive:
        packed = sorted(name for name in archive.namelist() if name.startswith("flowpipe/dbt_like_sql/"))
    assert packed == expected

    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", target, wheel],
        check=True,
        capture_output=True,
    )
    probe = (
        "import json, flowpipe; from flowpipe.lib.resources import SQL_ROOT;"
        "from flowpipe.lib.sql_models import discover_models;"
        "print(json.dumps([flowpipe.__file__, str(SQL_ROOT), sorted(discover_models(SQL_ROOT))]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,  # not the checkout, whose flowpipe/ would come first on the path
        check=True,
        capture_output=True,
        text=True,
    )
    package_file, sql_root, models = json.loads(done.stdout.splitlines()[-1])
    from flowpipe.lib.sql_models import discover_models

    assert Path(package_file).is_relative_to(target)
    assert Path(sql_root).is_relative_to(target)
    assert models == sorted(discover_models(SQL_ROOT))
