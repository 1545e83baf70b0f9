"""Datasets with several labels per image, for multitask learning (lesson 03).

>>> from tlwidgets.data import load_multitask
>>> train = load_multitask("multimnist")           # tasks: left, right (10 classes each)
>>> train.tasks[0]
Task(name='left', kind='classification', classes=('0', ..., '9'), unit='')
>>> image, left, right = train[0]                  # (3, 32, 32), two int64 labels

``synth_attributes`` has four tasks of different types: ``digit``, ``font`` (serif, sans,
mono), ``rotation`` (regression, radians) and ``background`` (red, green, blue, grey).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.utils.data import Dataset

from ..runtime import is_smoke
from .build import load_arrays
from .domains import LabelledImages

__all__ = [
    "MULTITASK_SETS",
    "MultiTaskImages",
    "Task",
    "load_multitask",
    "shuffled_task",
    "with_digit_sum",
]

MULTITASK_SETS = ("multimnist", "synth_attributes")
SMOKE_SIZE = {"train": 300, "test": 100}  # images per split in smoke mode
KINDS = ("classification", "regression")


@dataclass(frozen=True)
class Task:
    """One thing to predict from an image: a class among ``classes``, or a number."""

    name: str  # e.g. "left" or "rotation"
    kind: str  # "classification" or "regression"
    classes: tuple[str, ...] = ()  # class names (classification only)
    unit: str = ""  # unit of the target (regression only), e.g. "radians"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown task kind {self.kind!r}; choose from {KINDS}")
        if (self.kind == "classification") != bool(self.classes):
            raise ValueError("a classification task needs classes; a regression task has none")

    @property
    def num_outputs(self) -> int:
        """Outputs a head needs: one per class, or 1 for a regression."""
        return len(self.classes) if self.classes else 1


@dataclass(eq=False, repr=False)
class MultiTaskImages(Dataset):
    """Images with one target per task; a map-style Dataset.

    Indexing gives ``(image (3, 32, 32), target_1, ..., target_T)`` in the order of
    ``tasks``: int64 class indices for classification tasks, float32 for regression.
    """

    images: torch.Tensor  # (N, 3, 32, 32) float32 in [0, 1]
    targets: dict[str, torch.Tensor]  # task name -> (N,) targets
    tasks: tuple[Task, ...]
    name: str  # e.g. "multimnist"
    split: str  # "train" or "test"

    def __post_init__(self) -> None:
        names = [task.name for task in self.tasks]
        if sorted(names) != sorted(self.targets) or len(set(names)) != len(names):
            raise ValueError(
                f"tasks {names} must name each target once; targets: {list(self.targets)}"
            )
        for task in names:
            if len(self.targets[task]) != len(self.images):
                raise ValueError(
                    f"task {task!r} has {len(self.targets[task])} targets "
                    f"for {len(self.images)} images"
                )

    @property
    def tensors(self) -> tuple[torch.Tensor, ...]:
        """``(images, target_1, ..., target_T)``, so batches are cut by fast slicing."""
        return (self.images, *(self.targets[task.name] for task in self.tasks))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __repr__(self) -> str:
        tasks = ", ".join(f"{t.name} ({t.kind})" for t in self.tasks)
        return (
            f"MultiTaskImages(name={self.name!r}, split={self.split!r}, n={len(self)}, "
            f"tasks=[{tasks}])"
        )

    def task(self, name: str) -> Task:
        """The task called ``name``; a clear error lists the tasks when there is none."""
        for task in self.tasks:
            if task.name == name:
                return task
        raise ValueError(
            f"{self.name} has no task {name!r}; its tasks: {[t.name for t in self.tasks]}"
        )

    def select(self, names: Sequence[str]) -> MultiTaskImages:
        """The same images with only the tasks in ``names`` (in that order)."""
        tasks = tuple(self.task(name) for name in names)
        return replace(self, tasks=tasks, targets={t.name: self.targets[t.name] for t in tasks})

    def with_task(self, task: Task, targets: torch.Tensor) -> MultiTaskImages:
        """The same images with one more task and its targets (N,) added at the end."""
        if task.name in self.targets:
            raise ValueError(f"{self.name} already has a task {task.name!r}")
        return replace(
            self, tasks=(*self.tasks, task), targets={**self.targets, task.name: targets}
        )

    def subset(self, indices: Sequence[int] | np.ndarray | torch.Tensor) -> MultiTaskImages:
        """The images at ``indices`` (M,), with all their targets."""
        index = torch.as_tensor(np.asarray(indices), dtype=torch.long).reshape(-1)
        return replace(
            self,
            images=self.images[index],
            targets={name: t[index] for name, t in self.targets.items()},
        )

    def as_labelled(self, name: str) -> LabelledImages:
        """One classification task as :class:`LabelledImages`, for ``fit``, probes and plots."""
        task = self.task(name)
        if task.kind != "classification":
            raise ValueError(
                f"task {name!r} is a regression; only a classification task has labels"
            )
        return LabelledImages(
            images=self.images,
            labels=self.targets[name],
            classes=list(task.classes),
            name=f"{self.name}/{name}",
            split=self.split,
        )


def shuffled_task(
    data: MultiTaskImages, of: str, *, name: str | None = None, seed: int = 0
) -> MultiTaskImages:
    """Add a task whose labels are those of task ``of``, shuffled across images.

    The new labels have the same classes and class frequencies but no relation to the
    images: a network can only memorise them. Trained alongside a real task through a
    shared backbone, it competes for the shared features - a task *conflict* built on
    purpose (lesson 03, section 4).
    """
    source = data.task(of)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(data), generator=generator)
    task = replace(source, name=name or f"shuffled_{of}")
    return data.with_task(task, data.targets[of][order].clone())


def with_digit_sum(data: MultiTaskImages) -> MultiTaskImages:
    """MultiMNIST with a third task, ``sum``: the sum of the two digits (19 classes, 0-18).

    A task no MultiMNIST model was trained on, for testing its features as pretraining.
    """
    if not {"left", "right"} <= set(data.targets):
        raise ValueError(
            f"the digit sum needs MultiMNIST's left and right tasks; {data.name} has none"
        )
    task = Task("sum", "classification", tuple(str(s) for s in range(19)))
    return data.with_task(task, data.targets["left"] + data.targets["right"])


def _digit_classes() -> tuple[str, ...]:
    return tuple(str(d) for d in range(10))


def load_multitask(name: str, split: str = "train") -> MultiTaskImages:
    """Load a multitask dataset as 3 x 32 x 32 float images with one target per task.

    In smoke mode (``TLW_SMOKE=1``) a split keeps its first 300 (train) or 100 (test)
    images, which are in random order.

    Parameters
    ----------
    name
        ``"multimnist"`` (tasks ``left``, ``right``: two overlapping MNIST digits, 8,000
        train / 1,000 test) or ``"synth_attributes"`` (tasks ``digit``, ``font``,
        ``rotation``, ``background``; 6,000 train / 2,000 test).
    split
        ``"train"`` or ``"test"``.

    Returns
    -------
    MultiTaskImages
        ``images`` (N, 3, 32, 32) float32 in [0, 1] and ``targets`` per task.

    Raises
    ------
    ValueError
        For an unknown name or split.
    """
    if name not in MULTITASK_SETS:
        raise ValueError(
            f"unknown multitask dataset {name!r}; choose from {', '.join(MULTITASK_SETS)}"
        )
    if split not in SMOKE_SIZE:
        raise ValueError(f"unknown split {split!r}; choose from train, test")
    arrays = load_arrays(name)
    x, y = arrays[f"x_{split}"], arrays[f"y_{split}"].astype(np.int64)  # (N, [3,] 32, 32), (N, T)
    keep = slice(0, SMOKE_SIZE[split]) if is_smoke() else slice(None)
    images = torch.from_numpy(np.array(x[keep])).float().div_(255)
    if images.ndim == 3:  # grey (N, 32, 32) -> (N, 3, 32, 32)
        images = images[:, None].repeat(1, 3, 1, 1)
    labels = torch.from_numpy(y[keep])
    if name == "multimnist":
        tasks = (
            Task("left", "classification", _digit_classes()),
            Task("right", "classification", _digit_classes()),
        )
        targets = {"left": labels[:, 0].contiguous(), "right": labels[:, 1].contiguous()}
    else:
        tasks = (
            Task("digit", "classification", _digit_classes()),
            Task("font", "classification", tuple(arrays["families"].tolist())),
            Task("rotation", "regression", unit="radians"),
            Task("background", "classification", tuple(arrays["backgrounds"].tolist())),
        )
        targets = {
            "digit": labels[:, 0].contiguous(),
            "font": labels[:, 1].contiguous(),
            "rotation": torch.from_numpy(arrays[f"angle_{split}"][keep].copy()),
            "background": labels[:, 2].contiguous(),
        }
    return MultiTaskImages(images=images, targets=targets, tasks=tasks, name=name, split=split)
