"""`make lab` sets up, builds the data and serves the course notebooks; then stops cleanly.

The server runs on a free loopback port with a random token and throw-away Jupyter config,
data and runtime folders, in its own process group so the whole group can be stopped.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab_server import STOP_TIMEOUT_S, free_loopback_port, stop_group, wait_for_json

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 180  # a cold dataset build is budgeted at 90 s on 2 cores, lab start ~10 s


@pytest.mark.slow
def test_make_lab_serves_the_start_notebook(tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    stamp = venv / ".tlwidgets-installed"  # the Makefile's STAMP
    if not stamp.exists() or stamp.stat().st_mtime < (REPO / "pyproject.toml").stat().st_mtime:
        pytest.skip(f"{venv} is not set up by make (stale {stamp.name}); `make test` does that")

    port = free_loopback_port()
    token = secrets.token_hex(16)
    lab_args = (
        f"--no-browser --port={port} --ServerApp.port_retries=0 --ServerApp.ip=127.0.0.1 "
        f"--IdentityProvider.token={token} --ServerApp.open_browser=False"
    )
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env[name] = str(tmp_path / name.lower())
    log_path = tmp_path / "make-lab.log"

    with log_path.open("w") as log:
        lab = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"VENV={venv}", f"LAB_ARGS={lab_args}"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one below
        )
    try:
        url = f"http://127.0.0.1:{port}/api/contents?token={token}"
        listing = wait_for_json(url, lab, START_TIMEOUT_S, interval=1)
        assert listing is not None, f"no answer from {url}:\n{log_path.read_text()}"
        names = [item["name"] for item in listing["content"]]
        assert "00_start_here.ipynb" in names
    finally:
        stopped = stop_group(lab)

    assert stopped, f"`make lab` did not stop within {STOP_TIMEOUT_S} s:\n{log_path.read_text()}"
