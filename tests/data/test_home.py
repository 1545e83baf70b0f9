"""The cache folder, the manifest, and how bad cache files are caught and rebuilt."""

import json
import os
import warnings

import numpy as np
import pytest

from tlwidgets.data import build_datasets, data_home, load_domain
from tlwidgets.data.build import CacheWarning
from tlwidgets.data.home import cache_dir, read_manifest, source_root, write_arrays


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    """An empty data home, and full-size (not smoke) loading."""
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("TLW_SMOKE", raising=False)
    return tmp_path


@pytest.fixture
def built_uci(fresh_home):
    """The cheapest dataset, built into the fresh home; returns its train images."""
    build_datasets(["uci"])
    return load_domain("uci", "train").images


def test_data_home_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path / "somewhere"))
    assert data_home() == tmp_path / "somewhere"
    assert cache_dir() == tmp_path / "somewhere" / "cache"


def test_data_home_defaults_to_the_checkouts_datasets_folder(monkeypatch):
    monkeypatch.delenv("TLW_DATA_HOME", raising=False)
    root = source_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert data_home() == root / "datasets"


def test_data_home_falls_back_to_xdg_cache_outside_a_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv("TLW_DATA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("tlwidgets.data.home.source_root", lambda: None)
    assert data_home() == tmp_path / "xdg" / "tlwidgets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert data_home().parts[-2:] == (".cache", "tlwidgets")


def test_manifest_records_hash_version_time_date_and_counts(built_uci):
    entry = read_manifest()["uci.npz"]
    assert len(entry.sha256) == 64
    assert entry.builder_version >= 1
    assert entry.build_seconds >= 0
    assert entry.built_at.startswith("20")
    assert sum(entry.counts["train"].values()) == len(built_uci)
    raw = json.loads((cache_dir() / "manifest.json").read_text())
    assert set(raw["files"]) == {"uci.npz"}


def test_build_leaves_no_temporary_files(built_uci):
    assert sorted(p.name for p in cache_dir().iterdir()) == [".lock", "manifest.json", "uci.npz"]


def test_corrupted_file_is_rebuilt_with_a_warning(built_uci):
    path = cache_dir() / "uci.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = bytes(16)  # flip a run of bytes
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="sha256"):
        again = load_domain("uci", "train").images
    assert np.array_equal(again, built_uci)
    assert load_domain("uci", "train").images.shape == built_uci.shape  # now clean


def test_missing_file_is_rebuilt_with_a_warning(built_uci):
    (cache_dir() / "uci.npz").unlink()
    with pytest.warns(CacheWarning, match="missing"):
        again = load_domain("uci", "train").images
    assert np.array_equal(again, built_uci)
    assert (cache_dir() / "uci.npz").is_file()


def test_a_read_only_home_is_only_read_and_a_missing_file_is_built_in_memory(
    built_uci, monkeypatch
):
    monkeypatch.setattr("tlwidgets.data.build.is_writable", lambda folder: False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a verified file is read without a word
        assert np.array_equal(load_domain("uci", "train").images, built_uci)
    (cache_dir() / "uci.npz").unlink()
    files = sorted(p.name for p in cache_dir().iterdir())
    with pytest.warns(CacheWarning, match="read-only"):
        again = load_domain("uci", "train").images
    assert np.array_equal(again, built_uci)
    assert sorted(p.name for p in cache_dir().iterdir()) == files  # nothing written


def test_file_missing_from_the_manifest_is_rebuilt_with_a_warning(built_uci):
    (cache_dir() / "manifest.json").unlink()
    with pytest.warns(CacheWarning, match="not recorded"):
        load_domain("uci", "train")


def test_stale_builder_version_is_rebuilt_with_a_warning(built_uci):
    path = cache_dir() / "manifest.json"
    raw = json.loads(path.read_text())
    raw["files"]["uci.npz"]["builder_version"] = 0
    path.write_text(json.dumps(raw))
    with pytest.warns(CacheWarning, match="stale"):
        load_domain("uci", "train")
    assert read_manifest()["uci.npz"].builder_version >= 1


def test_unreadable_file_with_matching_hash_is_rebuilt_with_a_warning(built_uci):
    import hashlib

    path = cache_dir() / "uci.npz"
    garbage = b"not an npz file at all"
    path.write_bytes(garbage)
    manifest = cache_dir() / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["files"]["uci.npz"]["sha256"] = hashlib.sha256(garbage).hexdigest()
    manifest.write_text(json.dumps(raw))
    with pytest.warns(CacheWarning, match="unreadable"):
        again = load_domain("uci", "train").images
    assert np.array_equal(again, built_uci)


def test_interrupted_write_keeps_the_old_file_and_no_partial_one(built_uci, monkeypatch):
    before = (cache_dir() / "uci.npz").read_bytes()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_arrays(
            cache_dir(),
            "uci.npz",
            {"x": np.zeros(3)},
            builder_version=1,
            build_seconds=0,
            counts={},
        )
    monkeypatch.undo()
    assert (cache_dir() / "uci.npz").read_bytes() == before
    assert not [p for p in cache_dir().iterdir() if p.name.endswith(".tmp")]


def test_force_rebuilds_a_good_file(built_uci):
    first = read_manifest()["uci.npz"]
    seconds = build_datasets(["uci"], force=True)
    assert set(seconds) == {"uci"} and seconds["uci"] > 0
    assert read_manifest()["uci.npz"].sha256 == first.sha256  # deterministic rebuild


def test_build_datasets_rejects_unknown_names_before_building(fresh_home):
    with pytest.raises(ValueError, match="mnistm"):
        build_datasets(["uci", "svhn"])
    assert not (fresh_home / "cache" / "uci.npz").exists()
