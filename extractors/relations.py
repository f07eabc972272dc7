"""Relation extraction: a fine-tuned classifier over candidate entity pairs with entity markers.

Candidates are pairs of concepts of one document whose mentions meet in one sentence or within
``window`` sentences of each other (BC5CDR: chemical -> disease; BioRED: any two types seen in
its relations). Each mention pair becomes one instance: the span of text from the first to the
last sentence involved, with the two mentions wrapped in ``[E1] ... [/E1]`` and ``[E2] ... [/E2]``.
A document-level pair takes the highest probability of its instances. Evaluation is the field's:
document-level pair precision, recall and F1 against the gold relations.
"""

from __future__ import annotations

import logging
import math
import random
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from extractors.configs import RelationConfig
from extractors.models import (
    bf16_autocast,
    cpu_bf16_supported,
    data_hash,
    pick_device,
    read_card,
    resolve_encoder,
    versions,
    write_card,
)
from extractors.scores import prf
from extractors.text import split_sentences
from extractors.training import finish_card, make_optimizer, run_epoch, seed_everything, stop_reason
from kg.errors import ConfigError
from kg.schema import entity_type
from kg.types import Document, Mention, Relation

log = logging.getLogger(__name__)

MARKERS = ["[E1]", "[/E1]", "[E2]", "[/E2]"]
NONE = "None"


@dataclass(frozen=True, slots=True)
class Instance:
    doc: int
    subject: str
    object: str
    text: str
    label: int = 0
    span: tuple[int, int] = (0, 0)  # the sentences the instance covers, in the document text


def _concepts(m: Mention) -> tuple[str, ...]:
    if m.groundings:
        return tuple(g.curie for g in (m.groundings if m.composite else m.groundings[:1]))
    return m.ids


def _type(m: Mention) -> str:
    return entity_type(m.label).label


class RelationModel:
    """A trained pair classifier; ``predict`` adds document-level relations to documents."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        labels: list[str],
        type_pairs: list[tuple[str, str]],
        *,
        window: int = 2,
        max_length: int = 192,
        device: str = "cpu",
        card: dict[str, Any] | None = None,
        per_pair: int = 2,
    ) -> None:
        self.model = model.to(device)
        self.tokenizer = tokenizer
        self.labels = labels
        self.type_pairs = [tuple(p) for p in type_pairs]
        self.window = window
        self.per_pair = per_pair
        self.max_length = max_length
        self.device = device
        self.card = card or {}
        self.bf16 = device == "cpu" and cpu_bf16_supported()

    @classmethod
    def load(cls, folder: str | Path, *, device: str = "auto", per_pair: int | None = None) -> RelationModel:
        """Load a model folder (offline). ``per_pair`` overrides how many closest mention pairs
        represent a concept pair at inference: 1 is twice as fast on BC5CDR dev for 0.7 F1 less."""
        folder = Path(folder)
        card = read_card(folder)
        if card.get("task") != "re":
            raise ConfigError(f"{folder}: a {card.get('task')!r} model, not a relation model")
        device = pick_device(device)
        model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder)
        cfg = card.get("config", {})
        return cls(
            model,
            tokenizer,
            card["labels"],
            card["type_pairs"],
            window=cfg.get("window", 2),
            max_length=cfg.get("max_length", 192),
            device=device,
            card=card,
            per_pair=per_pair or cfg.get("per_pair", 2),
        )

    def save(self, folder: Path, card: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        write_card(
            folder, {"task": "re", "labels": self.labels, "type_pairs": [list(p) for p in self.type_pairs], **card}
        )

    # -- candidates ----------------------------------------------------------------------------

    def instances(self, docs: Sequence[Document], gold: bool) -> list[Instance]:
        """Marked text for every candidate mention pair of every document."""
        label_ids = {label: i for i, label in enumerate(self.labels)}
        out: list[Instance] = []
        for d, doc in enumerate(docs):
            sentences = split_sentences(doc.text) or [(0, len(doc.text))]
            starts = [a for a, _ in sentences]
            relation_of: dict[tuple[str, str], str] = {}
            if gold:
                for r in doc.relations:
                    relation_of[(r.subject, r.object)] = r.predicate
                    if self._symmetric:
                        relation_of.setdefault((r.object, r.subject), r.predicate)
            mentions = [(m, bisect_right(starts, m.start) - 1) for m in doc.mentions if _concepts(m)]
            # For each concept pair, its closest mention pairs (fewest sentences, then characters apart).
            closest: dict[tuple[str, str], list[tuple[int, int, Mention, int, Mention, int]]] = defaultdict(list)
            for i, (m1, s1) in enumerate(mentions):
                for m2, s2 in mentions[i + 1 :] if self._symmetric else mentions:
                    if m1 is m2 or abs(s1 - s2) > self.window or (_type(m1), _type(m2)) not in self.type_pairs:
                        continue
                    for c1 in _concepts(m1):
                        for c2 in _concepts(m2):
                            if c1 != c2:
                                closest[(c1, c2)].append((abs(s1 - s2), abs(m1.start - m2.start), m1, s1, m2, s2))
            for (c1, c2), options in closest.items():
                options.sort(key=lambda o: (o[0], o[1]))
                label = label_ids.get(relation_of.get((c1, c2), NONE), 0)
                for _, _, m1, s1, m2, s2 in options[: self.per_pair]:
                    text = self._mark(doc.text, sentences, m1, s1, m2, s2)
                    span = (sentences[min(s1, s2)][0], sentences[max(s1, s2)][1])
                    out.append(Instance(d, c1, c2, text, label, span))
        return out

    @property
    def _symmetric(self) -> bool:
        return any(a == b for a, b in self.type_pairs) or any((b, a) in self.type_pairs for a, b in self.type_pairs)

    @staticmethod
    def _mark(text: str, sentences: list[tuple[int, int]], m1: Mention, s1: int, m2: Mention, s2: int) -> str:
        a, b = sentences[min(s1, s2)][0], sentences[max(s1, s2)][1]
        spans = sorted([(m1.start, m1.end, "[E1]", "[/E1]"), (m2.start, m2.end, "[E2]", "[/E2]")])
        if spans[0][1] > spans[1][0]:  # overlapping mentions: mark only the first
            spans = spans[:1]
        parts, cursor = [], a
        for start, end, open_, close in spans:
            parts += [text[cursor:start], f" {open_} ", text[start:end], f" {close} "]
            cursor = end
        parts.append(text[cursor:b])
        return "".join(parts)

    # -- prediction ----------------------------------------------------------------------------

    def _autocast(self) -> Any:
        return bf16_autocast(self.device, self.bf16)

    def _encode(self, texts: list[str]) -> dict[str, torch.Tensor]:
        return self.tokenizer(texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")

    @torch.inference_mode()
    def scores(self, instances: Sequence[Instance], batch_size: int = 64) -> np.ndarray:
        self.model.eval()
        order = sorted(range(len(instances)), key=lambda i: len(instances[i].text))
        probs = np.zeros((len(instances), len(self.labels)), dtype=np.float32)
        for k in range(0, len(order), batch_size):
            idx = order[k : k + batch_size]
            batch = {n: v.to(self.device) for n, v in self._encode([instances[i].text for i in idx]).items()}
            with self._autocast():
                logits = self.model(**batch).logits
            probs[idx] = logits.float().softmax(-1).cpu().numpy()
        return probs

    def predict(self, docs: Sequence[Document], threshold: float = 0.5) -> list[Document]:
        """The documents with their relations replaced by the model's document-level predictions."""
        instances = self.instances(docs, gold=False)
        probs = self.scores(instances) if instances else np.zeros((0, len(self.labels)))
        best: dict[tuple[int, str, str], tuple[float, int, Instance]] = {}
        for inst, p in zip(instances, probs, strict=True):
            label = int(p[1:].argmax()) + 1 if len(self.labels) > 1 else 0
            key = (inst.doc, inst.subject, inst.object)
            if self._symmetric:
                key = (inst.doc, *sorted((inst.subject, inst.object)))  # type: ignore[assignment]
            if key not in best or p[label] > best[key][0]:
                best[key] = (float(p[label]), label, inst)
        rels: dict[int, list[Relation]] = defaultdict(list)
        for (d, s, o), (score, label, inst) in best.items():
            if score >= threshold:  # the relation keeps the sentences of its best instance
                rels[d].append(Relation(s, self.labels[label], o, score=round(score, 4), span=inst.span))
        return [replace(doc, relations=tuple(rels[d])) for d, doc in enumerate(docs)]


def pair_scores(gold: Sequence[Document], pred: Sequence[Document], symmetric: bool = False) -> dict[str, Any]:
    """Document-level relation P/R/F1: a predicted (doc, subject, predicate, object) is right when
    the gold has it (subject and object unordered for symmetric relation sets)."""

    def keys(docs: Sequence[Document]) -> set[tuple[str, str, str, str]]:
        out = set()
        for d in docs:
            for r in d.relations:
                s, o = sorted((r.subject, r.object)) if symmetric else (r.subject, r.object)
                out.add((d.doc_id, s, r.predicate, o))
        return out

    g, p = keys(gold), keys(pred)
    tp = len(g & p)
    return prf(tp, len(p) - tp, len(g) - tp)


def relation_schema(train_docs: Sequence[Document]) -> tuple[list[str], list[tuple[str, str]]]:
    """The labels (None first, then the predicates) and the (subject type, object type) pairs of
    the training relations: what a relation model predicts, and between which entities."""
    type_of: dict[str, str] = {}
    for d in train_docs:
        for m in d.mentions:
            for c in _concepts(m):
                type_of.setdefault(c, _type(m))
    predicates = sorted({r.predicate for d in train_docs for r in d.relations})
    type_pairs = sorted(
        {
            (type_of[r.subject], type_of[r.object])
            for d in train_docs
            for r in d.relations
            if r.subject in type_of and r.object in type_of
        }
    )
    if not predicates or not type_pairs:
        raise ConfigError("the training data has no relations between annotated entities")
    return [NONE, *predicates], type_pairs


def train_relations(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    out: str | Path,
    config: RelationConfig,
    *,
    data_files: Sequence[Path] = (),
    progress: bool = True,
) -> dict[str, Any]:
    """Fine-tune the pair classifier; keep the checkpoint with the best dev pair F1."""
    seed_everything(config.seed)
    labels, type_pairs = relation_schema(train_docs)
    base = resolve_encoder(config.base_model)
    device = pick_device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.add_special_tokens({"additional_special_tokens": MARKERS})
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={v: k for k, v in enumerate(labels)}
    )
    model.resize_token_embeddings(len(tokenizer))
    rm = RelationModel(
        model,
        tokenizer,
        labels,
        type_pairs,
        window=config.window,
        max_length=config.max_length,
        device=device,
        per_pair=config.per_pair,
    )
    if config.bf16 is not None:
        rm.bf16 = config.bf16 and device == "cpu"
    all_train = rm.instances(train_docs, gold=True)
    positives = [i for i in all_train if i.label]
    negatives = [i for i in all_train if not i.label]
    per_epoch = len(positives) + min(len(negatives), int(config.negative_ratio * len(positives)))
    total_steps = math.ceil(per_epoch / config.batch_size) * config.epochs
    optimizer, scheduler = make_optimizer(model, config.learning_rate, 0.01, total_steps, 0.06)
    rng = random.Random(config.seed)
    deadline = time.monotonic() + 60 * config.max_minutes
    started = time.monotonic()
    out = Path(out)
    best_f1, best_epoch, history, stopped = -1.0, 0, [], "epochs"
    symmetric = rm._symmetric
    for epoch in range(1, config.epochs + 1):
        sample = positives + rng.sample(negatives, min(len(negatives), int(config.negative_ratio * len(positives))))
        sample.sort(key=lambda i: len(i.text) + rng.random() * 40)
        batches = [sample[k : k + config.batch_size] for k in range(0, len(sample), config.batch_size)]
        rng.shuffle(batches)

        def loss_of(chunk: list[Instance]) -> torch.Tensor:
            enc = {n: v.to(device) for n, v in rm._encode([i.text for i in chunk]).items()}
            with rm._autocast():
                return model(**enc, labels=torch.tensor([i.label for i in chunk], device=device)).loss

        losses = run_epoch(
            model,
            batches,
            loss_of,
            optimizer,
            scheduler,
            desc=f"re epoch {epoch}",
            deadline=deadline,
            progress=progress,
        )
        scores = pair_scores(dev_docs, rm.predict(dev_docs), symmetric)
        history.append(
            {
                "epoch": epoch,
                "loss": round(float(np.mean(losses)), 5),
                "dev_f1": scores["f1"],
                "minutes": round((time.monotonic() - started) / 60, 2),
            }
        )
        if progress:
            tqdm.write(f"re epoch {epoch}: loss {np.mean(losses):.4f}  dev pair F1 {scores['f1']:.2f}")
        if scores["f1"] > best_f1:
            best_f1, best_epoch = scores["f1"], epoch
            rm.save(
                out,
                {
                    "base_model": config.base_model,
                    "config": config.model_dump(),
                    "metrics": {"dev": scores, "best_epoch": epoch},
                    "data_hash": data_hash(list(data_files)) if data_files else None,
                    "versions": versions(),
                    "instances": {"train_positive": len(positives), "train_negative": len(negatives)},
                },
            )
        reason = stop_reason(epoch, best_epoch, config.patience, deadline)
        if reason:
            stopped = reason
            break
    return finish_card(out, history, stopped, started)
