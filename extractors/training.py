"""What the NER and relation trainers share: the optimizer schedule and one epoch of updates."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from extractors.models import read_card, write_card


def make_optimizer(
    model: nn.Module, lr: float, weight_decay: float, total_steps: int, warmup_ratio: float
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with linear warm-up then linear decay to zero."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)
    warmup = max(1, int(warmup_ratio * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))
    )
    return optimizer, scheduler


def run_epoch(
    model: nn.Module,
    batches: Iterable[Any],
    loss_of: Callable[[Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LambdaLR,
    *,
    desc: str,
    deadline: float,
    progress: bool,
) -> list[float]:
    """One pass of gradient steps (clipped at norm 1) with a progress bar showing the running
    loss; stops early at ``deadline`` (time.monotonic()). Returns the batch losses."""
    model.train()
    losses: list[float] = []
    bar = tqdm(batches, desc=desc, unit="batch", disable=not progress)
    for batch in bar:
        loss = loss_of(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}")
        if time.monotonic() > deadline:
            break
    return losses


def stop_reason(epoch: int, best_epoch: int, patience: int, deadline: float) -> str | None:
    """Why training ends after ``epoch``: its time budget is spent ("max_minutes"), or dev has not
    improved for ``patience`` epochs ("patience"); None: go on."""
    if time.monotonic() > deadline:
        return "max_minutes"
    if epoch - best_epoch >= patience:
        return "patience"
    return None


def finish_card(out: Path, history: list[dict[str, Any]], stopped: str, started: float) -> dict[str, Any]:
    """The best checkpoint's card, completed with the whole run: per-epoch history, why it
    stopped, and its minutes."""
    card = read_card(out)
    card.update(history=history, stopped_by=stopped, train_minutes=round((time.monotonic() - started) / 60, 2))
    write_card(out, card)
    return card
