"""THE training loop: the only place in tlwidgets that calls ``backward()``.

Every method in the course is this loop with a different objective and data::

    history = fit(model, load_domain("mnist"), config=FitConfig(epochs=3, lr=1e-3),
                  val_data={"val": load_domain("mnist", "test")})

It runs on ``runtime.get_device()`` (autocast on CUDA), reports through callbacks and
prints nothing, checks a stop event before every batch, and always leaves the model with
good weights: on a stop it keeps the last step's weights, on an error the last weights
that were still finite.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import asdict
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ..data.batches import iterate_batches, num_batches
from ..runtime import get_device, seed_everything
from .callbacks import Callback, FitState
from .config import FitConfig
from .evaluate import evaluate
from .freeze import keep_frozen_batchnorm_in_eval
from .history import History
from .objectives import ClassificationObjective, Objective

__all__ = ["TrainingError", "fit"]


class TrainingError(RuntimeError):
    """A run that could not continue (e.g. the loss became NaN); ``.history`` has what ran."""

    def __init__(self, message: str, history: History):
        super().__init__(message)
        self.history = history


def _make_optimizer(
    config: FitConfig,
    model: nn.Module,
    param_groups: Sequence[dict[str, Any]] | None,
    objective: Objective,
) -> torch.optim.Optimizer:
    groups: list[dict[str, Any]] = (
        list(param_groups)
        if param_groups is not None
        else [{"params": [p for p in model.parameters() if p.requires_grad]}]
    )
    groups = [{**group, "params": list(group["params"])} for group in groups]
    if not any(group["params"] for group in groups):
        raise ValueError(
            "nothing to train: every parameter is frozen; unfreeze some stages "
            "(tlwidgets.train.freeze_stages(model, depth) with a smaller depth)"
        )
    if isinstance(objective, nn.Module):  # e.g. learnable task weights
        learnable = [p for p in objective.parameters() if p.requires_grad]
        if learnable:  # first, so the last group stays the model's (its lr is logged)
            lr = getattr(objective, "parameters_lr", None) or config.lr
            groups.insert(0, {"params": learnable, "lr": lr})
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay
        )
    optimizer_class = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return optimizer_class(groups, lr=config.lr, weight_decay=config.weight_decay)


def _lr_factor(config: FitConfig, total_steps: int):
    if config.schedule == "cosine":
        return lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))
    return lambda step: 1.0


def _parameters_finite(model: nn.Module) -> bool:
    return all(torch.isfinite(p).all() for p in model.parameters())


def _snapshot(model: nn.Module) -> dict[str, Tensor]:
    return {key: value.detach().to("cpu", copy=True) for key, value in model.state_dict().items()}


def fit(
    model: nn.Module,
    train_data: Dataset,
    objective: Objective | None = None,
    config: FitConfig | None = None,
    *,
    val_data: Dataset | Mapping[str, Dataset] | None = None,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
    param_groups: Sequence[dict[str, Any]] | None = None,
    epoch_metrics: Mapping[str, Callable[[], Mapping[str, float]]] | None = None,
) -> History:
    """Train ``model`` on ``train_data`` with ``objective`` and return what happened.

    Parameters
    ----------
    model
        Any ``nn.Module`` the objective accepts; trained in place on the chosen device.
    train_data
        A dataset of tuples, e.g. ``(image (3, 32, 32), label)``; in-memory datasets
        (``LabelledImages``, ``TensorDataset``) are batched by fast slicing.
    objective
        Turns a batch into a loss and metrics; :class:`ClassificationObjective` by default.
    config
        Epochs, learning rate, optimizer, ...; ``FitConfig()`` by default.
    val_data
        Evaluated after every epoch: one dataset (logged as ``val_*``) or a mapping of
        names to datasets (``{"target": ..., "source": ...}`` logs ``target_acc`` ...).
    callbacks
        Receive :class:`FitState` on every step, epoch and at the end.
    stop_event
        When set (e.g. by a Stop button), the run ends before the next batch.
    param_groups
        Optimizer groups with their own learning rates
        (see :func:`~tlwidgets.train.layerwise_param_groups`); default: every trainable
        parameter at ``config.lr``.
    epoch_metrics
        Extra measurements after every epoch: ``{"source": fn}`` logs each ``key`` of
        ``fn()`` as ``source_key``. Used to watch the source task while fine-tuning on the
        target (e.g. ``lambda: evaluate(source_view, source_val)``) - forgetting, live.

    Returns
    -------
    History
        ``status`` is "completed" or "stopped".

    Raises
    ------
    TrainingError
        If the loss becomes NaN or infinite; the model keeps its last finite weights.
    """
    config = config or FitConfig()
    objective = objective or ClassificationObjective()
    if isinstance(val_data, Dataset):
        val_data = {"val": val_data}
    val_sets: Mapping[str, Dataset] = val_data or {}
    device = get_device(config.device)
    generator = seed_everything(config.seed)

    if len(train_data) == 0:  # type: ignore[arg-type]
        raise ValueError("the training set is empty: give fit() at least one example")
    steps_per_epoch = num_batches(train_data, config.batch_size, config.drop_last)
    if steps_per_epoch == 0:
        raise ValueError(
            f"no full batch of {config.batch_size} in {len(train_data)} examples; "  # type: ignore[arg-type]
            "lower batch_size or set drop_last=False"
        )
    total_steps = steps_per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)

    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model.to(device=device, memory_format=memory_format)
    if isinstance(objective, nn.Module):
        objective.to(device)
    optimizer = _make_optimizer(config, model, param_groups, objective)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_factor(config, total_steps))
    use_amp = config.amp and device.type == "cuda"
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

    history = History(device=str(device), config=asdict(config))
    state = FitState(model, history, config, step=0, epoch=0, total_steps=total_steps)
    last_finite = _snapshot(model)
    best: tuple[float, dict[str, Tensor]] | None = None
    start = time.perf_counter()

    def to_device(batch: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        return tuple(
            t.to(device, non_blocking=True, memory_format=memory_format)
            if t.ndim == 4
            else t.to(device, non_blocking=True)
            for t in batch
        )

    try:
        for epoch in range(config.epochs):
            state.epoch = epoch
            model.train()
            if config.freeze_batchnorm_stats:
                keep_frozen_batchnorm_in_eval(model)
            sums: dict[str, float] = {}
            counts: dict[str, int] = {}  # examples per metric: some are logged on few steps
            seen = 0
            for batch in iterate_batches(
                train_data,
                config.batch_size,
                shuffle=True,
                generator=generator,
                drop_last=config.drop_last,
            ):
                if (stop_event is not None and stop_event.is_set()) or state.step >= total_steps:
                    break
                batch = to_device(batch)
                objective.on_step_start(state.progress)
                autocast = torch.autocast("cuda", dtype=amp_dtype) if use_amp else nullcontext()
                with autocast:
                    loss, metrics = objective(model, batch)
                if not torch.isfinite(loss):
                    raise TrainingError(
                        f"the loss became {float(loss.detach())} at step {state.step} "
                        f"(epoch {epoch}); lower the learning rate (e.g. by 10x)",
                        history,
                    )
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                scheduler.step()
                state.step += 1

                row = {"step": state.step, "epoch": epoch, "loss": float(loss.detach())}
                row.update({key: float(value) for key, value in metrics.items()})
                row["lr"] = optimizer.param_groups[-1]["lr"]
                row["time"] = time.perf_counter() - start
                history.steps.append(row)
                n = len(batch[0])
                for key in row.keys() - {"step", "epoch", "lr", "time"}:
                    sums[key] = sums.get(key, 0.0) + row[key] * n
                    counts[key] = counts.get(key, 0) + n
                seen += n
                for callback in callbacks:
                    callback.on_step(state)

            stopped = stop_event is not None and stop_event.is_set()
            if seen == 0:
                break
            objective.on_epoch_end()
            epoch_row: dict[str, float] = {"epoch": epoch, "step": state.step}
            epoch_row.update({key: total / counts[key] for key, total in sums.items()})
            for name, data in val_sets.items():
                for key, value in evaluate(model, data, objective, device=device).items():
                    epoch_row[f"{name}_{key}"] = value
            for name, measure in (epoch_metrics or {}).items():
                for key, value in measure().items():
                    epoch_row[f"{name}_{key}"] = float(value)
            epoch_row["time"] = time.perf_counter() - start
            history.epochs.append(epoch_row)
            last_finite = _snapshot(model)
            if config.restore_best is not None:
                if config.restore_best not in epoch_row:
                    raise ValueError(
                        f"restore_best={config.restore_best!r} is not a recorded metric; "
                        f"recorded: {sorted(epoch_row)}"
                    )
                score = epoch_row[config.restore_best]
                score = -score if "loss" in config.restore_best else score
                if best is None or score > best[0]:
                    best = (score, last_finite)
            for callback in callbacks:
                callback.on_epoch(state)
            if stopped or state.step >= total_steps:
                break

        history.status = (
            "stopped" if stop_event is not None and stop_event.is_set() else "completed"
        )
        if best is not None:
            model.load_state_dict(best[1])
    except BaseException as error:
        history.status = "error"
        history.error = f"{type(error).__name__}: {error}"
        if not _parameters_finite(model):
            model.load_state_dict(last_finite)
        raise
    finally:
        history.seconds = time.perf_counter() - start
        for callback in callbacks:
            callback.on_end(state)
    return history
