"""The room cache: one archive packs the built cache; unpacking checks it and builds nothing."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tlwidgets.analysis import embed_texts
from tlwidgets.data.__main__ import main
from tlwidgets.data.build import ensure_dataset
from tlwidgets.data.home import cache_dir
from tlwidgets.data.room_cache import RoomCacheError, pack_cache, unpack_cache
from tlwidgets.data.text import LESSON_05_TEXTS, SENTIMENT_DOMAINS

REPO = Path(__file__).resolve().parents[2]
TEXTS = ["a superb, moving film", "dull and far too long", "win a free prize now"]


class CountingEncoder:
    """A stand-in sentence encoder that counts how many texts it was asked to embed."""

    name = "counting"
    dim = 4

    def __init__(self) -> None:
        self.encoded = 0

    def encode(self, texts, batch_size: int = 64) -> np.ndarray:
        self.encoded += len(texts)
        vectors = np.array([[len(t), t.count(" "), t.count("e"), 1.0] for t in texts], np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def archive(tmp_path, monkeypatch) -> Path:
    """An instructor's archive of one small dataset and one embedding array."""
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path / "instructor"))
    ensure_dataset("uci", warn=False)
    embed_texts(CountingEncoder(), TEXTS)
    path = tmp_path / "room.tar.gz"
    pack_cache(path)
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path / "laptop"))  # an empty data home
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def _members(path: Path) -> list[tuple[str, bytes]]:
    with tarfile.open(path, "r:gz") as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar]


def _write_archive(path: Path, members: list[tuple[str, bytes]], links: tuple[str, ...] = ()):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)


def test_round_trip_installs_identical_files(archive, tmp_path):
    report = unpack_cache(archive)

    installed = _files(tmp_path / "laptop" / "cache")
    assert installed == _files(tmp_path / "instructor" / "cache")
    assert {name.split("-")[0] for name in installed} == {
        "embeddings/counting",  # the .npy and its .sha256 sidecar
        "manifest.json",
        "uci.npz",
    }
    assert len(report.installed) == 2 and report.kept == []  # uci.npz and one .npy


def test_a_lab_started_from_the_archive_builds_and_embeds_nothing(archive):
    unpack_cache(archive)

    _, report = ensure_dataset("uci")
    encoder = CountingEncoder()
    vectors = embed_texts(encoder, TEXTS)

    assert report.reason is None  # verified, not built
    assert encoder.encoded == 0
    assert vectors.shape == (3, 4)


def test_archive_lists_every_member_with_its_sha256_in_a_fixed_order(archive):
    members = _members(archive)
    index = json.loads(members[0][1])

    assert [name for name, _ in members[:2]] == ["index.json", "cache/manifest.json"]
    assert [name for name, _ in members[2:]] == sorted(name for name, _ in members[2:])
    assert set(index["members"]) == {name for name, _ in members[1:]}
    assert index["datasets"] == ["uci.npz"] and index["embeddings"] == 1
    assert index["tlwidgets_version"]


def test_unpacking_again_keeps_good_files_and_replaces_damaged_ones(archive):
    unpack_cache(archive)
    (cache_dir() / "uci.npz").write_bytes(b"damaged")

    report = unpack_cache(archive)

    assert report.installed == ["uci.npz"]
    assert len(report.kept) == 1 and report.kept[0].startswith("embeddings/")
    assert ensure_dataset("uci")[1].reason is None


def test_a_tampered_member_is_refused_and_nothing_is_installed(archive, tmp_path):
    members = _members(archive)
    name, data = members[-1]
    members[-1] = (name, data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped, same size
    tampered = tmp_path / "tampered.tar.gz"
    _write_archive(tampered, members)

    with pytest.raises(RoomCacheError, match=rf"{re.escape(name)}.*tampered or damaged"):
        unpack_cache(tampered)
    assert not cache_dir().exists() or _files(cache_dir()) == {}


@pytest.mark.parametrize("name", ["../escape.npz", "/tmp/absolute.npz", "cache/../../up.npz"])
def test_a_member_outside_the_cache_is_refused(archive, tmp_path, name):
    members = _members(archive)
    index = json.loads(members[0][1])
    index["members"][name] = {"sha256": "0" * 64, "size": 1}  # listed, so only the path is wrong
    members[0] = ("index.json", json.dumps(index).encode())
    evil = tmp_path / "evil.tar.gz"
    _write_archive(evil, [*members, (name, b"x")])

    with pytest.raises(RoomCacheError, match=re.escape(f"refusing member {name!r}")):
        unpack_cache(evil)
    assert not cache_dir().exists() or _files(cache_dir()) == {}


def test_a_link_member_is_refused(archive, tmp_path):
    evil = tmp_path / "link.tar.gz"
    _write_archive(evil, _members(archive), links=("cache/embeddings/link.npy",))

    with pytest.raises(RoomCacheError, match="not a regular file"):
        unpack_cache(evil)


def test_a_missing_archive_gives_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere.tar.gz"

    with pytest.raises(RoomCacheError, match=r"no room cache archive at .*make cache"):
        unpack_cache(missing)
    assert main(["unpack", str(missing)]) == 1
    assert "no room cache archive" in capsys.readouterr().err


def test_packing_an_empty_cache_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))

    with pytest.raises(RoomCacheError, match="no verified dataset"):
        pack_cache(tmp_path / "room.tar.gz")


def test_the_cli_packs_and_unpacks(archive, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path / "instructor"))
    again = tmp_path / "again.tar.gz"
    assert main(["pack", str(again)]) == 0
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path / "server"))
    assert main(["unpack", str(again)]) == 0

    out = capsys.readouterr().out
    assert "1 datasets, 1 embedding arrays" in out
    assert "2 files installed" in out


def _notebook_text_sets() -> set[tuple]:
    """(corpus, source, split, full, smoke) of every `load_*(...).balanced(...)` in lesson 05."""
    cells = json.loads((REPO / "notebooks" / "05_text_transfer.ipynb").read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    sizes = {n: (int(f), int(s)) for n, f, s in re.findall(r"(\w+) = budget\((\d+), (\d+)\)", code)}
    found = set()
    pattern = (
        r"load_(sentiment|spam|polarity_words)\(([^()]*)\)\.balanced\((budget\([^()]*\)|\w+)\)"
    )
    for corpus, args, size in re.findall(pattern, code):
        source, split = (a.strip().strip('"') for a in args.split(","))
        full, smoke = (
            tuple(int(x) for x in re.findall(r"\d+", size)) if "budget" in size else sizes[size]
        )
        sources = SENTIMENT_DOMAINS[1:] if source == "domain" else (source,)
        found |= {(corpus, s, split, full, smoke) for s in sources}
    return found


def test_lesson_05_text_table_matches_the_notebook():
    table = {(t.corpus, t.source, t.split, *t.per_class) for t in LESSON_05_TEXTS}

    assert table == _notebook_text_sets()
