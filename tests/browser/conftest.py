"""Fixtures for the real-browser test: a throw-away JupyterLab server and headless Chromium.

The server runs like ``tests/test_make_lab.py`` starts ``make lab``: on a free loopback port,
with a random token, throw-away Jupyter config/data/runtime/settings/workspace folders, and in
its own process group so the whole group can be stopped. It serves a temporary folder holding
a copy of the notebook under test, so JupyterLab's autosave never writes outputs into the repo.
The environment (``TLW_SMOKE=1``, ``MPLBACKEND=Agg``, the offline guard) comes from
``tests/conftest.py`` and is inherited by the server and its kernels.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import ConsoleMessage, Page, sync_playwright

from tests.lab_server import STOP_TIMEOUT_S, free_loopback_port, stop_group, wait_for_json

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"  # git-ignored; screenshots land here
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright cannot download its own offline
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 2400}  # tall: both widgets fit, so the screenshot shows them
START_TIMEOUT_S = 60

# User settings in the throw-away settings folder. No news or update pop-up (it could cover
# what the test clicks, and fetching it is network access); no notebook windowing, so every
# cell stays in the page.
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a ``browser`` test, before its fixtures start a server, when Chromium is missing."""
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (CI does) to run this")


def _descendants(pid: int) -> list[psutil.Process]:
    """The processes ``pid`` started, recursively (kernels run in a session of their own)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _write_user_settings(settings_dir: Path) -> None:
    for name, values in LAB_USER_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


@dataclass
class LabServer:
    """A running JupyterLab server that serves ``root``."""

    base_url: str  # "http://127.0.0.1:<port>"
    token: str
    root: Path  # the folder it serves (notebooks are copied here)
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def notebook_url(self, name: str) -> str:
        """The address that opens notebook ``name`` (relative to ``root``) in JupyterLab."""
        return f"{self.base_url}/lab/tree/{urllib.parse.quote(name)}?token={self.token}"

    def log(self) -> str:
        """What the server wrote so far (for failure messages)."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[LabServer]:
    """Start JupyterLab on a free loopback port; stop its process group (and kernels) after.

    Fails the test if any process the server started is still alive once it has stopped.
    """
    root = tmp_path / "root"
    root.mkdir()
    port = free_loopback_port()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "IPYTHONDIR",
    ):
        env[name] = str(tmp_path / name.lower())
    _write_user_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}",
        "--LabApp.extension_manager=readonly",  # as `make lab`: no package index lookups
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # jupyter refuses to start as root (CI) without it
    log_path = tmp_path / "jupyter-lab.log"

    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one below
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log_path, process)
    started: list[psutil.Process] = []
    try:
        status_url = f"{server.base_url}/api/status?token={token}"
        status = wait_for_json(status_url, process, START_TIMEOUT_S)
        assert status is not None, f"no answer from {status_url}:\n{server.log()}"
        yield server
    finally:
        started = _descendants(process.pid)  # kernels included, before they are shut down
        stopped = stop_group(process)

    assert stopped, f"JupyterLab did not stop within {STOP_TIMEOUT_S} s:\n{server.log()}"
    _, alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT_S)
    for leftover in alive:
        leftover.kill()
    assert not alive, f"processes left after JupyterLab stopped: {alive}\n{server.log()}"


@dataclass
class BrowserErrors:
    """Console errors and uncaught page errors seen by a page, in order."""

    messages: list[str] = field(default_factory=list)

    def add_console_message(self, message: ConsoleMessage) -> None:
        """Keep a ``console.error(...)`` the page logged (``page.on("console")``)."""
        if message.type == "error":
            where = message.location
            self.messages.append(
                f"console.error: {message.text} (at {where['url']}:{where['lineNumber']})"
            )

    def add_page_error(self, error: Exception) -> None:
        """Keep an exception no page script caught (``page.on("pageerror")``)."""
        self.messages.append(f"uncaught: {error}")

    def report(self) -> str:
        """One indented line per error, for a failure message."""
        return "\n".join(f"  - {message}" for message in self.messages)


@pytest.fixture
def chromium_page(lab_server: LabServer) -> Iterator[tuple[Page, BrowserErrors]]:
    """A page in headless Chromium, and the errors it logs; closed before the server stops."""
    errors = BrowserErrors()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.on("console", errors.add_console_message)
            page.on("pageerror", errors.add_page_error)
            yield page, errors
        finally:
            browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    """The git-ignored folder where screenshots are kept for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
