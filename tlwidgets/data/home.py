"""Where built datasets live on disk, and the sha256 manifest that vouches for them.

Every dataset is one ``<name>.npz`` of uint8 arrays in ``data_home() / "cache"``. Next to
the files, ``manifest.json`` records for each one its sha256, the version of the builder
that made it, how long the build took, when it ran and what it holds. A file is only ever
read back after its bytes hash to the recorded value; files and manifest are written to a
temporary name first and moved into place with :func:`os.replace`, so an interrupted build
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CacheEntry",
    "build_lock",
    "cache_dir",
    "data_home",
    "is_writable",
    "read_arrays",
    "read_manifest",
    "source_root",
    "write_arrays",
]

HOME_ENV = "TLW_DATA_HOME"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


def source_root() -> Path | None:
    """Return the source checkout this package runs from, or None for an installed copy.

    The checkout is the folder that holds the ``tlwidgets`` package directory next to a
    ``pyproject.toml`` that names the ``tlwidgets`` project.
    """
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if 'name = "tlwidgets"' in text else None


def is_writable(folder: Path) -> bool:
    """True if ``folder`` exists and is writable, or could be created in a writable parent.

    A shared, read-only data home (one prepared cache for a whole JupyterHub class) is not:
    the loaders then only read it, and build whatever it lacks in memory.
    """
    while not folder.exists():
        if folder.parent == folder:
            return False
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def data_home() -> Path:
    """Return the folder that holds the dataset cache (it may not exist yet).

    In order: ``$TLW_DATA_HOME`` if set; the ``datasets/`` folder of the source checkout
    when the package runs from one and that folder is writable; otherwise
    ``$XDG_CACHE_HOME/tlwidgets`` (default ``~/.cache/tlwidgets``).

    Returns
    -------
    pathlib.Path
        The data home; built arrays go to its ``cache/`` subfolder.
    """
    env = os.environ.get(HOME_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    root = source_root()
    if root is not None and is_writable(root / "datasets"):
        return root / "datasets"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tlwidgets"


def cache_dir() -> Path:
    """Return ``data_home() / "cache"``, where the ``.npz`` files and the manifest live."""
    return data_home() / "cache"


@dataclass(frozen=True)
class CacheEntry:
    """What the manifest records about one cached file."""

    sha256: str  # hex digest of the file's bytes
    builder_version: int  # bumped whenever a builder's output changes
    build_seconds: float  # wall-clock time of the build on this machine
    built_at: str  # ISO 8601 UTC timestamp of the build
    counts: dict  # what the file holds, e.g. {"train": {"0": 400, ...}, "test": {...}}


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_manifest(folder: Path | None = None) -> dict[str, CacheEntry]:
    """Read the manifest of a cache folder; an absent or unreadable manifest reads as empty.

    Parameters
    ----------
    folder
        The cache folder; defaults to :func:`cache_dir`.

    Returns
    -------
    dict
        File name (``"mnist.npz"``) -> :class:`CacheEntry`.
    """
    path = (folder or cache_dir()) / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: CacheEntry(**entry) for name, entry in raw["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_manifest(folder: Path, entries: dict[str, CacheEntry]) -> None:
    payload = {
        "format": MANIFEST_FORMAT,
        "note": "written by tlwidgets.data at build time; describes this machine's files",
        "files": {name: entries[name].__dict__ for name in sorted(entries)},
    }
    _atomic_write(folder / MANIFEST, (json.dumps(payload, indent=2) + "\n").encode())


_LOCK = threading.RLock()
_LOCK_DEPTH = 0


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive, re-entrant lock on a cache folder while building into it.

    Two processes (two notebooks, a notebook and ``make test``) that build the same
    dataset at once then take turns instead of racing on the manifest.
    """
    global _LOCK_DEPTH
    with _LOCK:
        handle = None
        if _LOCK_DEPTH == 0:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / ".lock", "a+b")  # closed in `finally`
            with contextlib.suppress(ImportError):
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        _LOCK_DEPTH += 1
        try:
            yield
        finally:
            _LOCK_DEPTH -= 1
            if handle is not None:
                handle.close()  # closing releases the flock


def write_arrays(
    folder: Path,
    filename: str,
    arrays: dict[str, np.ndarray],
    *,
    compress: bool = True,
    builder_version: int,
    build_seconds: float,
    counts: dict,
) -> CacheEntry:
    """Store arrays as one ``.npz`` and record it in the manifest, both atomically.

    Parameters
    ----------
    folder
        The cache folder (created if needed).
    filename
        File name inside it, e.g. ``"mnist.npz"``.
    arrays
        Name -> array; numeric or fixed-width string arrays only (no pickles).
    compress
        Deflate the members (smaller, slower to write and read).
    builder_version, build_seconds, counts
        Recorded in the manifest next to the file's sha256.

    Returns
    -------
    CacheEntry
        The manifest entry just written.
    """
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    data = buffer.getvalue()
    entry = CacheEntry(
        sha256=hashlib.sha256(data).hexdigest(),
        builder_version=int(builder_version),
        build_seconds=round(float(build_seconds), 3),
        built_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        counts=counts,
    )
    with build_lock(folder):
        _atomic_write(folder / filename, data)
        entries = read_manifest(folder)
        entries[filename] = entry
        _write_manifest(folder, entries)
    return entry


def read_arrays(
    folder: Path, filename: str, builder_version: int
) -> tuple[dict[str, np.ndarray] | None, str]:
    """Read a cached ``.npz`` if, and only if, the manifest vouches for it.

    The bytes are read once, hashed, and parsed from memory, so what is hashed is exactly
    what is loaded; this happens on every call (it takes well under a second).

    Parameters
    ----------
    folder
        The cache folder.
    filename
        File name inside it, e.g. ``"mnist.npz"``.
    builder_version
        The version the current builder would write; an older file is stale.

    Returns
    -------
    arrays, problem
        The arrays and ``""``; or ``None`` and a short description of what is wrong
        (missing, not in the manifest, stale, sha256 mismatch, unreadable).
    """
    path = folder / filename
    if not path.exists():
        return None, f"{path} is missing"
    entry = read_manifest(folder).get(filename)
    if entry is None:
        return None, f"{path} is not recorded in {folder / MANIFEST}"
    if entry.builder_version != builder_version:
        return None, (
            f"{path} was made by builder version {entry.builder_version}, "
            f"the current one is {builder_version} (stale)"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f"{path} is unreadable ({error})"
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        return None, (
            f"{path} has sha256 {digest[:12]}... but the manifest records "
            f"{entry.sha256[:12]}... (corrupted or modified)"
        )
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as error:
        return None, f"{path} is unreadable ({error})"
    for array in arrays.values():
        array.setflags(write=False)  # verified content: keep it that way
    return arrays, ""
