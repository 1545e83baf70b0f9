"""The runs a :class:`~tlwidgets.widgets.FineTuneLab` has finished: records, table and plot.

Every finished (or stopped) run becomes a :class:`Run`; the lab shows them side by side as
an HTML table (:func:`runs_table_html`) and as one accuracy curve per run
(:func:`draw_comparison`), so that e.g. freeze depth 0 and 3 can be compared without code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from torch import nn

from ..train import History, TransferConfig, frozen_depth
from ..viz.palette import MARKERS, use_palette
from .figure_image import draw_placeholder
from .html_table import format_percent, table_html

__all__ = ["STRATEGY_LABELS", "Run", "draw_comparison", "run_label", "runs_table_html"]

# What the learner reads for each of tlwidgets.train.STRATEGIES.
STRATEGY_LABELS = {
    "scratch": "scratch",
    "linear_probe": "linear probe",
    "finetune_all": "fine-tune all",
    "finetune_top": "fine-tune top stages",
}

COLUMNS = (
    "run",
    "strategy",
    "freeze depth",
    "lr",
    "ratio",
    "epochs",
    "labels/class",
    "seed",
    "final target acc",
    "best target acc",
    "final source acc",
    "status",
    "seconds",
)


@dataclass
class Run:
    """One finished (or stopped) run of the lab."""

    number: int  # 1, 2, ... in the order the runs were started since the last reset
    config: TransferConfig  # what was trained
    history: History  # what fit() recorded (status "completed" or "stopped")
    model: nn.Module  # the trained model (its last good weights when stopped)

    @property
    def label(self) -> str:
        """The run's legend entry, e.g. "run 2: fine-tune top stages, freeze 3, lr 1e-03"."""
        return f"run {self.number}: {run_label(self.config)}"

    @property
    def target_accs(self) -> list[float]:
        """Target validation accuracy after each epoch, in [0, 1]."""
        return self.history.series("target_acc", per="epoch")

    @property
    def final_target_acc(self) -> float | None:
        """Target accuracy after the last epoch (None when no epoch finished)."""
        return self.target_accs[-1] if self.target_accs else None

    @property
    def best_target_acc(self) -> float | None:
        """Best target accuracy over the epochs (None when no epoch finished)."""
        return max(self.target_accs) if self.target_accs else None

    @property
    def final_source_acc(self) -> float | None:
        """Source-task accuracy after the last epoch (None without a source task)."""
        values = self.history.series("source_acc", per="epoch")
        return values[-1] if values else None


def run_label(config: TransferConfig) -> str:
    """Describe a config in a few words: strategy, freeze depth (top stages only), lr, labels."""
    words = [STRATEGY_LABELS[config.strategy]]
    if config.strategy == "finetune_top":
        words.append(f"freeze {config.freeze_depth}")
    words.append(f"lr {config.lr:.0e}")
    if config.strategy in ("finetune_all", "finetune_top"):
        words.append(f"ratio {config.backbone_lr_ratio:.2g}")
    labels = "all" if config.labels_per_class is None else config.labels_per_class
    words.append(f"{labels}/class")
    return ", ".join(words)


def runs_table_html(runs: Sequence[Run]) -> str:
    """An HTML table with one row per run (and a hint row when there is none yet)."""
    rows = []
    for run in runs:
        config = run.config
        cells = (
            run.number,
            STRATEGY_LABELS[config.strategy],
            frozen_depth(run.model),
            f"{config.lr:.0e}",
            f"{config.backbone_lr_ratio:.2g}",
            config.epochs,
            "all" if config.labels_per_class is None else config.labels_per_class,
            config.seed,
            format_percent(run.final_target_acc),
            format_percent(run.best_target_acc),
            format_percent(run.final_source_acc),
            run.history.status,
            f"{run.history.seconds:.1f}",
        )
        rows.append(cells)
    return table_html(COLUMNS, rows, empty="No runs yet: press Train.", css_class="tlw-runs")


def draw_comparison(figure: Figure, runs: Sequence[Run]) -> None:
    """Target accuracy (%) per epoch of every run, one labelled line each, on ``figure``."""
    axes = figure.add_subplot()
    use_palette(axes)
    for index, run in enumerate(runs):
        accs = run.target_accs
        if accs:
            epochs = range(1, len(accs) + 1)
            marker = MARKERS[index % len(MARKERS)]  # runs differ in shape too, not by colour alone
            axes.plot(epochs, [100 * a for a in accs], marker=marker, markersize=3, label=run.label)
    axes.set_title("Compare runs: target accuracy")
    axes.set_xlabel("epoch")
    axes.set_ylabel("target accuracy (%)")
    axes.set_ylim(0, 100)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    if any(run.target_accs for run in runs):
        axes.legend(fontsize="x-small", loc="lower right")
    else:
        draw_placeholder(axes, "finished runs appear here")
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9)  # no tight_layout: 2x cost
