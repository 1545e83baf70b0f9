"""Session-wide test settings: smoke budget, headless matplotlib and the offline guard.

The offline guard (``tests/offline_guard/sitecustomize.py``) refuses any connection to a
non-loopback address. It is installed in this process here, and in every Python process the
tests start through ``PYTHONPATH`` (notebook kernels, ``make lab``'s server...). Each refused
attempt is appended to a log file; if that log has any line at the end of the session, the run
fails with a report listing them, even when the code that tried caught the error.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest

OFFLINE_GUARD_DIR = Path(__file__).resolve().parent / "offline_guard"
LOG_ENV = "TLW_OFFLINE_GUARD"

_session_log: Path | None = None  # this session's guard log, set in pytest_configure
_blocked: list[str] = []  # refused attempts read back at session end, for the summary


def _install_offline_guard() -> None:
    """Load the guard module from its file and install it in this process."""
    spec = importlib.util.spec_from_file_location(
        "tlw_offline_guard", OFFLINE_GUARD_DIR / "sitecustomize.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()


def pytest_configure(config: pytest.Config) -> None:
    """Set the environment every test and child process sees, and start the guard."""
    os.environ["TLW_SMOKE"] = "1"
    os.environ["MPLBACKEND"] = "Agg"

    # A fresh log per session, even when a parent pytest already set one: a pytest run
    # inside a test (tests/test_offline_guard.py does that) reports its own attempts.
    global _session_log
    fd, log = tempfile.mkstemp(prefix="tlw-offline-guard-", suffix=".log")
    os.close(fd)
    _session_log = Path(log)
    os.environ[LOG_ENV] = log
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(OFFLINE_GUARD_DIR), path) if p)
    _install_offline_guard()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if anything, in this process or a child, tried to reach the network."""
    if _session_log is not None and _session_log.exists():
        _blocked.extend(_session_log.read_text().splitlines())
        _session_log.unlink()
    if _blocked and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the refused network attempts, if any, at the end of the report."""
    if not _blocked:
        return
    terminalreporter.section("offline guard: network access attempted", sep="=", red=True)
    terminalreporter.line(
        f"{len(_blocked)} attempt(s) to reach a non-loopback address were refused; the course "
        "must run offline, so this run FAILS even if every test passed:",
        red=True,
    )
    for line in _blocked:
        terminalreporter.line(f"  {line}")
