"""The README's "what we test and what happens" names tests that exist: the table cannot drift from them."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# `flowpipe_tests/x/test_y.py::test_name[param]`, or `…::test_name` for the file named before it
_REFERENCE = re.compile(r"`(flowpipe_tests/[\w/]+\.py|…)(?:::(\w+)(?:\[[^\]]*\])?)?`")


def _references() -> list[tuple[str, str | None]]:
    text = README.read_text()
    section = text[text.index("## What we test and what happens") : text.index("## Speed and memory")]
    found, current = [], None
    for path, test in _REFERENCE.findall(section):
        current = current if path == "…" else path
        found.append((current, test or None))
    return found


def test_the_table_names_many_tests() -> None:
    assert len(_references()) > 40


def test_every_test_the_table_names_exists() -> None:
    missing = [
        f"{path}::{test}"
        for path, test in _references()
        if not (ROOT / path).is_file() or (test and f"def {test}(" not in (ROOT / path).read_text())
    ]
    assert missing == []
