"""One archive of everything the lessons compute once, for a classroom: pack it, unpack it.

An instructor runs ``make cache`` once; it builds every dataset, embeds lesson 05's texts and
packs the cache folder into ``tlwidgets-cache.tar.gz``, which is copied to every laptop (or a
server). ``make lab`` unpacks it when it is present, so the lab starts without building. The
archive is a gzip'd tar, its members in this order (sorted within each group)::

    index.json                         format, tlwidgets version, date, sha256 and size of
                                       every other member
    cache/manifest.json                the dataset manifest (sha256, builder version, ...)
    cache/<name>.npz                   every dataset file the manifest vouches for
    cache/embeddings/<enc>-<key>.npy   every sentence-embedding file that matches its
    cache/embeddings/<...>.npy.sha256  sha256 sidecar

Unpacking reads ``index.json`` first and checks every member against it (a safe name, a
regular file, the recorded size and sha256) before it installs anything; the members are
held in memory meanwhile (about the size of the unpacked cache). One bad member and nothing
is installed. Files already in the cache that verify are kept. Nothing is unpickled: the
arrays are read later with ``allow_pickle=False``, as always. The pretrained zoo is not in
the archive: it is committed package data, checked by ``load_pretrained``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .home import MANIFEST, MANIFEST_FORMAT, CacheEntry, build_lock, cache_dir, read_manifest

__all__ = [
    "DEFAULT_ARCHIVE",
    "PackReport",
    "RoomCacheError",
    "UnpackReport",
    "pack_cache",
    "unpack_cache",
]

DEFAULT_ARCHIVE = "tlwidgets-cache.tar.gz"
ARCHIVE_FORMAT = 1
INDEX = "index.json"
COMPRESSLEVEL = 1  # most bytes are noise images or already-deflated .npz: more level, little gain
EMBEDDINGS = "embeddings"
# The only member names an archive may hold: no folders, links, '..' or absolute paths.
_NAME = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_ALLOWED = re.compile(
    rf"cache/{MANIFEST}|cache/{_NAME}\.npz|cache/{EMBEDDINGS}/{_NAME}\.npy(\.sha256)?"
)


class RoomCacheError(RuntimeError):
    """A room cache archive that is missing, damaged, tampered with or unsafe."""


@dataclass(frozen=True)
class PackReport:
    """What :func:`pack_cache` put in the archive."""

    archive: Path  # where it was written
    datasets: list[str]  # dataset files packed, e.g. ["mnist.npz", ...]
    embeddings: int  # embedding arrays packed
    skipped: list[str]  # cache files left out because they did not verify
    size: int  # archive size in bytes
    sha256: str  # of the archive, to compare copies


@dataclass
class UnpackReport:
    """What :func:`unpack_cache` did with each file of the archive."""

    installed: list[str] = field(default_factory=list)  # cache paths written from the archive
    kept: list[str] = field(default_factory=list)  # cache paths already good, left alone


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_if(path: Path, sha256: str) -> bytes | None:
    """The bytes of ``path`` if it exists and hashes to ``sha256``, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if _sha256(data) == sha256 else None


def _sidecar(path: Path) -> str | None:
    try:
        return path.with_name(path.name + ".sha256").read_text(encoding="utf-8").strip()
    except OSError:
        return None


def _collect(folder: Path) -> tuple[dict[str, bytes], dict[str, CacheEntry], list[str]]:
    """Read every cache file that verifies: member name -> bytes, manifest entries, skipped."""
    members, entries, skipped = {}, {}, []
    for filename, entry in sorted(read_manifest(folder).items()):
        data = _read_if(folder / filename, entry.sha256)
        if data is None or not _ALLOWED.fullmatch(f"cache/{filename}"):
            skipped.append(filename)
            continue
        members[f"cache/{filename}"] = data
        entries[filename] = entry
    for path in sorted((folder / EMBEDDINGS).glob("*.npy")):
        recorded = _sidecar(path)
        data = _read_if(path, recorded) if recorded else None
        name = f"cache/{EMBEDDINGS}/{path.name}"
        if data is None or not _ALLOWED.fullmatch(name):
            skipped.append(f"{EMBEDDINGS}/{path.name}")
            continue
        members[name] = data
        members[name + ".sha256"] = (recorded + "\n").encode()
    return members, entries, skipped


def _manifest_bytes(entries: dict[str, CacheEntry]) -> bytes:
    payload = {
        "format": MANIFEST_FORMAT,
        "note": "written by tlwidgets.data at build time; describes this machine's files",
        "files": {name: entries[name].__dict__ for name in sorted(entries)},
    }
    return (json.dumps(payload, indent=2) + "\n").encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0  # fixed metadata: the same files give the same tar stream
    tar.addfile(info, io.BytesIO(data))


def pack_cache(archive: Path | str = DEFAULT_ARCHIVE, folder: Path | None = None) -> PackReport:
    """Write every verified file of a cache folder, and an index of them, into one archive.

    Run :func:`tlwidgets.data.build_datasets` and
    :func:`tlwidgets.analysis.lesson_embeddings.embed_lesson_texts` first (``make cache``
    does); files that do not match their recorded sha256 are left out and reported.

    Parameters
    ----------
    archive
        The ``.tar.gz`` to write (replaced atomically if it exists).
    folder
        The cache folder to pack; defaults to :func:`tlwidgets.data.home.cache_dir`.

    Returns
    -------
    PackReport
        What went in, the archive's size in bytes and its sha256.
    """
    from .. import __version__

    folder = folder or cache_dir()
    archive = Path(archive)
    with build_lock(folder):  # no build writes half a file while we read
        members, entries, skipped = _collect(folder)
    if not entries:
        raise RoomCacheError(
            f"{folder} holds no verified dataset to pack; build them first "
            "(`python -m tlwidgets.data build`, or `make cache`)"
        )
    members[f"cache/{MANIFEST}"] = _manifest_bytes(entries)
    index = {
        "format": ARCHIVE_FORMAT,
        "tlwidgets_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "datasets": sorted(entries),
        "embeddings": sum(1 for name in members if name.endswith(".npy")),
        "members": {
            name: {"sha256": _sha256(data), "size": len(data)}
            for name, data in sorted(members.items())
        },
    }
    archive.parent.mkdir(parents=True, exist_ok=True)
    tmp = archive.with_name(f".{archive.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=COMPRESSLEVEL
            ) as zipped:
                with tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    _add(tar, INDEX, (json.dumps(index, indent=2) + "\n").encode())
                    for name in sorted(members, key=lambda n: (n != f"cache/{MANIFEST}", n)):
                        _add(tar, name, members[name])
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, archive)
    finally:
        tmp.unlink(missing_ok=True)
    return PackReport(
        archive=archive,
        datasets=sorted(entries),
        embeddings=index["embeddings"],
        skipped=skipped,
        size=archive.stat().st_size,
        sha256=_sha256(archive.read_bytes()),
    )


def _read_index(tar: tarfile.TarFile, archive: Path) -> tuple[tarfile.TarInfo, dict[str, dict]]:
    """Read and check ``index.json``, the archive's first member: member name -> sha256, size."""
    first = tar.next()
    if first is None or first.name != INDEX or not first.isreg():
        raise RoomCacheError(f"{archive} does not start with {INDEX}: not a tlwidgets room cache")
    try:
        index = json.loads(tar.extractfile(first).read())
        members = index["members"]
        version = index["format"]
    except (ValueError, KeyError, TypeError) as error:
        raise RoomCacheError(f"{archive}: {INDEX} is unreadable ({error})") from error
    if version != ARCHIVE_FORMAT:
        raise RoomCacheError(
            f"{archive} has archive format {version!r}; this tlwidgets reads format "
            f"{ARCHIVE_FORMAT} (make the archive again with this version: `make cache`)"
        )
    for name, entry in members.items():
        _check_name(name, archive)
        if not (isinstance(entry, dict) and {"sha256", "size"} <= entry.keys()):
            raise RoomCacheError(f"{archive}: {INDEX} entry for {name!r} lacks sha256 or size")
    if f"cache/{MANIFEST}" not in members:
        raise RoomCacheError(f"{archive} has no cache/{MANIFEST}")
    return first, members


def _check_name(name: str, archive: Path) -> None:
    if not _ALLOWED.fullmatch(name):
        raise RoomCacheError(
            f"{archive}: refusing member {name!r}: not a path a room cache holds (only "
            f"cache/{MANIFEST}, cache/<name>.npz and cache/{EMBEDDINGS}/<name>.npy[.sha256]; "
            "no '..', absolute paths or folders); nothing was installed"
        )


def _verified_members(archive: Path) -> dict[str, bytes]:
    """Every member of the archive, each checked against the index; raises on the first fault."""
    if not archive.is_file():
        raise RoomCacheError(
            f"no room cache archive at {archive}; make one with `make cache` (it writes "
            f"{DEFAULT_ARCHIVE}) or pass the path of the copy you were given"
        )
    data = {}
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            first, expected = _read_index(tar, archive)
            for member in tar:
                if member.offset == first.offset:
                    continue  # the index itself, read above
                _check_name(member.name, archive)
                if not member.isreg():
                    raise RoomCacheError(
                        f"{archive}: refusing member {member.name!r}: not a regular file "
                        "(a link, folder or device); nothing was installed"
                    )
                if member.name not in expected or member.name in data:
                    raise RoomCacheError(
                        f"{archive}: member {member.name!r} is not in {INDEX} or appears twice; "
                        "nothing was installed"
                    )
                entry = expected[member.name]
                if member.size != entry["size"]:
                    raise RoomCacheError(
                        f"{archive}: member {member.name!r} has {member.size} bytes but {INDEX} "
                        f"records {entry['size']} (tampered or damaged); nothing was installed"
                    )
                payload = tar.extractfile(member).read()
                digest = _sha256(payload)
                if digest != entry["sha256"]:
                    raise RoomCacheError(
                        f"{archive}: member {member.name!r} has sha256 {digest[:12]}... but "
                        f"{INDEX} records {entry['sha256'][:12]}... (tampered or damaged); "
                        "nothing was installed"
                    )
                data[member.name] = payload
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile) as error:
        raise RoomCacheError(f"{archive} is not a readable .tar.gz ({error})") from error
    missing = sorted(set(expected) - set(data))
    if missing:
        raise RoomCacheError(f"{archive} lacks members its {INDEX} lists: {missing}")
    return data


def _archive_manifest(members: dict[str, bytes], archive: Path) -> dict[str, CacheEntry]:
    """The archive's dataset manifest; every packed dataset must be in it with its sha256."""
    try:
        raw = json.loads(members[f"cache/{MANIFEST}"])
        entries = {name: CacheEntry(**entry) for name, entry in raw["files"].items()}
    except (ValueError, KeyError, TypeError) as error:
        raise RoomCacheError(f"{archive}: cache/{MANIFEST} is unreadable ({error})") from error
    for name, payload in members.items():
        if name.endswith(".npz"):
            entry = entries.get(name.removeprefix("cache/"))
            if entry is None or entry.sha256 != _sha256(payload):
                raise RoomCacheError(
                    f"{archive}: {name} does not match the archive's own cache/{MANIFEST}; "
                    "nothing was installed"
                )
        elif name.endswith(".npy"):
            sidecar = members.get(name + ".sha256", b"").decode(errors="replace").strip()
            if sidecar != _sha256(payload):
                raise RoomCacheError(
                    f"{archive}: {name} does not match its .sha256 sidecar; nothing was installed"
                )
    return entries


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def unpack_cache(archive: Path | str = DEFAULT_ARCHIVE, folder: Path | None = None) -> UnpackReport:
    """Check a room cache archive completely, then install its files into a cache folder.

    Parameters
    ----------
    archive
        A ``.tar.gz`` written by :func:`pack_cache`.
    folder
        The cache folder to fill; defaults to :func:`tlwidgets.data.home.cache_dir`.

    Returns
    -------
    UnpackReport
        Which files were installed and which were already there and good (kept).

    Raises
    ------
    RoomCacheError
        When the archive is missing or unreadable, or any member has an unsafe name, is not a
        regular file, or does not match the size and sha256 its index records. Nothing is
        installed then.
    """
    archive = Path(archive)
    members = _verified_members(archive)
    packed = _archive_manifest(members, archive)
    folder = folder or cache_dir()
    report = UnpackReport()
    with build_lock(folder):
        entries = read_manifest(folder)
        for filename, entry in sorted(packed.items()):
            name = f"cache/{filename}"
            if name not in members:
                continue  # a manifest line without its file: not ours to install
            mine = entries.get(filename)
            if (
                mine is not None
                and mine.builder_version == entry.builder_version
                and _read_if(folder / filename, mine.sha256) is not None
            ):
                report.kept.append(filename)
                continue
            _write(folder / filename, members[name])
            entries[filename] = entry
            report.installed.append(filename)
        if report.installed:
            _write(folder / MANIFEST, _manifest_bytes(entries))
        for name in sorted(members):
            if not name.endswith(".npy"):
                continue
            relative = name.removeprefix("cache/")
            path = folder / relative
            recorded = _sidecar(path)
            if recorded and _read_if(path, recorded) is not None:
                report.kept.append(relative)
                continue
            _write(path, members[name])  # the array first: a stale sidecar fails its check
            _write(path.with_name(path.name + ".sha256"), members[name + ".sha256"])
            report.installed.append(relative)
    return report
