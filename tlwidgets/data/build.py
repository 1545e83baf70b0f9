"""The dataset registry: which builder makes which cache file, and building on demand.

Loaders call :func:`load_arrays`, which returns verified cached arrays or, when the file
is missing, corrupted, unreadable or stale, warns and rebuilds it. :func:`build_datasets`
does the same eagerly (``python -m tlwidgets.data build``).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from .attributes import make_synth_attributes
from .creatures import make_creatures
from .digits import make_mnist, make_mnistm, make_uci
from .glyphs import make_glyphs
from .home import build_lock, cache_dir, is_writable, read_arrays, write_arrays
from .multimnist import make_multimnist
from .synth import make_synth

__all__ = [
    "BUILDERS",
    "BuildReport",
    "CacheWarning",
    "build_datasets",
    "ensure_dataset",
    "list_datasets",
    "load_arrays",
]


class CacheWarning(UserWarning):
    """A cached dataset file could not be used as it was and is being rebuilt."""


@dataclass(frozen=True)
class Builder:
    """How one dataset is made."""

    make: Callable[..., dict[str, np.ndarray]]  # a make_* function returning uint8 arrays
    version: int  # bump whenever the output changes, so old caches count as stale
    requires: tuple[str, ...] = ()  # datasets passed to `make` as keyword arguments
    compress: bool = True  # False where noise or photos make zlib slow for little gain


BUILDERS: dict[str, Builder] = {
    "creatures": Builder(make_creatures, version=1, compress=False),
    "glyphs": Builder(make_glyphs, version=2),
    "mnist": Builder(make_mnist, version=1),
    "mnistm": Builder(make_mnistm, version=1, requires=("mnist",), compress=False),
    "multimnist": Builder(make_multimnist, version=1, requires=("mnist",)),
    "synth": Builder(make_synth, version=1, compress=False),
    "synth_attributes": Builder(make_synth_attributes, version=1, compress=False),
    "uci": Builder(make_uci, version=1),
}


def list_datasets() -> list[str]:
    """Return the names of all buildable datasets, sorted."""
    return sorted(BUILDERS)


def _check_name(name: str) -> Builder:
    if name not in BUILDERS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(list_datasets())}")
    return BUILDERS[name]


def _counts(arrays: dict[str, np.ndarray]) -> dict:
    """Summarise what a file holds, for the manifest."""
    if "chars" in arrays:
        parts = {0: "background", 1: "evaluation"}
        return {
            "characters": {
                parts[p]: int((arrays["parts"] == p).sum()) for p in np.unique(arrays["parts"])
            },
            "drawings_per_character": int(arrays["images"].shape[1]),
            "scripts": sorted(set(arrays["scripts"].tolist())),
        }
    counts = {}
    for split in ("train", "test"):
        labels = arrays[f"y_{split}"]
        if labels.ndim == 2:  # one column per task: its size and the first task's classes
            counts[f"{split}_images"] = len(labels)
            labels = labels[:, 0]
        classes, n = np.unique(labels, return_counts=True)
        counts[split] = {str(c): int(k) for c, k in zip(classes, n, strict=True)}
    return counts


@dataclass(frozen=True)
class BuildReport:
    """What :func:`ensure_dataset` did for one dataset."""

    name: str  # dataset name
    seconds: float  # time spent building (or verifying, when nothing was built)
    reason: str | None  # why it was (re)built; None when the cache was already good


def _build_in_memory(
    name: str, problem: str, warn: bool
) -> tuple[dict[str, np.ndarray], BuildReport]:
    """Build a dataset without storing it: the data home is read-only (shared by a class)."""
    builder = BUILDERS[name]
    if warn:
        warnings.warn(
            f"tlwidgets.data: {problem}, and {cache_dir()} is read-only (a shared cache); "
            f"building {name!r} in memory for this session only. Ask whoever prepared the "
            "shared cache to rebuild it (python -m tlwidgets.data build).",
            CacheWarning,
            stacklevel=5,  # the caller of load_domain/load_glyphs
        )
    inputs = {required: ensure_dataset(required, warn=warn)[0] for required in builder.requires}
    start = time.perf_counter()
    arrays = builder.make(**inputs)
    for array in arrays.values():
        array.setflags(write=False)
    return arrays, BuildReport(name, time.perf_counter() - start, f"{problem} (read-only cache)")


def ensure_dataset(
    name: str, *, force: bool = False, warn: bool = True
) -> tuple[dict[str, np.ndarray], BuildReport]:
    """Return a dataset's verified arrays, building them first if needed.

    Parameters
    ----------
    name
        One of :func:`list_datasets`.
    force
        Rebuild even if the cached file is good.
    warn
        Emit a :class:`CacheWarning` when a file has to be (re)built; explicit builds
        (the CLI, :func:`build_datasets`) turn it off.

    Returns
    -------
    arrays, report
        The arrays (read-only numpy arrays, see the ``make_*`` builders for their
        shapes) and what happened.
    """
    builder = _check_name(name)
    folder = cache_dir()
    filename = f"{name}.npz"
    start = time.perf_counter()
    if not force:
        arrays, problem = read_arrays(folder, filename, builder.version)
        if arrays is not None:
            return arrays, BuildReport(name, time.perf_counter() - start, None)
    if not is_writable(folder):  # a shared, read-only cache (a class on JupyterHub)
        return _build_in_memory(name, "a rebuild was requested" if force else problem, warn)
    with build_lock(folder):
        if force:
            problem = "a rebuild was requested"
        else:  # another process may have built it while we waited for the lock
            arrays, problem = read_arrays(folder, filename, builder.version)
            if arrays is not None:
                return arrays, BuildReport(name, time.perf_counter() - start, None)
        if warn:
            warnings.warn(
                f"tlwidgets.data: {problem}; building {name!r} now (this takes seconds and "
                "happens once)",
                CacheWarning,
                stacklevel=4,  # the caller of load_domain/load_glyphs
            )
        inputs = {required: ensure_dataset(required, warn=warn)[0] for required in builder.requires}
        start = time.perf_counter()
        arrays = builder.make(**inputs)
        write_arrays(
            folder,
            filename,
            arrays,
            compress=builder.compress,
            builder_version=builder.version,
            build_seconds=time.perf_counter() - start,
            counts=_counts(arrays),
        )
        seconds = time.perf_counter() - start  # making, compressing, hashing, writing
    for array in arrays.values():
        array.setflags(write=False)
    return arrays, BuildReport(name, seconds, problem)


def load_arrays(name: str) -> dict[str, np.ndarray]:
    """Return a dataset's verified cached arrays, rebuilding them with a warning if needed.

    Parameters
    ----------
    name
        One of :func:`list_datasets`.

    Returns
    -------
    dict
        Read-only uint8 (and string) arrays as written by the dataset's ``make_*`` builder.
    """
    return ensure_dataset(name)[0]


def build_datasets(names: Iterable[str] | None = None, *, force: bool = False) -> dict[str, float]:
    """Build the cache files that are missing, corrupted or stale (or all, with ``force``).

    Parameters
    ----------
    names
        Datasets to build; default all of :func:`list_datasets`.
    force
        Rebuild even the files that verify.

    Returns
    -------
    dict
        Dataset name -> seconds spent on it (building, or just verifying a good file).

    Raises
    ------
    ValueError
        If a name is not a dataset (before anything is built).
    """
    names = list_datasets() if names is None else list(dict.fromkeys(names))
    for name in names:
        _check_name(name)
    return {name: ensure_dataset(name, force=force, warn=False)[1].seconds for name in names}
