"""A class on one JupyterHub: three students log in at once and run lesson 00.

The hub is the course's own setup (``classroom/jupyterhub/jupyterhub_config.py``) in its
``trial`` mode: JupyterHub with DummyAuthenticator (one shared password) and
SimpleLocalProcessSpawner (servers as local processes, no system users), the proxy from
``classroom/jupyterhub/node_modules`` (``npm ci --prefix classroom/jupyterhub``; ``make test``
runs it when npm is there). It listens on free loopback ports, keeps its database and cookie
secret in a temporary folder and gives each student a home there. A small test config loads
the course's and adds only what the test needs: its ports, the three allowed users, an API
token for the checks, and the test session's environment (``TLW_SMOKE=1``, the offline guard)
passed on to the students' kernels.

Three Chromium contexts (one per student, Playwright's async API) log in concurrently; each
lands on lesson 00 of its own copy of the student editions, runs the cells down to the
environment check and its assert, and the test checks that every kernel answered, that the
hub lists three running servers, that each kernel got the per-student thread cap and the
shared data home, and that the shared cache was only read. Every process is stopped, even on
failure.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from playwright.async_api import Browser, async_playwright, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # one browser set-up for all tests
from tests.lab_server import free_loopback_port, stop_group
from tlwidgets.data.home import cache_dir, data_home

REPO = Path(__file__).resolve().parents[2]
HUB_DIR = REPO / "classroom" / "jupyterhub"
CONFIG = HUB_DIR / "jupyterhub_config.py"
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
VENV_BIN = Path(sys.executable).parent  # the course's venv (make test: .venv)
STUDENTS = ("ada", "grace", "alan")
THREADS = "1"  # the per-student cap the test asks for, checked in each kernel's environment
START_TIMEOUT_S = 60  # hub and proxy answer
SPAWN_TIMEOUT_MS = 150_000  # three servers start at once on a 2-core machine
RUN_TIMEOUT_MS = 150_000  # lesson 00's first cells, three kernels sharing the cores
STOP_TIMEOUT_S = 60
KERNEL_READY = re.compile(r"^(?!No Kernel).* \| Idle$")  # the status bar's kernel item
LAST_CELL_RUN = "If every row has a"  # the first text after lesson 00's environment check

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# True once every code cell above cell ``n`` shows an execution count: "[3]:".
CELLS_ABOVE_RAN = """n => {
    const cells = [...document.querySelectorAll(".jp-Notebook .jp-Cell")].slice(0, n)
        .filter(cell => cell.classList.contains("jp-CodeCell"));
    return cells.length > 0 && cells.every(cell => /^\\[\\d+\\]:$/.test(
        cell.querySelector(".jp-InputArea-prompt").textContent.trim()));
}"""
# The index of the first cell whose text contains ``text``.
CELL_INDEX = """text => [...document.querySelectorAll(".jp-Notebook .jp-Cell")]
    .findIndex(cell => cell.textContent.includes(text))"""


def _skip_reason() -> str | None:
    """Why this machine cannot run the class test, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's chromium (CI does) to run this"
    if shutil.which("node") is None:
        return "node is missing: install nodejs and npm (.ci/run does) for JupyterHub's proxy"
    if not PROXY.exists():
        return f"{PROXY} is missing: run `npm ci --prefix classroom/jupyterhub` (make test does)"
    if not (VENV_BIN / "jupyterhub").exists():
        return "jupyterhub is not installed: pip install -e '.[hub]' (make test does)"
    return None


@dataclass
class Hub:
    """A running JupyterHub for the class."""

    url: str  # "http://127.0.0.1:<port>", the proxy's public address
    password: str
    api_token: str  # a service token that may read users and their servers
    homes: Path  # one home per student
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    def log(self) -> str:
        """What the hub (and the servers it started) wrote so far."""
        return self.log_path.read_text(errors="replace")

    def api(self, path: str) -> dict | list | None:
        """GET the hub's REST API at ``path`` with the test's token; None while it is down."""
        request = urllib.request.Request(
            f"{self.url}/hub/api/{path}", headers={"Authorization": f"token {self.api_token}"}
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        try:
            with direct.open(request, timeout=5) as response:
                return json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None


def _cache_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file in the data cache with its size and modification time."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _write_test_config(path: Path, api_token: str) -> None:
    """The course's config, plus the ports, users, API token and environment of this test."""
    hub_port, proxy_api_port = free_loopback_port(), free_loopback_port()
    path.write_text(
        f"""load_subconfig({str(CONFIG)!r})
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.services = [{{"name": "class-check", "api_token": {api_token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "class-check",
    "scopes": ["list:users", "read:users", "read:servers"],
    "services": ["class-check"],
}}]
# The test session's settings reach every kernel: smoke budget, Agg, the offline guard.
c.Spawner.env_keep = ["PATH", "PYTHONPATH", "LANG", "LC_ALL", "TLW_SMOKE", "MPLBACKEND",
                      "TLW_OFFLINE_GUARD"]
"""
    )


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    """Start the course's JupyterHub in trial mode on loopback; stop everything it started."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    edition = tmp_path / "student"
    subprocess.run(
        [sys.executable, "-m", "tlwidgets.classroom.student", "--out", str(edition)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    state = tmp_path / "state"  # the hub's database and cookie secret
    state.mkdir()
    api_token = secrets.token_hex(16)
    config = tmp_path / "test_config.py"
    _write_test_config(config, api_token)
    port = free_loopback_port()
    password = secrets.token_hex(8)
    env = {
        **os.environ,
        "TLW_HUB_MODE": "trial",
        "TLW_HUB_PASSWORD": password,
        "TLW_HUB_USERS": ",".join(STUDENTS),
        "TLW_HUB_HOMES": str(tmp_path / "homes"),
        "TLW_HUB_BIND_URL": f"http://127.0.0.1:{port}",
        "TLW_HUB_EDITION": str(edition),
        "TLW_HUB_VENV": str(VENV_BIN.parent),
        "TLW_HUB_DATA_HOME": str(data_home()),
        "TLW_HUB_THREADS": THREADS,
    }
    log_path = tmp_path / "jupyterhub.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            cwd=state,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(
        f"http://127.0.0.1:{port}", password, api_token, tmp_path / "homes", log_path, process
    )
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while hub.api("") is None and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert hub.api("") is not None, f"no answer from {hub.url}/hub/api/:\n{hub.log()}"
        yield hub
    finally:
        started = psutil.Process(process.pid).children(recursive=True)
        process.terminate()  # the hub stops the students' servers and its proxy itself
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        stop_group(process)
        _, alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT_S)
        for leftover in alive:
            leftover.kill()
    assert not alive, f"processes left after JupyterHub stopped: {alive}\n{hub.log()[-4000:]}"


async def run_lesson_00(browser: Browser, hub: Hub, name: str) -> dict:
    """Log ``name`` in, run lesson 00 down to its environment check; what the page showed."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1600})
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
        await page.goto(f"{hub.url}/hub/login")
        await page.locator("#username_input").fill(name)
        await page.locator("#password_input").fill(hub.password)
        await page.locator("#login_submit").click()
        # The spawn page waits for the server, then JupyterLab opens the default URL.
        notebook = page.locator(".jp-Notebook")
        await expect(notebook).to_be_visible(timeout=SPAWN_TIMEOUT_MS)
        assert f"/user/{name}/lab/tree/00_start_here.ipynb" in page.url, page.url
        kernel = page.locator("#jp-main-statusbar").get_by_title(
            "Change kernel for 00_start_here.ipynb"
        )
        await expect(kernel).to_have_text(KERNEL_READY, timeout=SPAWN_TIMEOUT_MS)

        # Select the text after the environment check, then Run > Run All Above Selected Cell.
        last = await page.evaluate(CELL_INDEX, LAST_CELL_RUN)
        assert last > 0, f"no cell with {LAST_CELL_RUN!r} in lesson 00"
        await notebook.locator(".jp-Cell").nth(last).click()
        await page.locator("#jp-MainMenu").get_by_role("menuitem", name="Run", exact=True).click()
        await page.get_by_role("menuitem", name="Run All Above Selected Cell").click()
        await page.wait_for_function(CELLS_ABOVE_RAN, arg=last, timeout=RUN_TIMEOUT_MS)
        ran = notebook.locator(".jp-Cell").filter(has=page.locator(".jp-OutputArea-output"))
        tracebacks = notebook.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
        )
        first_output = await notebook.locator(
            ".jp-CodeCell .jp-OutputArea-output"
        ).first.inner_text()
        kernels = await (await page.request.get(f"{hub.url}/user/{name}/api/kernels")).json()
        return {
            "cells with output": await ran.count(),
            "tracebacks": await tracebacks.all_inner_texts(),
            "first output": first_output,
            "kernels": kernels,
            "errors": errors,
        }
    finally:
        await context.close()


async def run_class(hub: Hub) -> dict[str, dict]:
    """Every student at once, each in their own browser context (their own cookies)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            results = await asyncio.gather(*(run_lesson_00(browser, hub, n) for n in STUDENTS))
        finally:
            await browser.close()
    return dict(zip(STUDENTS, results, strict=True))


def _kernel_processes(hub: Hub) -> list[psutil.Process]:
    """The ipykernel processes the hub's servers started."""
    found = []
    for child in psutil.Process(hub.process.pid).children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


@pytest.mark.timeout(400)
def test_three_students_log_in_at_once_and_their_kernels_answer(hub):
    cache_before = _cache_snapshot(cache_dir())
    try:
        results = asyncio.run(run_class(hub))
    except Exception:
        print("JupyterHub log (end):\n" + hub.log()[-6000:])
        raise

    for name, result in results.items():
        assert not result["tracebacks"], f"{name}'s lesson 00 failed: {result['tracebacks']}"
        assert result["first output"].strip(), f"{name}'s kernel printed nothing: {result}"
        assert result["cells with output"] >= 2, f"{name}: {result}"
        assert len(result["kernels"]) == 1, f"{name}'s server runs {result['kernels']}"
        assert result["kernels"][0]["execution_state"] == "idle", result["kernels"]
        assert not result["errors"], f"{name}'s page logged errors: {result['errors']}"
    kernel_ids = {result["kernels"][0]["id"] for result in results.values()}
    assert len(kernel_ids) == len(STUDENTS), "the students share a kernel"

    users = {user["name"]: user for user in hub.api("users")}
    for name in STUDENTS:
        server = users[name]["servers"][""]
        assert server["ready"], f"{name}'s server is not ready: {server}"

    kernels = _kernel_processes(hub)
    assert len(kernels) == len(STUDENTS), kernels
    homes = set()
    for kernel in kernels:
        environ = kernel.environ()
        assert environ["OMP_NUM_THREADS"] == THREADS, environ
        assert environ["TLW_DATA_HOME"] == str(data_home()), environ
        homes.add(Path(kernel.cwd()))
    assert homes == {hub.homes / name / "tlwidgets" for name in STUDENTS}, homes
    assert _cache_snapshot(cache_dir()) == cache_before, "a kernel wrote to the shared cache"
