"""The Dagster UI in a real browser: `flowpipe dev --simulated`, one window materialized from the asset graph,
a three-day backfill launched from the lineage, and the date's report read in the asset's metadata.

The UI launches every run; the GraphQL API only waits for runs and backfills and double-checks what the UI
shows. Runs are launched with the in-process executor (the launch dialog's config): with the default
multiprocess executor each of the 23 window steps starts its own process, about 5 s each on 2 cores.
Screenshots land in flowpipe_tests/artifacts/ui_browser/ (the last one is taken on failure too).
"""

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

logger = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = "apt-get install -y --no-install-recommends chromium chromium-driver"
ARTIFACTS = Path(__file__).parent / "artifacts" / "ui_browser"
FLOWPIPE = Path(sys.executable).parent / "flowpipe"

WINDOW = "2026-03-14-06:00"
BACKFILL_WINDOWS = "[2026-03-12-06:00...2026-03-14-18:00]"
REPORT_DATES = ("2026-03-12", "2026-03-13", "2026-03-14")
REPORT_DATE = "2026-03-14"
EFS_NAME = "myapp1-efs-general-purpose"

UI_START_SECONDS = 150
ELEMENT_SECONDS = 45
RUN_SECONDS = 180
BACKFILL_SECONDS = 300

RUN_DONE = {"SUCCESS", "FAILURE", "CANCELED"}
BACKFILL_DONE = {"COMPLETED_SUCCESS", "COMPLETED_FAILED", "COMPLETED", "FAILED", "CANCELED"}
RETRIED = (
    StaleElementReferenceException,
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
)


@dataclass
class DagsterUi:
    """A running `flowpipe dev --simulated`: its URL, GraphQL endpoint and log file."""

    url: str
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert "errors" not in answer, answer["errors"]
        return answer["data"]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _require_browser() -> None:
    """CI must run this test: a missing browser is a failure that says how to install it, never a skip."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run `{INSTALL_HINT}` (the Makefile does)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition: Callable[[], object], seconds: float, what: str, interval: float = 1.0) -> object:
    """Polls until condition() is truthy; connection errors count as 'not yet'."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def _processes_of(dagster_home: Path, port: int) -> list[int]:
    """Pids of processes started for this test that escaped its process group: by DAGSTER_HOME or port."""
    marker = f"DAGSTER_HOME={dagster_home}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in environ or ("dagster" in command and f" {port} " in f"{command} "):
            pids.append(int(entry.name))
    return pids


def _stop(process: subprocess.Popen, dagster_home: Path, port: int) -> None:
    """SIGTERM does not stop `dagster dev`: kill its whole process group, then any stray of this test."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    for pid in _processes_of(dagster_home, port):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def dagster_ui(tmp_path: Path) -> Iterator[DagsterUi]:
    port = _free_port()
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "FLOWPIPE_LAKE": str(tmp_path / "lake"),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "flowpipe_dev.log"
    command = [str(FLOWPIPE), "dev", "--simulated", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    ui = DagsterUi(url=f"http://127.0.0.1:{port}", log=log)
    try:

        def serving() -> bool:
            assert process.poll() is None, f"flowpipe dev exited early:\n{ui.log_tail()}"
            with urllib.request.urlopen(f"{ui.url}/server_info", timeout=5) as response:
                return response.status == 200

        _wait_for(serving, UI_START_SECONDS, f"the Dagster UI on port {port}")
        yield ui
    finally:
        _stop(process, dagster_home, port)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1600,1000",
        f"--user-data-dir={tmp_path / 'chromium_profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(90)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """Explicit waits and retried clicks over the Dagster UI (React re-renders make elements go stale)."""

    def __init__(self, driver: webdriver.Chrome, ui: DagsterUi) -> None:
        self.driver = driver
        self.ui = ui
        self.shots = 0

    def open(self, path: str) -> None:
        self.driver.get(f"{self.ui.url}{path}")

    def wait(self, find: Callable[[], object], what: str, seconds: float = ELEMENT_SECONDS) -> object:
        waiter = WebDriverWait(self.driver, seconds, poll_frequency=0.5, ignored_exceptions=RETRIED)
        try:
            return waiter.until(lambda _: find())
        except TimeoutException:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}") from None

    def visible(self, xpath: str) -> WebElement | None:
        shown = [element for element in self.driver.find_elements(By.XPATH, xpath) if element.is_displayed()]
        return shown[0] if shown else None

    def click(self, xpath: str, seconds: float = ELEMENT_SECONDS) -> None:
        """Clicks the first visible match once it is enabled, retrying while it re-renders or is covered."""

        def clicked() -> bool:
            element = self.visible(xpath)
            if element is None or not element.is_enabled():
                return False
            try:
                element.click()
            except ElementClickInterceptedException:
                self.skip_community_modal()
                return False
            return True

        self.wait(clicked, xpath, seconds)

    def skip_community_modal(self) -> None:
        skip = self.visible("//button[normalize-space()='Skip']")
        if skip is not None:
            skip.click()

    def dismiss_community_modal_on_first_load(self) -> None:
        """The 'Join the Dagster community' modal shows on a fresh profile's first page, a little late."""
        try:
            self.click("//button[normalize-space()='Skip']", seconds=15)
        except AssertionError:
            logger.info("no 'Join the Dagster community' modal to skip")
        self.wait(lambda: self.visible("//button[normalize-space()='Skip']") is None, "the modal to close")

    def dialog_text(self) -> str:
        return " ".join(
            element.text for element in self.driver.find_elements(By.CSS_SELECTOR, "[role=dialog]")
        )

    def choose_partitions(self, selection: str) -> None:
        """Types a partition key or [first...last] range into the open launch dialog."""
        self.wait(
            lambda: any(shown in self.dialog_text() for shown in ("Last 90 days", "All time")),
            "the partition range of the launch dialog",
        )
        if "All time" not in self.dialog_text():  # the dialog first offers only the last 90 days
            self.click("//*[@role='dialog']//*[normalize-space()='Show all partitions']")
            self.wait(lambda: "All time" in self.dialog_text(), "all partitions to be offered")
        field = self.wait(
            lambda: self.visible("//*[@role='dialog']//input[@type='text']"), "the partition text field"
        )
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        field.send_keys(selection, Keys.ENTER)
        self.wait(
            lambda: field.get_attribute("value") == selection, f"the partition field to read {selection}"
        )
        assert "Could not find partitions" not in self.dialog_text(), self.dialog_text()

    def screenshot(self, name: str) -> Path:
        self.shots += 1
        path = ARTIFACTS / f"{self.shots:02d}_{name}.png"
        self.driver.save_screenshot(str(path))
        logger.info("screenshot %s", path)
        return path


RUNS_QUERY = """
query ($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId status tags { key value } } }
  }
}"""

BACKFILLS_QUERY = """
{
  partitionBackfillsOrError {
    ... on PartitionBackfills {
      results { id status runs(limit: 20) { runId status tags { key value } } }
    }
  }
}"""

REPORT_QUERY = """
query ($partitions: [String!]) {
  assetOrError(assetKey: {path: ["report"]}) {
    ... on Asset {
      assetMaterializations(partitions: $partitions) {
        partition
        runId
        metadataEntries { label ... on MarkdownMetadataEntry { mdStr } }
      }
    }
  }
}"""


def _tags(run: dict) -> dict[str, str]:
    return {tag["key"]: tag["value"] for tag in run["tags"]}


def _window_run(ui: DagsterUi) -> dict | None:
    variables = {"filter": {"tags": [{"key": "dagster/partition", "value": WINDOW}]}}
    runs = ui.graphql(RUNS_QUERY, variables)["runsOrError"]["results"]
    return runs[0] if runs and runs[0]["status"] in RUN_DONE else None


def _backfill(ui: DagsterUi) -> dict | None:
    backfills = ui.graphql(BACKFILLS_QUERY)["partitionBackfillsOrError"]["results"]
    return backfills[0] if backfills and backfills[0]["status"] in BACKFILL_DONE else None


def _report_metadata(ui: DagsterUi, dates: tuple[str, ...]) -> dict[str, str]:
    """The report's Markdown metadata per date partition (the latest materialization of each)."""
    materializations = ui.graphql(REPORT_QUERY, {"partitions": list(dates)})["assetOrError"][
        "assetMaterializations"
    ]
    reports: dict[str, str] = {}
    for materialization in materializations:
        entries = {entry["label"]: entry.get("mdStr") for entry in materialization["metadataEntries"]}
        reports.setdefault(materialization["partition"], entries.get("report") or "")
    return reports


def _materialize_one_window(page: Page) -> None:
    page.open("/locations/flowpipe.definitions/jobs/window_job")
    page.dismiss_community_modal_on_first_load()
    page.wait(lambda: page.visible("//*[normalize-space()='ingest']"), "the window assets' graph")
    page.screenshot("window_job_asset_graph")
    page.click("//button[contains(normalize-space(), 'Materialize all')]")
    page.choose_partitions(WINDOW)
    page.screenshot("materialize_one_window_dialog")
    page.click("//*[@role='dialog']//button[normalize-space()='Launch 1 run']")
    page.wait(lambda: page.visible("//*[contains(normalize-space(), 'Launched run')]"), "the launch toast")
    page.screenshot("window_run_launched")
    run = _wait_for(lambda: _window_run(page.ui), RUN_SECONDS, f"the run of window {WINDOW}", interval=2)
    assert run["status"] == "SUCCESS", f"window run {run['runId']} {run['status']}:\n{page.ui.log_tail()}"
    assert _tags(run).get("dagster/from_ui") == "true"
    page.open(f"/runs/{run['runId']}")
    page.wait(lambda: page.visible("//*[normalize-space()='Success']"), "the run page to show Success")
    page.screenshot("window_run_succeeded")


def _backfill_three_days(page: Page) -> None:
    page.open("/asset-groups")
    page.wait(lambda: page.visible("//*[normalize-space()='report']"), "the global asset lineage")
    page.screenshot("global_asset_lineage")
    page.click("//button[contains(normalize-space(), 'Materialize all')]")
    page.choose_partitions(BACKFILL_WINDOWS)
    page.screenshot("backfill_dialog")
    page.click("//*[@role='dialog']//button[normalize-space()='Launch backfill']")
    page.wait(lambda: not page.dialog_text(), "the launch dialog to close")
    backfill = _wait_for(lambda: _backfill(page.ui), BACKFILL_SECONDS, "the backfill to finish", interval=3)
    runs = {run["runId"]: run["status"] for run in backfill["runs"]}
    assert backfill["status"] == "COMPLETED_SUCCESS", f"backfill {backfill}:\n{page.ui.log_tail()}"
    assert runs and set(runs.values()) == {"SUCCESS"}, runs
    assert all(_tags(run).get("dagster/from_ui") == "true" for run in backfill["runs"])
    page.open(f"/runs/b/{backfill['id']}")
    page.wait(
        lambda: (
            page.visible(f"//*[contains(normalize-space(), '{backfill['id']}')]")
            and page.visible("//*[normalize-space()='100% completed']")
        ),
        "the backfill's page",
    )
    page.screenshot("backfill_completed")


def _read_report_in_metadata(page: Page) -> None:
    page.open(f"/assets/report?view=partitions&partition={REPORT_DATE}")
    report_row = "//tr[./td[normalize-space()='report']]"
    page.wait(lambda: page.visible(report_row), "the report's metadata")
    page.screenshot("report_partition_metadata")
    page.click(f"{report_row}//a[normalize-space()='[Show Markdown]']")
    page.wait(lambda: EFS_NAME in page.dialog_text(), f"{EFS_NAME} in the report's Markdown")
    assert f"flowpipe report for {REPORT_DATE}" in page.dialog_text()
    page.screenshot("report_markdown")


def test_the_ui_materializes_a_window_backfills_three_days_and_shows_the_report(dagster_ui, browser):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    page = Page(browser, dagster_ui)
    try:
        _materialize_one_window(page)
        _backfill_three_days(page)
        _read_report_in_metadata(page)
    except BaseException as error:
        page.screenshot("failure")
        (ARTIFACTS / "failure.html").write_text(browser.page_source)
        error.add_note(f"screenshots and the failing page in {ARTIFACTS}")
        raise
    reports = _report_metadata(dagster_ui, REPORT_DATES)
    assert sorted(reports) == list(REPORT_DATES)
    assert EFS_NAME in reports[REPORT_DATE]
