"""Benchmark the offline datasets: cold build time of each, warm load time of each domain.

Everything is built into a fresh, temporary ``TLW_DATA_HOME``, so the figures neither depend
on nor touch the cache a learner already has. The datasets are built one at a time in
:func:`~tlwidgets.data.list_datasets` order, which builds ``mnist`` before ``mnistm`` reuses
it, so each build time counts that dataset only.

A warm load is what a notebook's first :func:`~tlwidgets.data.load_domain` call costs on a
built cache (read, sha256 check, conversion to float tensors). It is timed in a fresh Python
process, since this one already holds the arrays it just built.

Run from the repository root: ``python bench/bench_data.py`` (or ``make bench BENCH=bench_data``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import this_command, write_result
from tlwidgets.data import DOMAINS, build_datasets, list_datasets, load_domain

BUILD_TARGET_S = 90.0  # all datasets, cold, on a 2-core laptop
LOAD_TARGET_S = 1.0  # one domain, warm
WARM_LOAD_FLAG = "--warm-load"  # run as a child: time the loads, print them as JSON


def time_builds() -> dict[str, float]:
    """Build every dataset, one at a time, into the current data home.

    Returns
    -------
    dict
        Dataset name -> wall-clock seconds of its cold build.
    """
    seconds = {}
    for name in list_datasets():
        start = time.perf_counter()
        build_datasets([name])
        seconds[name] = time.perf_counter() - start
    return seconds


def time_warm_loads() -> dict[str, float]:
    """Load the train split of every digit domain once from the built cache.

    Returns
    -------
    dict
        Domain name -> wall-clock seconds of its first ``load_domain`` call in this process.
    """
    seconds = {}
    for name in DOMAINS:
        start = time.perf_counter()
        load_domain(name, "train")
        seconds[name] = time.perf_counter() - start
    return seconds


def measure() -> list[dict]:
    """Time cold builds here and warm loads in a fresh process, both on an empty data home.

    Returns
    -------
    list of dict
        Figures for ``record.write_result``: one build time per dataset and their total,
        and one warm load time per digit domain, all in seconds.
    """
    with tempfile.TemporaryDirectory(prefix="tlw-bench-data-") as home:
        os.environ["TLW_DATA_HOME"] = home  # this process and its child only
        builds = time_builds()
        child = subprocess.run(
            [sys.executable, __file__, WARM_LOAD_FLAG], capture_output=True, text=True, check=True
        )
        loads = json.loads(child.stdout)

    figures = [
        {"name": f"cold build {name}", "value": round(seconds, 2), "unit": "s"}
        for name, seconds in builds.items()
    ]
    figures.append(
        {
            "name": "cold build, all datasets",
            "value": round(sum(builds.values()), 2),
            "unit": "s",
            "target": f"<= {BUILD_TARGET_S:g}",
            "note": "into an empty TLW_DATA_HOME: " + ", ".join(builds),
        }
    )
    figures += [
        {
            "name": f"warm load {name}",
            "value": round(seconds, 3),
            "unit": "s",
            "target": f"<= {LOAD_TARGET_S:g}",
            "note": "first load_domain(name, 'train') of a fresh process on a built cache",
        }
        for name, seconds in loads.items()
    ]
    return figures


def main() -> None:
    """Measure and write ``bench/results/bench_data.json``."""
    command = this_command()  # before measure() points TLW_DATA_HOME at a temporary folder
    figures = measure()
    for figure in figures:
        print(f"{figure['name']:28s} {figure['value']:8} {figure['unit']}")
    print(f"wrote {write_result(Path(__file__).stem, figures, command)}")


if __name__ == "__main__":
    if sys.argv[1:] == [WARM_LOAD_FLAG]:
        print(json.dumps(time_warm_loads()))
    else:
        main()
