"""Helpers the lab-server tests share: a free loopback port, polling, and a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

STOP_TIMEOUT_S = 30


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict | None:
    """Return the JSON at ``url``, or None while the server is not answering yet."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with direct.open(url, timeout=5) as response:
            return json.load(response)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for_json(
    url: str, process: subprocess.Popen, timeout: float, interval: float = 0.5
) -> dict | None:
    """Poll ``url`` until it answers JSON; None if ``process`` exits or ``timeout`` s pass."""
    deadline = time.monotonic() + timeout
    answer = None
    while answer is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(interval)
        answer = get_json(url)
    return answer


def stop_group(process: subprocess.Popen) -> bool:
    """SIGTERM the process group led by ``process``; True if all of it exited in time."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            os.killpg(process.pid, 0)  # raises once no process of the group is left
            time.sleep(0.2)
    except ProcessLookupError:
        return True
    except subprocess.TimeoutExpired:
        pass
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return False
