"""``python -m tlwidgets.data``."""

import subprocess
import sys

from tlwidgets.data.__main__ import main
from tlwidgets.data.home import source_root


def test_build_prints_one_line_per_dataset_with_seconds(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    assert main(["build", "uci"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[0].startswith("uci") and " s " in first[0] and "built" in first[0]
    assert main(["build", "uci"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["build", "--force", "uci"]) == 0
    assert "requested" in capsys.readouterr().out


def test_build_of_an_unknown_dataset_fails_with_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    assert main(["build", "svhn"]) != 0
    err = capsys.readouterr().err
    assert "svhn" in err
    assert "creatures, glyphs, mnist, mnistm, multimnist, synth, synth_attributes, uci" in err


def test_build_failure_exits_nonzero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))

    def broken(seed=0):
        raise RuntimeError("font folder vanished")

    monkeypatch.setattr(
        "tlwidgets.data.build.BUILDERS",
        {"uci": __import__("tlwidgets.data.build", fromlist=["Builder"]).Builder(broken, 1)},
    )
    monkeypatch.setattr("tlwidgets.data.__main__.list_datasets", lambda: ["uci"])
    assert main(["build", "uci"]) == 1
    assert "font folder vanished" in capsys.readouterr().err


def test_module_runs_as_a_script(tmp_path):
    env = {"TLW_DATA_HOME": str(tmp_path), "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-m", "tlwidgets.data", "build", "nope"],
        capture_output=True,
        text=True,
        env=env,
        cwd=source_root(),
    )
    assert out.returncode == 2 and "unknown dataset" in out.stderr
