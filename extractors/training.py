"""What the NER and relation trainers share: the optimizer schedule, one epoch of updates, and the
epoch loop around them (dev scoring, best checkpoint, early stopping, a time cap that can be
resumed from, and an estimate of how long this machine will take)."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from extractors.models import CHECKPOINT, read_card, write_card
from kg.errors import ConfigError

log = logging.getLogger(__name__)

ESTIMATE_AFTER = 8  # batches timed before the up-front estimate (the first ones warm up)
# The estimate is taken again a fifth of the way into the first epoch and said again when it
# differs by more than this share: the first batches of a CPU run also build oneDNN's kernels for
# each new batch shape, and under the AVX2 emulation (fp32) the joint NER training's up-front
# estimate read 1.85 s a batch and 71 min for six epochs, where its epochs took 4.5 min (0.7 s a
# batch; BENCHMARKS.md, session 46).
REESTIMATE_CHANGE = 0.2


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def split_dev(dev_docs: Sequence[Any], held_out_every: int | None) -> tuple[list[Any], list[Any]]:
    """(the dev documents that join training, those held out): every ``held_out_every``-th
    document, counted from the first, is held out to choose the epoch and thresholds and to score
    the model. With None, or a dev split too small to hold out one document in that many, every
    document is held out (the usual train/dev use)."""
    if held_out_every is not None and held_out_every < 2:
        raise ConfigError(f"held_out_every must be at least 2 (got {held_out_every}): no dev document would train")
    if held_out_every is None or len(dev_docs) < held_out_every:
        return [], list(dev_docs)
    held = [d for i, d in enumerate(dev_docs) if i % held_out_every == held_out_every - 1]
    joins = [d for i, d in enumerate(dev_docs) if i % held_out_every != held_out_every - 1]
    return joins, held


def dev_split_label(dev: str | Path, held_out_every: int | None, joined: int) -> str | None:
    """How a model card names the dev documents its scores come from (None: the whole split,
    when no dev document ``joined`` training)."""
    if held_out_every is None or not joined:
        return None
    nth = {2: "2nd", 3: "3rd"}.get(held_out_every, f"{held_out_every}th")
    return f"every {nth} document of {Path(dev).name}, counted from the first; the {joined} others trained"


def make_optimizer(
    model: nn.Module,
    lr: float,
    weight_decay: float,
    total_steps: int,
    warmup_ratio: float,
    groups: Sequence[dict[str, Any]] | None = None,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """AdamW with linear warm-up then linear decay to zero, over the model's trainable parameters
    or the given parameter ``groups`` (each with its own ``lr``)."""
    params: Any = list(groups) if groups else [p for p in model.parameters() if p.requires_grad]
    # PyTorch's fused AdamW (one kernel over all parameters, CPU and CUDA): the same update, a
    # step 19 ms instead of 91 for MiniLM's 22M parameters on a 2-core CPU (BENCHMARKS.md, session 47).
    fused = {p.device.type for p in model.parameters()} <= {"cpu", "cuda"} or None
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=fused)
    warmup = max(1, int(warmup_ratio * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / max(1, total_steps - warmup)))
    )
    return optimizer, scheduler


def run_epoch(
    model: nn.Module,
    batches: Sequence[Any],
    loss_of: Callable[[Any], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LambdaLR,
    *,
    desc: str,
    deadline: float,
    progress: bool,
    skip: int = 0,
    on_rate: Callable[[float, int], None] | None = None,
    cost: Callable[[Any], float] | None = None,
) -> list[float]:
    """One pass of gradient steps (clipped at norm 1) with a progress bar showing the running
    loss, from batch ``skip`` on (a resumed epoch); stops early at ``deadline``
    (time.monotonic()). ``on_rate`` hears the seconds per batch and how many batches they were
    timed over, once the first batches are timed and again a fifth of the way into the pass.
    With ``cost`` (a batch's relative work, such as its padded tokens) the seconds per batch are
    the timed batches' seconds per unit of cost times the pass's mean cost a batch: batches
    of similar length come in random order, and a few short ones first would otherwise promise
    too fast a pass. Returns the losses of the batches it ran."""
    model.train()
    losses: list[float] = []
    todo = batches[skip:]
    costs = [cost(b) for b in todo] if cost is not None and on_rate is not None else [1.0] * len(todo)
    mean_cost = sum(costs) / max(1, len(costs))
    bar = tqdm(todo, desc=desc, unit="batch", disable=not progress, initial=skip, total=len(batches))
    timed_from = None
    timed_at = {ESTIMATE_AFTER, max(ESTIMATE_AFTER, (len(batches) - skip) // 5 - 2)}
    for batch in bar:
        loss = loss_of(batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}", refresh=False)  # drawn at the bar's own pace
        if len(losses) == 2:
            timed_from = time.monotonic()
        elif on_rate is not None and timed_from is not None and len(losses) - 2 in timed_at:
            timed_cost = sum(costs[2 : len(losses)])
            on_rate((time.monotonic() - timed_from) / timed_cost * mean_cost, len(losses) - 2)
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


@dataclass
class Schedule:
    """How long to train: ``epochs`` (the learning-rate schedule spans them), early stopping after
    ``patience`` epochs without a better dev score, and ``max_minutes`` as a safety cap; with
    ``resume``, go on from the checkpoint a capped run left in the output folder. Dev is scored
    from epoch ``score_from`` on (the learning rate decays to zero over the epochs, so the early
    ones are not the best: scoring them only costs time), and always at the last epoch run."""

    epochs: int
    patience: int
    max_minutes: float
    resume: bool = False
    name: str = "training"
    score_from: int = 1
    metric: str = "F1"  # what the dev score is, in the progress lines


@dataclass
class Loop:
    """One model's training: the parts ``fit`` drives. ``batches(epoch)`` gives an epoch's batches
    (called for every epoch in order, resumed ones too, so a seeded shuffle replays exactly);
    ``evaluate(epoch)`` the dev score and extra history fields; ``save_best(epoch, score, info)``
    writes the model folder."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    batches: Callable[[int], Sequence[Any]]
    loss_of: Callable[[Any], torch.Tensor]
    evaluate: Callable[[int], tuple[float, dict[str, Any]]]
    save_best: Callable[[int, float, dict[str, Any]], None]
    config: dict[str, Any] = field(default_factory=dict)  # must match on --resume (max_minutes aside)
    cost: Callable[[Any], float] | None = None  # a batch's relative work, for the estimate (``run_epoch``)


# Settings a resumed run may change. Attention dropout has no weights: a checkpoint written before
# it was a setting (session 47) goes on with the new default instead of refusing to resume.
_RESUMABLE_CHANGES = ("max_minutes", "resume", "attention_dropout")


def _best(history: list[dict[str, Any]]) -> tuple[float, int]:
    """The best dev score of a history and its (first) epoch; (-1, 0) before any scoring."""
    return max(
        ((h["dev_f1"], h["epoch"]) for h in history if "dev_f1" in h), key=lambda t: (t[0], -t[1]), default=(-1.0, 0)
    )


def fit(loop: Loop, out: Path, schedule: Schedule, *, progress: bool = True) -> dict[str, Any]:
    """Train epoch by epoch; keep the best dev epoch in ``out`` (through ``save_best``); return the
    finished card. After every epoch but the last, the weights, optimizer, schedule and position
    are kept in ``out/checkpoint`` (removed when training ends), so a run killed part-way or cut by
    the time cap (its card then says ``stopped_by: max_minutes`` with ``resumable: true``) can go
    on: ``schedule.resume`` continues from there, with a new time cap, to the same result an uncut
    run would reach (same batches, same learning-rate schedule)."""
    out = Path(out)
    ckpt = out / CHECKPOINT
    started = time.monotonic()
    deadline = started + 60 * schedule.max_minutes
    say = tqdm.write if progress else log.info
    history: list[dict[str, Any]] = []
    start_epoch, skip = 1, 0
    earlier: list[float] = []  # losses of a resumed epoch's batches before the cut
    if schedule.resume:
        if not ckpt.is_file():
            raise ConfigError(f"{out}: nothing to resume (no {CHECKPOINT}); a run cut short by its time cap leaves one")
        state = torch.load(ckpt, map_location="cpu", weights_only=False)
        changed = sorted(
            k
            for k in set(state["config"]) | set(loop.config)
            if k not in _RESUMABLE_CHANGES and state["config"].get(k) != loop.config.get(k)
        )
        if changed:
            raise ConfigError(
                f"{out}: --resume needs the settings of the run it continues; changed: {', '.join(changed)} "
                f"(or delete {out} to train from the start)"
            )
        loop.model.load_state_dict(state["model"])
        loop.optimizer.load_state_dict(state["optimizer"])
        loop.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, skip, earlier = state["epoch"], state["batches_done"], state["epoch_losses"]
        # A cut epoch is recorded (and may be kept as the best) again when it is whole.
        history = [h for h in state["history"] if h["epoch"] < start_epoch]
        say(f"{schedule.name}: resuming at epoch {start_epoch}, batch {skip} (best dev so far {_best(history)[0]:.2f})")
    best, best_epoch = _best(history)
    for epoch in range(1, start_epoch):
        loop.batches(epoch)  # replays the seeded shuffles of the epochs already done
    epochs_seconds: list[float] = []
    said: list[float] = []  # the paces the estimate has said
    stopped = "epochs"
    kept = start_epoch - 1 if schedule.resume else 0  # the last epoch whose end the checkpoint holds
    try:
        for epoch in range(start_epoch, schedule.epochs + 1):
            t0 = time.monotonic()
            batches = loop.batches(epoch)

            def estimate(per_batch: float, timed: int, n: int = len(batches), first: int = epoch) -> None:
                if said and abs(per_batch - said[0]) <= REESTIMATE_CHANGE * said[0]:
                    return
                left = schedule.epochs - first + 1
                minutes = per_batch * n * left / 60
                pace = "on this machine" if not said else f"over {timed} batches"
                say(
                    f"{schedule.name}: {per_batch:.2f} s per batch {pace}: about "
                    f"{per_batch * n / 60:.1f} min per epoch, {minutes:.{0 if minutes >= 10 else 1}f} min for {left} "
                    f"epoch{'s' if left != 1 else ''} plus dev scoring (cap {schedule.max_minutes:g} min)"
                )
                said.append(per_batch)

            losses = run_epoch(
                loop.model,
                batches,
                loop.loss_of,
                loop.optimizer,
                loop.scheduler,
                desc=f"{schedule.name} epoch {epoch}",
                deadline=deadline,
                progress=progress,
                skip=skip,
                on_rate=estimate if not epochs_seconds and epoch == start_epoch else None,
                cost=loop.cost,
            )
            losses, earlier = earlier + losses, []
            done, skip = len(losses), 0  # batches of this epoch run, before and after a resume
            cut = done < len(batches)
            scored = epoch >= min(schedule.score_from, schedule.epochs) or time.monotonic() > deadline
            entry: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 5) if losses else None}
            if scored:
                score, info = loop.evaluate(epoch)
                entry.update(dev_f1=score, **info)
            history.append(
                {**entry, "minutes": round((time.monotonic() - started) / 60, 2), **({"batches": done} if cut else {})}
            )
            epochs_seconds.append(time.monotonic() - t0)
            mean_loss = np.mean(losses) if losses else float("nan")
            loss_text = f"{schedule.name} epoch {epoch}/{schedule.epochs}: loss {mean_loss:.4f}"
            if not scored:
                say(f"{loss_text} ({epochs_seconds[-1] / 60:.1f} min; dev is scored from epoch {schedule.score_from})")
            else:
                say(
                    f"{loss_text}  dev {schedule.metric} {score:.2f}  (best {max(best, score):.2f}; "
                    f"{epochs_seconds[-1] / 60:.1f} min)"
                )
                if score > best:
                    best, best_epoch = score, epoch
                    loop.save_best(epoch, score, info)
            _pace(say, schedule, epoch, epochs_seconds)
            reason = stop_reason(epoch, best_epoch, schedule.patience, deadline) if scored else None
            if epoch < schedule.epochs or cut:
                # Kept after every epoch, so that a run killed later (or cut by the cap) can resume.
                _save_checkpoint(ckpt, loop, history, (epoch, done) if cut else (epoch + 1, 0), losses if cut else [])
                kept = epoch
            if reason == "max_minutes" and (epoch < schedule.epochs or cut):
                card = finish_card(out, history, "max_minutes", started)
                card.update(resumable=True, epochs_done=epoch - 1 if cut else epoch, epochs=schedule.epochs)
                write_card(out, card)
                return card
            if reason:
                stopped = reason
                break
    except KeyboardInterrupt:  # Ctrl-C, or a stop signal: say what is kept before the command ends
        say(interrupted_note(schedule.name, ckpt if ckpt.is_file() else None, kept))
        raise
    if ckpt.is_file():
        ckpt.unlink()
        ckpt.parent.rmdir()
    card = finish_card(out, history, stopped, started)
    card.pop("resumable", None)
    write_card(out, card)
    return card


def _save_checkpoint(
    ckpt: Path, loop: Loop, history: list[dict[str, Any]], position: tuple[int, int], epoch_losses: list[float]
) -> None:
    """Everything ``fit`` needs to go on from ``position`` (epoch, batches done in it), written
    atomically (a kill while writing leaves the previous checkpoint)."""
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    tmp = ckpt.with_suffix(".tmp")
    torch.save(
        {
            "model": loop.model.state_dict(),
            "optimizer": loop.optimizer.state_dict(),
            "scheduler": loop.scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "history": history,
            "epoch": position[0],
            "batches_done": position[1],
            "epoch_losses": epoch_losses,
            "config": loop.config,
        },
        tmp,
    )
    tmp.replace(ckpt)


def interrupted_note(name: str, ckpt: Path | None, epoch: int) -> str:
    """One line for a training stopped before its end: what it keeps and how to go on."""
    kept = (
        f"its last checkpoint ({epoch} epoch{'' if epoch == 1 else 's'} done) is kept in {ckpt.parent}; "
        "`medkg run` (or the same `medkg train` command with --resume) goes on from it"
        if ckpt is not None
        else "no epoch had finished, so nothing is kept"
    )
    return f"{name}: stopped before the end of training; {kept}"


def _pace(say: Callable[[str], Any], schedule: Schedule, epoch: int, epochs_seconds: list[float]) -> None:
    """After the first epoch of a run: how much longer the rest takes at its pace."""
    if len(epochs_seconds) == 1 and epoch < schedule.epochs:
        say(
            f"{schedule.name}: about {epochs_seconds[0] * (schedule.epochs - epoch) / 60:.0f} more minutes for the "
            "other "
            f"{schedule.epochs - epoch} epochs at this pace"
        )


def cap_note(card: dict[str, Any], go_on: str) -> str | None:
    """One line for a run its time cap cut short: how far it got and how to go on (``go_on``: what
    continues it, e.g. "`medkg train ner ... --resume`"); None otherwise."""
    if not card.get("resumable"):
        return None
    history = card.get("history", [])
    cut = history[-1].get("batches") if history else None  # the epoch the cap cut, how far it got
    part = f" and {cut} batch{'es' if cut != 1 else ''} of epoch {history[-1]['epoch']}" if cut else ""
    return (
        f"training stopped at its time cap after {card.get('epochs_done', '?')} of {card.get('epochs', '?')} epochs"
        f"{part} (best dev F1 {_best(history)[0]:.2f}); the model is usable, and {go_on} continues where it stopped"
    )
