"""Is this machine ready for the course? Versions, device, data, zoo, offline; and the lessons.

>>> check_environment()   # a table in Jupyter; ``.ok`` is True when every row is fine
>>> lesson_map()          # lessons 00-05 with the measured run time of each notebook
"""

from __future__ import annotations

import ast
import html
import importlib.metadata
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from .bench_results import RESULTS_DIR, load_bench_result
from .data.build import BUILDERS
from .data.home import cache_dir, read_arrays
from .models.zoo import WEIGHTS_DIR, list_pretrained, pretrained_info, sha256_of
from .runtime import get_device

__all__ = ["EnvironmentReport", "LessonMap", "check_environment", "find_network_code", "lesson_map"]

PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS_DIR = PACKAGE_DIR.parent / "notebooks"
NETWORK_MODULES = ("socket", "urllib.request", "http", "requests", "httpx", "urllib3", "ftplib")
DOWNLOAD_CALLS = ("urlopen", "urlretrieve", "load_state_dict_from_url", "download_url_to_file")
LESSONS = (
    ("00", "Start here: vocabulary, datasets, environment"),
    ("01", "Inductive transfer: fine-tuning, freezing, linear probes"),
    ("02", "Domain adaptation: same digits, a new look"),
    ("03", "Multitask learning: one backbone, several heads"),
    ("04", "Few-, one- and zero-shot learning"),
    ("05", "Text: sentence encoders, few labels, spam across users"),
)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]], caption: str) -> str:
    """An HTML table, left-aligned, every cell escaped."""
    lines = [header, *rows]
    cells = [
        "".join(f"<{tag}>{html.escape(cell)}</{tag}>" for cell in line)
        for tag, line in zip(["th"] + ["td"] * len(rows), lines, strict=True)
    ]
    body = "".join(f'<tr style="text-align:left">{row}</tr>' for row in cells)
    return f'<table><caption style="text-align:left">{html.escape(caption)}</caption>{body}</table>'


@dataclass(frozen=True)
class EnvironmentReport:
    """What :func:`check_environment` found: one (item, value, ok) row per check."""

    rows: list[tuple[str, str, bool]]  # e.g. ("device", "cpu", True)

    @property
    def ok(self) -> bool:
        """True when every row is fine."""
        return all(ok for _, _, ok in self.rows)

    def __str__(self) -> str:
        width = max(len(item) for item, _, _ in self.rows)
        return "\n".join(f"{'ok' if ok else 'NO'}  {i:{width}}  {v}" for i, v, ok in self.rows)

    def _repr_html_(self) -> str:
        rows = [("✅" if ok else "❌", item, value) for item, value, ok in self.rows]
        verdict = "all good" if self.ok else "the rows marked ❌ need attention"
        return _table(("", "item", "value"), rows, f"Environment check: {verdict}")


def find_network_code(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Read a package's source for code that could reach the network; nothing is run.

    Returns
    -------
    list of str
        ``"path.py:line what"`` for each import of a ``NETWORK_MODULES`` module, call of a
        ``DOWNLOAD_CALLS`` function or ``torch.hub.load``, and ``download=`` argument that is
        not False; empty when there is none.
    """
    found = []
    for path in sorted(Path(package_dir).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            what: list[str] = []
            if isinstance(node, ast.Import | ast.ImportFrom):
                prefix = f"{node.module}." if isinstance(node, ast.ImportFrom) else ""
                names = [prefix + alias.name for alias in node.names]
                what = [n for n in names for m in NETWORK_MODULES if f"{n}.".startswith(f"{m}.")]
            elif isinstance(node, ast.Attribute | ast.Name):
                name = node.attr if isinstance(node, ast.Attribute) else node.id
                hub = isinstance(node, ast.Attribute) and ast.unparse(node).endswith("hub.load")
                what = [f"calls {name}"] if name in DOWNLOAD_CALLS or hub else []
            elif isinstance(node, ast.keyword) and node.arg == "download":
                what = [] if ast.unparse(node.value) == "False" else ["passes download=..."]
            found += [f"{path.relative_to(package_dir)}:{node.lineno} {w}" for w in what]
    return found


def check_environment(
    weights_dir: Path = WEIGHTS_DIR, data_dir: Path | None = None
) -> EnvironmentReport:
    """Check versions, the device, the cached datasets, the zoo weights and offline use.

    Nothing is built, downloaded or connected to: cached datasets and zoo weights are
    hashed and compared with their manifests, and tlwidgets' own source is read (not run)
    for code that could reach the network.

    Parameters
    ----------
    weights_dir
        The zoo folder (``*.safetensors`` and ``manifest.json``).
    data_dir
        The dataset cache folder; defaults to ``tlwidgets.data.home.cache_dir()``.
    """
    rows = [("Python", platform.python_version(), sys.version_info >= (3, 10))]
    for package in ("torch", "torchvision", "tlwidgets"):
        try:
            rows.append((package, importlib.metadata.version(package), True))
        except importlib.metadata.PackageNotFoundError:
            rows.append((package, "not installed: run make lab", False))
    try:
        rows.append(("device", str(get_device()), True))
    except (ValueError, RuntimeError) as error:  # TLW_DEVICE names no device of this machine
        rows.append(("device", str(error), False))
    folder = cache_dir() if data_dir is None else Path(data_dir)
    rows.append(("data cache", str(folder), True))
    for name, builder in sorted(BUILDERS.items()):
        if not (folder / f"{name}.npz").exists():
            rows.append((f"dataset {name}", "not built yet: it builds on first use", True))
            continue
        _, problem = read_arrays(folder, f"{name}.npz", builder.version)
        value = f"{problem}; it is rebuilt on first use" if problem else "verified (sha256)"
        rows.append((f"dataset {name}", value, not problem))
    for name in list_pretrained(weights_dir):
        info = pretrained_info(name, weights_dir)
        path = Path(weights_dir) / info["file"]
        good = path.exists() and sha256_of(path) == info["sha256"]
        problem = "fails its sha256 check: corrupted" if path.exists() else "is missing"
        value = f"verified, sha256 {info['sha256'][:12]}..." if good else f"{path} {problem}"
        rows.append((f"zoo {name}", value, good))
    rows += _text_rows()
    network = find_network_code()
    modules = len(list(PACKAGE_DIR.rglob("*.py")))
    clean = f"no code that could reach the network in tlwidgets' {modules} modules"
    rows.append(("offline", "; ".join(network) or clean, not network))
    return EnvironmentReport(rows)


def _text_rows() -> list[tuple[str, str, bool]]:
    """Lesson 05: the committed text corpora (sha256) and the installed sentence encoders."""
    from .data.text import verify_text_corpora
    from .models.text_encoder import INSTALL_HINT, available_text_encoders

    rows = [
        (f"text {name}", problem or "verified (sha256)", problem is None)
        for name, problem in verify_text_corpora().items()
    ]
    encoders = available_text_encoders()
    rows.append(
        (
            "text encoders",
            ", ".join(encoders) if "minilm" in encoders else f"minilm missing: {INSTALL_HINT}",
            "minilm" in encoders,  # the multilingual one is optional (lesson 05, section 6)
        )
    )
    return rows


@dataclass(frozen=True)
class LessonMap:
    """The lessons with their notebook and measured run time; a table in Jupyter."""

    rows: list[tuple[str, str, str, str, str]]  # number, title, notebook, CPU time, GPU time
    caption: str  # where the times come from

    def __str__(self) -> str:
        return "\n".join(" | ".join(row) for row in self.rows) + f"\n{self.caption}"

    def time_of(self, number: str) -> str:
        """How long lesson ``number`` ("00"..."05") takes to run, on a CPU and on a GPU."""
        for lesson, _, notebook, cpu, gpu in self.rows:
            if lesson == number:
                return f"{notebook}, every cell: {cpu} on a CPU, {gpu} on a GPU"
        raise ValueError(f"no lesson {number!r}; choose from {[row[0] for row in self.rows]}")

    def _repr_html_(self) -> str:
        header = ("", "lesson", "notebook", "run all cells: CPU", "run all cells: GPU")
        return _table(header, self.rows, self.caption)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not measured yet"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def lesson_map(notebooks_dir: Path = NOTEBOOKS_DIR, results_dir: Path = RESULTS_DIR) -> LessonMap:
    """Lessons 00-05: their notebook (or "coming") and full-mode run times on CPU and GPU.

    The times are those ``bench/bench_notebooks.py`` measured (``bench/results``), never
    typed by hand; a notebook it has not timed yet (or every one, before the benchmark's
    first run) shows "not measured yet".
    """
    measured = (Path(results_dir) / "bench_notebooks.json").exists()  # not before its first run
    runs = load_bench_result("bench_notebooks", results_dir).runs if measured else []
    rows, machines = [], set()
    for number, title in LESSONS:
        found = sorted(Path(notebooks_dir).glob(f"{number}_*.ipynb"))
        if not found:
            rows.append((number, title, "coming", "-", "-"))
            continue
        timed = [r for r in runs if r["notebook"] == found[0].name and r["mode"] == "full"]
        cpu = [run for run in timed if run["device"] == "cpu"]
        gpu = [run for run in timed if run["device"] != "cpu"]
        machines |= {run.get("machine", "?") for run in timed}
        times = [_duration(group[-1]["seconds"] if group else None) for group in (cpu, gpu)]
        rows.append((number, title, found[0].name, *times))
    where = "; ".join(sorted(machines)) or "nothing measured yet"
    return LessonMap(rows, f"Full mode, every cell, timed by bench/bench_notebooks.py on: {where}")
