"""Command line: ``python -m tlwidgets.data build|cards|pack|unpack``; ``--help`` lists options.

``pack [ARCHIVE]`` writes the room cache archive (see :mod:`tlwidgets.data.room_cache`);
``unpack [ARCHIVE]`` checks one and installs it into the data home.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from .build import ensure_dataset, list_datasets
from .home import cache_dir
from .room_cache import DEFAULT_ARCHIVE, RoomCacheError, pack_cache, unpack_cache


def _build(names: list[str], force: bool) -> int:
    names = names or list_datasets()
    unknown = [n for n in names if n not in list_datasets()]
    if unknown:
        print(
            f"error: unknown dataset(s) {', '.join(unknown)}; choose from "
            f"{', '.join(list_datasets())}",
            file=sys.stderr,
        )
        return 2
    total = 0.0
    width = max(len(name) for name in [*names, "total"])  # align the seconds column
    for name in names:
        try:
            _, report = ensure_dataset(name, force=force, warn=False)
        except Exception as error:  # report which dataset failed, then stop with status 1
            traceback.print_exc()
            print(f"error: building {name!r} failed: {error}", file=sys.stderr)
            return 1
        total += report.seconds
        status = f"built ({report.reason})" if report.reason else "up to date"
        print(f"{name:{width}s} {report.seconds:7.2f} s  {status}", flush=True)
    print(f"{'total':{width}s} {total:7.2f} s")
    return 0


def _cards() -> int:
    from .cards import update_cards

    try:
        written = update_cards()
    except Exception as error:  # report the failure and stop with status 1
        traceback.print_exc()
        print(f"error: updating the dataset cards failed: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def _pack(archive: str) -> int:

    try:
        report = pack_cache(archive)
    except (RoomCacheError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name in report.skipped:
        print(f"left out (does not match its sha256): {name}", file=sys.stderr)
    print(
        f"{report.archive}: {len(report.datasets)} datasets, {report.embeddings} embedding "
        f"arrays, {report.size / 1e6:.1f} MB, sha256 {report.sha256}"
    )
    return 0


def _unpack(archive: str) -> int:
    try:
        report = unpack_cache(archive)
    except (RoomCacheError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"{archive} -> {cache_dir()}: {len(report.installed)} files installed, "
        f"{len(report.kept)} already there and good"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.data", description="Build the offline dataset cache."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build missing, corrupted or stale caches")
    build.add_argument("names", nargs="*", help=f"datasets (default all: {list_datasets()})")
    build.add_argument("--force", action="store_true", help="rebuild even good caches")
    commands.add_parser("cards", help="regenerate the dataset cards' grids and statistics")
    pack = commands.add_parser("pack", help="write the verified cache into one room archive")
    unpack = commands.add_parser("unpack", help="check a room archive, install it in the cache")
    for command in (pack, unpack):
        command.add_argument("archive", nargs="?", default=DEFAULT_ARCHIVE, help="a .tar.gz")
    args = parser.parse_args(argv)
    if args.command == "build":
        return _build(args.names, args.force)
    if args.command == "pack":
        return _pack(args.archive)
    if args.command == "unpack":
        return _unpack(args.archive)
    return _cards()


if __name__ == "__main__":
    sys.exit(main())
