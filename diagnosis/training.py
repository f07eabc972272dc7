"""Fine-tuning the graph-augmented ranker and the text-only baseline on the same cases.

The ranker's training pairs come from the graph exactly as at prediction time: the case text goes
through the phenotype tagger, Phenomizer retrieves the candidates, and each candidate carries its
verbalized facts. Per case and epoch: the true disease (label 1) and ``negatives`` others (label 0),
half the hardest ones (top of the retrieval) and half drawn from the rest of the candidates.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from diagnosis.cases import Case
from diagnosis.configs import DiagnosisConfig
from diagnosis.context import Candidate, ContextBuilder, phenotypes_of
from diagnosis.diagnoser import Diagnoser, ScoredCase, choose_temperature, metrics, score_cases
from diagnosis.model import GraphRanker, TextClassifier
from extractors.models import pick_device, resolve_encoder, versions
from extractors.training import finish_card, make_optimizer, run_epoch
from kg.errors import ConfigError

log = logging.getLogger(__name__)

FUSION_GRID = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0)
MARGIN_GRID = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 16.0)


@dataclass
class Example:
    text: str
    gold: Candidate
    others: list[Candidate]


def examples(cases: Sequence[Case], builder: ContextBuilder, k: int, progress: bool = True) -> list[Example]:
    """Each case with its true disease and the other retrieved candidates, facts verbalized."""
    out = []
    for case in tqdm(cases, desc="graph context", unit="case", disable=not progress):
        findings = builder.findings(case.text)
        cands = builder.candidates(findings, k)
        same = builder.graph.same_disease(case.label)  # a twin listed in its place is the truth too
        gold = next((c for c in cands if c.curie in same), None)
        if gold is None:
            if case.label not in builder.graph.disease_index:
                continue
            phenotypes = phenotypes_of(findings)
            sims = builder.graph.similarity(phenotypes)
            gold = builder.candidate(
                case.label, phenotypes, similarity=float(sims[builder.graph.disease_index[case.label]])
            )
        out.append(Example(case.text, gold, [c for c in cands if c.curie not in same]))
    return out


def _pairs(exs: Sequence[Example], negatives: int, max_facts: int, rng: random.Random) -> list[tuple[str, str, float]]:
    pairs = []
    for ex in exs:
        pairs.append((ex.text, ex.gold.passage(max_facts), 1.0))
        hard = ex.others[: negatives // 2]
        rest = ex.others[negatives // 2 :]
        for c in hard + rng.sample(rest, min(len(rest), negatives - len(hard))):
            pairs.append((ex.text, c.passage(max_facts), 0.0))
    rng.shuffle(pairs)
    return pairs


def choose_fusion(scored: Sequence[ScoredCase]) -> float:
    """The weight of Phenomizer similarity beside the model's logit that ranks dev cases best."""

    def quality(w: float) -> tuple[float, float]:
        m = metrics([s.graph(w) for s in scored])
        return m["acc@1"], m["mrr"]

    return max(FUSION_GRID, key=quality)


def choose_margin(scored: Sequence[ScoredCase], weight: float) -> float | None:
    """The smallest pruning margin (see ``diagnosis.diagnoser.reranked``) that loses no dev
    accuracy@1 against re-ranking every candidate; ``None`` when every margin loses some."""
    full = metrics([s.graph(weight) for s in scored])["acc@1"]
    return next((m for m in MARGIN_GRID if metrics([s.graph(weight, m) for s in scored])["acc@1"] >= full), None)


def keep_layers(model: Any, n: int) -> None:
    """Drop all but the first ``n`` transformer layers (BERT-style encoders): a shallower ranker
    costs proportionally less per pair, and fine-tuning adapts what is left."""
    encoder = getattr(model.base_model, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if encoder is None or layers is None or not 0 < n <= len(layers):
        raise ConfigError(
            f"--layers {n}: the base model has {len(layers) if layers is not None else 'no'} BERT-style layers"
        )
    encoder.layer = layers[:n]
    model.config.num_hidden_layers = n


def train_graph_ranker(
    train: Sequence[Case],
    dev: Sequence[Case],
    builder: ContextBuilder,
    out: Path,
    config: DiagnosisConfig,
    *,
    progress: bool = True,
    card: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fine-tune the cross-encoder; keep the epoch with the best dev accuracy@1 (fusion chosen on dev)."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    device = pick_device(config.device)
    base = resolve_encoder(config.base_model)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, ignore_mismatched_sizes=True)
    if config.layers:
        keep_layers(model, config.layers)
    ranker = GraphRanker(model, AutoTokenizer.from_pretrained(base), max_length=config.max_length, device=device)
    exs = examples(train, builder, config.candidates, progress)
    if not exs:
        raise ConfigError("no training case has a disease in the graph; load HPO first (medkg load-hpo)")
    dev_cases = [(c.text, c.label) for c in dev]
    diagnoser = Diagnoser(
        builder, ranker, candidates=config.candidates, rerank=config.rerank, max_facts=config.max_facts
    )
    per_epoch = len(exs) * (1 + config.negatives)
    optimizer, scheduler = make_optimizer(
        model, config.learning_rate, 0.01, math.ceil(per_epoch / config.batch_size) * config.epochs, 0.06
    )
    deadline = time.monotonic() + 60 * config.max_minutes
    started = time.monotonic()
    best, history, stopped = -1.0, [], "epochs"
    for epoch in range(1, config.epochs + 1):
        pairs = _pairs(exs, config.negatives, config.max_facts, rng)
        batches = [pairs[k : k + config.batch_size] for k in range(0, len(pairs), config.batch_size)]

        def loss_of(batch: list[tuple[str, str, float]]) -> torch.Tensor:
            return ranker.loss([p[0] for p in batch], [p[1] for p in batch], [p[2] for p in batch])

        losses = run_epoch(
            model,
            batches,
            loss_of,
            optimizer,
            scheduler,
            desc=f"graph ranker epoch {epoch}",
            deadline=deadline,
            progress=progress,
        )
        scored = score_cases(diagnoser, dev_cases)
        weight = ranker.fusion_weight = choose_fusion(scored)
        margin = choose_margin(scored, weight)
        temperature = choose_temperature(scored, weight)
        dev_metrics = metrics([s.graph(weight) for s in scored])
        alone = metrics([s.graph(0.0) for s in scored])
        history.append(
            {
                "epoch": epoch,
                "loss": round(float(np.mean(losses)), 5),
                "dev": dev_metrics,
                "dev_model_alone": alone,
                "fusion_weight": weight,
                "margin": margin,
                "minutes": round((time.monotonic() - started) / 60, 2),
            }
        )
        if progress:
            tqdm.write(
                f"graph ranker epoch {epoch}: loss {np.mean(losses):.4f}  dev acc@1 {dev_metrics['acc@1']:.2f} "
                f"(model alone {alone['acc@1']:.2f}, fusion weight {weight:g})"
            )
        if dev_metrics["acc@1"] > best:
            best = dev_metrics["acc@1"]
            ranker.save(
                out,
                {
                    "task": "diagnosis",
                    "base_model": config.base_model,
                    "config": config.model_dump(),
                    "fusion_weight": weight,
                    "margin": margin,
                    "temperature": temperature,
                    "metrics": {"dev": dev_metrics, "dev_model_alone": alone, "best_epoch": epoch},
                    "training": {"cases": len(exs), "pairs_per_epoch": per_epoch},
                    "versions": versions(),
                    **(card or {}),
                },
            )
        if time.monotonic() > deadline:
            stopped = "max_minutes"
            break
    finish_card(out, history, stopped, started)  # the card also tells how the run went, epoch by epoch
    return {"history": history, "best_dev_acc@1": best, "minutes": round((time.monotonic() - started) / 60, 2)}


@torch.no_grad()
def imprint_prototypes(
    clf: TextClassifier, cases: Sequence[Case], label_ids: dict[str, int], batch_size: int = 64
) -> None:
    """Start the output layer as a nearest-class-mean classifier ("weight imprinting", Qi et al.
    2018): each class's row is its training cases' centred mean feature, scaled so that logits
    span about 10. With a few cases per class and hundreds of classes, a randomly initialized
    layer needs many epochs before the encoder learns anything useful; this gives the baseline
    its best start."""
    head = next(
        m
        for m in reversed(list(clf.model.modules()))
        if isinstance(m, torch.nn.Linear) and m.out_features == len(label_ids)
    )
    features: list[torch.Tensor] = []
    hook = head.register_forward_hook(lambda _m, inputs, _o: features.append(inputs[0].float()))
    clf.model.eval()
    try:
        for k in range(0, len(cases), batch_size):
            with clf.autocast():
                clf.model(**clf.encode([c.text for c in cases[k : k + batch_size]]))
    finally:
        hook.remove()
    x = torch.cat(features)
    centre = x.mean(0)
    x = x - centre
    labels = torch.tensor([label_ids[c.label] for c in cases], device=x.device)
    means = torch.zeros(len(label_ids), x.shape[1], device=x.device).index_add_(0, labels, x)
    means = torch.nn.functional.normalize(means, dim=1) * (10.0 / x.norm(dim=1).mean().clamp_min(1e-6))
    head.weight.copy_(means.to(head.weight.dtype))
    if head.bias is not None:
        head.bias.copy_((-(means @ centre)).to(head.bias.dtype))


def train_text_classifier(
    train: Sequence[Case],
    dev: Sequence[Case],
    out: Path,
    config: DiagnosisConfig,
    *,
    progress: bool = True,
    card: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fine-tune the same encoder on the case text alone: one class per training disease."""
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    labels = sorted({c.label for c in train})
    label_ids = {label: i for i, label in enumerate(labels)}
    base = resolve_encoder(config.base_model)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label_ids, ignore_mismatched_sizes=True
    )
    clf = TextClassifier(
        model, AutoTokenizer.from_pretrained(base), max_length=config.text_max_length, device=pick_device(config.device)
    )
    if config.text_init == "prototypes":
        imprint_prototypes(clf, train, label_ids)
    optimizer, scheduler = make_optimizer(
        model, config.text_learning_rate, 0.01, math.ceil(len(train) / config.batch_size) * config.text_epochs, 0.06
    )
    deadline = time.monotonic() + 60 * config.text_max_minutes
    started = time.monotonic()
    dev_known = [c for c in dev if c.label in label_ids]
    best, history, stopped = -1.0, [], "epochs"
    for epoch in range(1, config.text_epochs + 1):
        order = list(train)
        rng.shuffle(order)
        batches = [order[k : k + config.batch_size] for k in range(0, len(order), config.batch_size)]

        def loss_of(batch: list[Case]) -> torch.Tensor:
            return clf.loss([c.text for c in batch], [label_ids[c.label] for c in batch])

        losses = run_epoch(
            model,
            batches,
            loss_of,
            optimizer,
            scheduler,
            desc=f"text-only epoch {epoch}",
            deadline=deadline,
            progress=progress,
        )
        logits = clf.logits([c.text for c in dev_known]) if dev_known else np.zeros((0, len(labels)))
        acc = (
            round(100 * float(np.mean([logits[i].argmax() == label_ids[c.label] for i, c in enumerate(dev_known)])), 2)
            if dev_known
            else 0.0
        )
        history.append(
            {
                "epoch": epoch,
                "loss": round(float(np.mean(losses)), 5),
                "dev_acc@1": acc,
                "minutes": round((time.monotonic() - started) / 60, 2),
            }
        )
        if progress:
            tqdm.write(f"text-only epoch {epoch}: loss {np.mean(losses):.4f}  dev acc@1 {acc:.2f}")
        if acc > best:
            best = acc
            clf.save(
                out,
                {
                    "base_model": config.base_model,
                    "config": config.model_dump(),
                    "metrics": {"dev_acc@1": acc, "best_epoch": epoch},
                    "training": {"cases": len(train), "classes": len(labels)},
                    "versions": versions(),
                    **(card or {}),
                },
            )
        if time.monotonic() > deadline:
            stopped = "max_minutes"
            break
    finish_card(out, history, stopped, started)
    return {"history": history, "best_dev_acc@1": best, "minutes": round((time.monotonic() - started) / 60, 2)}
