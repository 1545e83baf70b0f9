"""What one student costs a shared server: each lesson's peak memory and CPU time, full mode.

Sizing a JupyterHub for a class (``docs/jupyterhub.md``) needs two numbers per student: how
much memory their kernel holds at its peak, and how much CPU time a lesson keeps busy. Every
``notebooks/*.ipynb`` (or those named) is executed in full mode (``TLW_SMOKE`` removed) with
nbclient, as ``bench/bench_notebooks.py`` does, with the thread cap the hub gives each student
(``OMP_NUM_THREADS`` and friends, ``--threads``, default 2). While it runs, a thread polls the
kernel and anything it starts (psutil) and keeps:

- peak RSS: the most resident memory the kernel's processes held at once (shared libraries
  counted in full: the conservative figure, what a per-user memory limit sees);
- peak USS: the most memory unique to them (what each extra student adds once the libraries
  are in the page cache);
- CPU seconds (user + system, all threads) and wall seconds, kernel start included; their ratio
  is the number of cores the lesson keeps busy on average while it runs.

It also measures two fixed costs: a student's idle JupyterLab server with no kernel
(``jupyterhub-singleuser`` is the same server), per logged-in student, and the class's
JupyterHub with its proxy (``classroom/jupyterhub``, trial mode, nobody logged in), once.

    python bench/bench_classroom.py                          # every notebook
    python bench/bench_classroom.py 00_start_here 01_inductive_transfer   # only these
    python bench/bench_classroom.py --servers-only           # only the idle servers

Runs are keyed by notebook: measuring some notebooks replaces only their runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat
import psutil
from bench_notebooks import find_notebooks  # the same notebook selection and its errors
from nbclient import NotebookClient

from record import REPO, RESULTS_DIR, this_command, write_result

STEM = "bench_classroom"
NOTEBOOKS_DIR = REPO / "notebooks"
CELL_TIMEOUT_S = 900
POLL_S = 0.25  # RSS and CPU times; USS (it reads /proc/<pid>/smaps) every 4th poll
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
MIB = 1024 * 1024
IDLE = {  # the fixed costs measured besides the notebooks: run name -> what it is
    "idle JupyterLab server": "one logged-in student's server, no kernel",
    "idle JupyterHub": "the hub and its proxy, nobody logged in",
}
HUB_CONFIG = REPO / "classroom" / "jupyterhub" / "jupyterhub_config.py"
HUB_PROXY = REPO / "classroom" / "jupyterhub" / "node_modules" / ".bin" / "configurable-http-proxy"


class ChildrenMonitor:
    """Poll this process's descendants (the kernel and its helpers) in a background thread.

    ``peak_rss`` and ``peak_uss`` are the largest sums seen at one poll, in bytes;
    ``cpu_seconds`` sums, over every descendant seen, its last user + system time (its own
    threads and its reaped children included).
    """

    def __init__(self) -> None:
        self.peak_rss = 0
        self.peak_uss = 0
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> last CPU s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds used by every descendant seen so far."""
        return sum(self._cpu.values())

    def __enter__(self) -> ChildrenMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = psutil.Process()
        polls = 0
        while not self._stop.is_set():
            rss = uss = 0
            for child in me.children(recursive=True):
                try:
                    with child.oneshot():
                        times = child.cpu_times()
                        rss += child.memory_info().rss
                        key = (child.pid, child.create_time())
                    if polls % 4 == 0:
                        uss += child.memory_full_info().uss
                except psutil.Error:  # it exited between the listing and the reading
                    continue
                self._cpu[key] = times.user + times.system + times.children_user
                self._cpu[key] += times.children_system
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_uss = max(self.peak_uss, uss)
            polls += 1
            self._stop.wait(POLL_S)


def measure_notebook(path: Path) -> dict[str, float]:
    """Run the notebook at ``path`` in full mode in a fresh kernel, polling what it uses.

    Returns
    -------
    dict
        ``peak_rss_mib``, ``peak_uss_mib``, ``cpu_s``, ``wall_s`` and ``cores_busy``
        (``cpu_s / wall_s``).
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
    )
    with ChildrenMonitor() as monitor:
        start = time.perf_counter()
        client.execute()  # raises CellExecutionError, naming the cell, if one fails
        wall = time.perf_counter() - start
    return {
        "peak_rss_mib": round(monitor.peak_rss / MIB),
        "peak_uss_mib": round(monitor.peak_uss / MIB),
        "cpu_s": round(monitor.cpu_seconds, 1),
        "wall_s": round(wall, 1),
        "cores_busy": round(monitor.cpu_seconds / wall, 2),
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, timeout_s: float = 60) -> None:
    """Wait until ``url`` answers (a page load, as a login does).

    Raises
    ------
    SystemExit
        If ``server`` exits or ``timeout_s`` passes first.
    """
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            direct.open(url, timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"no answer from {url}") from None
            time.sleep(0.5)


def measure_idle_server(settle_s: float = 5.0) -> int:
    """Start JupyterLab on a free loopback port with no kernel; return its RSS in MiB."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=bench",
        "--LabApp.extension_manager=readonly",
        f"--ServerApp.root_dir={NOTEBOOKS_DIR}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/lab?token=bench", server)
        time.sleep(settle_s)
        return round(psutil.Process(server.pid).memory_info().rss / MIB)
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure_idle_hub(settle_s: float = 5.0) -> int:
    """Start the class's JupyterHub (trial mode, proxy included), nobody logged in; RSS in MiB.

    Returns
    -------
    int
        The resident memory of the hub and its proxy together.
    """
    hub = Path(sys.executable).with_name("jupyterhub")
    if not (hub.exists() and HUB_PROXY.exists()):
        raise SystemExit(f"needs {hub} (pip install -e '.[hub]') and {HUB_PROXY} (npm ci)")
    state = Path(tempfile.mkdtemp(prefix="tlw-bench-hub-"))
    port, hub_port, api_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "TLW_HUB_MODE": "trial",
        "TLW_HUB_PASSWORD": "bench",
        "TLW_HUB_BIND_URL": f"http://127.0.0.1:{port}",
        "TLW_HUB_HOMES": str(state / "homes"),
    }
    command = [
        str(hub),
        "-f",
        str(HUB_CONFIG),
        f"--JupyterHub.hub_bind_url=http://127.0.0.1:{hub_port}",
        f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}",
    ]
    server = subprocess.Popen(
        command,
        cwd=state,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/hub/login", server)
        time.sleep(settle_s)
        processes = [psutil.Process(server.pid), *psutil.Process(server.pid).children(True)]
        return round(sum(process.memory_info().rss for process in processes) / MIB)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(state, ignore_errors=True)


def previous_runs() -> list[dict[str, Any]]:
    """The runs of the last result file, or none."""
    path = RESULTS_DIR / f"{STEM}.json"
    return json.loads(path.read_text()).get("runs", []) if path.exists() else []


def to_figures(run: dict[str, Any]) -> list[dict[str, Any]]:
    """One notebook's run as headline figures (memory and CPU time)."""
    if run["notebook"] in IDLE:
        return [
            {
                "name": f"{run['notebook']}, RSS",
                "value": run["rss_mib"],
                "unit": "MiB",
                "note": f"{IDLE[run['notebook']]}; {run['date'][:10]}",
            }
        ]
    note = f"full mode, {run['threads']} threads, kernel start included; {run['date'][:10]}"
    return [
        {
            "name": f"{run['notebook']} kernel peak RSS",
            "value": run["peak_rss_mib"],
            "unit": "MiB",
            "note": note,
        },
        {
            "name": f"{run['notebook']} kernel CPU time",
            "value": run["cpu_s"],
            "unit": "s",
            "note": f"{note}; {run['cores_busy']} cores busy on average over {run['wall_s']} s",
        },
    ]


def main(argv: list[str]) -> None:
    """Measure the notebooks named in ``argv`` (all if none) and merge them into the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads per student")
    parser.add_argument(
        "--servers-only", action="store_true", help="measure the idle servers, no notebook"
    )
    args = parser.parse_args(argv)
    os.environ.pop("TLW_SMOKE", None)  # full mode: the kernel inherits this environment
    for variable in THREAD_VARIABLES:
        os.environ[variable] = str(args.threads)
    measured = []
    for name, measure in (
        ("idle JupyterLab server", measure_idle_server),
        ("idle JupyterHub", measure_idle_hub),
    ):
        date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        measured.append({"notebook": name, "rss_mib": measure(), "date": date})
        print(f"{name}: {measured[-1]['rss_mib']} MiB", flush=True)
    for path in [] if args.servers_only else find_notebooks(args.notebooks):
        figures = measure_notebook(path)
        print(f"{path.name:32} {figures}", flush=True)
        date = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        measured.append({"notebook": path.name, "threads": args.threads, **figures, "date": date})
    fresh = {run["notebook"] for run in measured}
    existing = {path.name for path in NOTEBOOKS_DIR.glob("*.ipynb")} | set(IDLE)
    kept = [
        run
        for run in previous_runs()
        if run["notebook"] not in fresh and run["notebook"] in existing
    ]
    runs = sorted(kept + measured, key=lambda run: run["notebook"])
    figures = [figure for run in runs for figure in to_figures(run)]
    write_result(STEM, figures, command=this_command(), runs=runs)


if __name__ == "__main__":
    main(sys.argv[1:])
