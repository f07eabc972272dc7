"""The model registry: named model folders under one directory (``MEDKG_HOME/models``) that every
command, flow and the API resolve models through. A training writes a candidate beside them and
``promote`` puts it in place only when its dev score is not worse than the current model's (the
score in each ``medkg.json``); the replaced model is kept, so ``rollback`` can bring it back.

    models/ner-bc5cdr            the current model, what everything loads
    models/.previous/ner-bc5cdr  the one it replaced
    models/.candidates/...       what a training wrote, before the comparison
    models/diagnosis             the diagnosis models: its card and score are graph-ranker/'s
                                 (dev acc@1), beside text-only/ and the cases it was trained on
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from extractors.models import ARTIFACT_FILE, CHECKPOINT, card_dev_acc, card_dev_f1, read_card
from kg.errors import ConfigError

PREVIOUS = ".previous"
CANDIDATES = ".candidates"
# A registry entry whose model card sits one folder down (the diagnosis models).
MAIN_MODEL = "graph-ranker"


def card_folder(folder: Path) -> Path:
    """Where a registry entry's card is: the folder itself, or its ``graph-ranker`` folder."""
    folder = Path(folder)
    if not (folder / ARTIFACT_FILE).is_file() and (folder / MAIN_MODEL / ARTIFACT_FILE).is_file():
        return folder / MAIN_MODEL
    return folder


def has_model(folder: Path) -> bool:
    return (card_folder(folder) / ARTIFACT_FILE).is_file()


def dev_score(folder: Path) -> float | None:
    """A model's best dev score from its card (NER: micro strict F1; relations: pair F1; the
    diagnosis ranker: acc@1)."""
    card = read_card(card_folder(folder))
    score = card_dev_f1(card)
    return score if score is not None else card_dev_acc(card)


def _dev_split(folder: Path) -> str | None:
    """The dev documents a model's card scores come from (None: the whole dev split)."""
    return read_card(card_folder(folder)).get("dev_split")


def candidate_dir(models_dir: Path, name: str) -> Path:
    """An empty folder for a training to write ``name``'s candidate into."""
    folder = Path(models_dir) / CANDIDATES / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


def training_dir(models_dir: Path, name: str) -> tuple[Path, bool]:
    """Where a training of ``name`` that goes on from where an earlier one stopped writes, and
    whether there is a checkpoint to go on from: a copy of the current model when a time cap cut
    its training short, the candidate a killed training left, or else an empty candidate."""
    models_dir = Path(models_dir)
    folder = models_dir / CANDIDATES / name
    if model_state(models_dir / name) == "resumable":
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(models_dir / name, folder)
        return folder, True
    if (folder / CHECKPOINT).is_file():
        return folder, True
    return candidate_dir(models_dir, name), False


def model_state(folder: Path) -> str:
    """``done`` (its training ended), ``resumable`` (a run cut short by its time cap or killed left
    a checkpoint to go on from) or ``missing`` (none, or a folder without either)."""
    folder = Path(folder)
    if (folder / CHECKPOINT).is_file():
        return "resumable"
    if (folder / ARTIFACT_FILE).is_file():
        card = read_card(folder)
        if card.get("resumable"):  # a tagger trained with another, whose folder holds the checkpoint
            return "resumable"
        if "stopped_by" in card:
            return "done"
    return "missing"


@dataclass(frozen=True)
class Promotion:
    name: str
    promoted: bool
    candidate: float | None
    current: float | None
    same_dev: bool = True  # both scores come from the same dev documents

    def __str__(self) -> str:
        if self.promoted and not self.same_dev:
            return (
                f"{self.name}: promoted (dev {self.candidate}; the replaced model's {self.current} was scored on "
                "other dev documents)"
            )
        if self.promoted:
            return f"{self.name}: promoted (dev {self.candidate} against {self.current})"
        return f"{self.name}: kept the current model (dev {self.current}; the candidate reached {self.candidate})"


def promote(candidate: Path, models_dir: Path, name: str, *, force: bool = False) -> Promotion:
    """Put ``candidate`` in place as ``models_dir/name`` when its dev score is not worse than the
    current model's (or there is none, or ``force``, or the two were scored on different dev
    documents: ``dev_split`` in their cards); the replaced model moves to ``.previous``."""
    candidate, models_dir = Path(candidate), Path(models_dir)
    if not has_model(candidate):
        raise ConfigError(f"{candidate}: no model to promote")
    current = models_dir / name
    new, old = dev_score(candidate), dev_score(current) if has_model(current) else None
    same_dev = old is None or _dev_split(candidate) == _dev_split(current)
    if not force and old is not None and same_dev and (new is None or new < old):
        return Promotion(name, False, new, old)
    previous = models_dir / PREVIOUS / name
    if current.exists():
        shutil.rmtree(previous, ignore_errors=True)
        previous.parent.mkdir(parents=True, exist_ok=True)
        current.rename(previous)
    candidate.rename(current)
    return Promotion(name, True, new, old, same_dev)


def rollback(models_dir: Path, name: str) -> Path:
    """Bring back the model the last promotion replaced (the current one takes its place, so a
    second rollback undoes the first)."""
    models_dir = Path(models_dir)
    current, previous = models_dir / name, models_dir / PREVIOUS / name
    if not has_model(previous):
        raise ConfigError(f"{name}: no previous model to roll back to in {previous.parent}")
    swap = models_dir / PREVIOUS / f".{name}.swap"
    shutil.rmtree(swap, ignore_errors=True)
    if current.exists():
        current.rename(swap)
    previous.rename(current)
    if swap.exists():
        swap.rename(previous)
    return current
