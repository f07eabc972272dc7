"""Named-entity recognition: a fine-tuned token classifier with BIO tags over words.

Documents are split into sentences and words (extractors.text); each word gets a BIO label from the
gold mentions; the transformer sees the sub-word tokens and is trained on the first sub-token of
each word. A sentence longer than the model's limit becomes overlapping windows of words, and each
word takes its prediction from the window where it sits farthest from an edge. Predicted word
spans map straight back to character offsets of the document. The word labels are decoded
together (``bio_viterbi``): the most probable label sequence in which an I- tag continues a mention
of its own type, so that a mention is never cut where one word's most probable type differs from
its neighbours' ("angiotensin" Chemical, "converting" Gene of "angiotensin-converting enzyme").
"""

from __future__ import annotations

import logging
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm
from transformers import AutoModelForTokenClassification, AutoTokenizer, PreTrainedTokenizerBase

from extractors.abbreviations import harmonize_abbreviations
from extractors.cell_lines import CELL_LINE, tag_cell_lines
from extractors.configs import NerConfig, card_config
from extractors.gazetteer import MIN_SHARE, Gazetteer
from extractors.models import (
    bf16_autocast,
    cpu_bf16_supported,
    layer_override,
    pick_device,
    read_card,
    resolve_encoder,
    versions,
    write_card,
)
from extractors.models import (
    quantize as quantize_model,
)
from extractors.scores import prf
from extractors.spans import tidy_spans
from extractors.text import split_sentences, split_words
from extractors.training import Loop, Schedule, fit, make_optimizer, seed_everything
from kg.errors import ConfigError
from kg.types import Document, Mention

log = logging.getLogger(__name__)


@dataclass
class Window:
    """A run of words from one sentence that fits the model, with the word labels when known."""

    doc: int
    sentence: int
    words: list[tuple[int, int]]
    first_word: int  # index of words[0] within its sentence
    input_ids: list[int] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)
    labels: list[int] | None = None


def canonical_labels(docs: Sequence[Document]) -> list[Document]:
    """The documents with mention labels mapped to medkg's entity types (``SpecificDisease``,
    ``DiseaseClass``... -> ``Disease``), as the field scores NCBI-disease."""
    from kg.schema import entity_type

    return [replace(d, mentions=tuple(replace(m, label=entity_type(m.label).label) for m in d.mentions)) for d in docs]


def label_list(types: Sequence[str]) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in types for p in ("B", "I")]


def word_labels(words: list[tuple[int, int]], mentions: Iterable[Mention], label_ids: dict[str, int]) -> list[int]:
    """BIO label ids for words; a mention covers the words that overlap it."""
    labels = [label_ids["O"]] * len(words)
    for m in mentions:
        if f"B-{m.label}" not in label_ids:
            continue
        inside = [i for i, (a, b) in enumerate(words) if a < m.end and b > m.start]
        if not inside or any(labels[i] != label_ids["O"] for i in inside):
            continue  # nested or overlapping with an earlier mention: keep the first
        labels[inside[0]] = label_ids[f"B-{m.label}"]
        for i in inside[1:]:
            labels[i] = label_ids[f"I-{m.label}"]
    return labels


class NerModel:
    """A trained token classifier with its tokenizer and label map; loads offline with one call.

    >>> model = NerModel.load("runs/ner-bc5cdr")  # doctest: +SKIP
    >>> [m.text for m in model.predict([doc])[0].mentions]  # doctest: +SKIP
    ['Naloxone', 'clonidine', 'hypertensive']
    """

    def __init__(
        self,
        model: nn.Module,
        tokenizer: PreTrainedTokenizerBase,
        labels: list[str],
        *,
        max_length: int = 256,
        stride: int = 32,
        card: dict[str, Any] | None = None,
        device: str = "cpu",
        context: str = "sentence",
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.labels = labels
        self.label_ids = {label: i for i, label in enumerate(labels)}
        self._allowed, self._may_start = bio_transitions(labels)
        self.types = sorted({label[2:] for label in labels if label != "O"})
        self.max_length = max_length
        self.stride = stride
        self.context = context
        self.card = card or {}
        self.device = device
        self.bf16 = device == "cpu" and cpu_bf16_supported()  # bf16 autocast
        self.weights = "fp32"  # or int8, bf16 (``load``'s quantize)
        self.gazetteer: Gazetteer | None = None  # the training split's mention strings
        self.model.to(device)

    @classmethod
    def load(cls, folder: str | Path, *, device: str = "auto", quantize: str | None = None) -> NerModel:
        """Load a model folder written by ``save`` (offline). ``quantize``: "int8", "bf16" (weights),
        "fp32" (the weights as trained, under bf16 autocast where the CPU has native bf16), or
        None: bf16 weights on CPUs with native bf16 (what autocast computes, without casting every
        weight on every call: 5-10% faster, the same BC5CDR dev F1; BENCHMARKS.md), "fp32"
        elsewhere."""
        folder = Path(folder)
        card = read_card(folder)
        if card.get("task") != "ner":
            raise ConfigError(f"{folder}: a {card.get('task')!r} model, not a NER model")
        device = pick_device(device)
        if quantize is None and device == "cpu" and cpu_bf16_supported():
            quantize = "bf16"
        model = AutoModelForTokenClassification.from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        labels = [model.config.id2label[i] for i in range(len(model.config.id2label))]
        model = quantize_model(model, quantize)
        config = card_config(NerConfig, card)
        ner = cls(
            model,
            tokenizer,
            labels,
            max_length=config.max_length,
            stride=config.stride,
            card=card,
            device=device,
            context=config.context,
        )
        ner.weights = quantize or "fp32"
        if quantize in ("int8", "bf16"):
            ner.bf16 = False  # int8 kernels take fp32 activations; bf16 weights need no autocast
        ner.gazetteer = Gazetteer.load(folder)
        return ner

    def save(self, folder: str | Path, card: dict[str, Any]) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        model: Any = self.model
        if hasattr(model, "merge_and_unload"):  # a LoRA model is saved as a plain one
            model = model.merge_and_unload()
        model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        if self.gazetteer is not None:
            self.gazetteer.save(folder)
        write_card(folder, {"task": "ner", "labels": self.labels, **card})

    # -- windows -------------------------------------------------------------------------------

    def windows(self, docs: Sequence[Document], *, with_labels: bool) -> list[Window]:
        """All model inputs for ``docs``: sentence windows of words, tokenized."""
        out: list[Window] = []
        for d, doc in enumerate(docs):
            spans = split_sentences(doc.text) if self.context == "sentence" else [(0, len(doc.text))]
            for s, (a, b) in enumerate(spans):
                words = split_words(doc.text, a, b)
                if not words:
                    continue
                labels = word_labels(words, doc.mentions, self.label_ids) if with_labels else None
                out.extend(self._fit(d, s, doc.text, words, labels))
        return out

    def _encode(self, text: str, words: list[tuple[int, int]]) -> tuple[list[int], list[int | None]]:
        enc = self.tokenizer([text[a:b] for a, b in words], is_split_into_words=True, add_special_tokens=True)
        return list(enc["input_ids"]), list(enc.word_ids())

    def _fit(
        self, d: int, s: int, text: str, words: list[tuple[int, int]], labels: list[int] | None
    ) -> Iterator[Window]:
        ids, word_ids = self._encode(text, words)
        if len(ids) <= self.max_length:
            yield Window(d, s, words, 0, ids, word_ids, labels)
            return
        # Too long: windows of words whose sub-words fit, overlapping by `stride` words.
        per_word = [0] * len(words)
        for w in word_ids:
            if w is not None:
                per_word[w] += 1
        budget = self.max_length - 2
        start = 0
        while start < len(words):
            end, used = start, 0
            while end < len(words) and used + per_word[end] <= budget:
                used += per_word[end]
                end += 1
            end = max(end, start + 1)
            sub = words[start:end]
            ids, wids = self._encode(text, sub)
            ids, wids = ids[: self.max_length], wids[: self.max_length]
            yield Window(d, s, sub, start, ids, wids, labels[start:end] if labels is not None else None)
            if end >= len(words):
                break
            start = max(end - self.stride, start + 1)

    def _batch(self, windows: Sequence[Window]) -> dict[str, torch.Tensor]:
        width = max(len(w.input_ids) for w in windows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(windows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(windows), width), dtype=torch.long)
        labels = torch.full((len(windows), width), -100, dtype=torch.long)
        for i, w in enumerate(windows):
            n = len(w.input_ids)
            ids[i, :n] = torch.tensor(w.input_ids)
            mask[i, :n] = 1
            if w.labels is not None:
                seen: set[int] = set()
                for j, wid in enumerate(w.word_ids):
                    if wid is not None and wid not in seen:  # label on the first sub-token
                        labels[i, j] = w.labels[wid]
                        seen.add(wid)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    # -- prediction ----------------------------------------------------------------------------

    def _autocast(self) -> Any:
        return bf16_autocast(self.device, self.bf16)

    @torch.inference_mode()
    def predict(
        self,
        docs: Sequence[Document],
        *,
        batch_size: int = 64,
        progress: bool = False,
        abbreviations: bool = True,
        tidy: bool = True,
        gazetteer: bool = True,
        constrained: bool = True,
    ) -> list[Document]:
        """The documents with their mentions replaced by the model's predictions (each sentence's
        word labels decoded together, ``bio_viterbi``, unless ``constrained`` is False: then each
        word's most probable label, read leniently), their spans
        tidied unless ``tidy`` is False (``extractors.spans.tidy_spans``: whole letter-and-digit
        runs, no dangling punctuation or function words), the training split's mention strings
        the model missed added unless ``gazetteer`` is False (``extractors.gazetteer``; models
        that have one), the codes the text calls cells tagged as cell lines (models that tag
        them: ``extractors.cell_lines``), then made consistent with the abbreviations each document defines unless
        ``abbreviations`` is False (``extractors.abbreviations.harmonize_abbreviations``)."""
        self.model.eval()
        windows = self.windows(docs, with_labels=False)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
        # (doc, sentence) -> word index -> (distance from window edge, the word's label probabilities)
        best: dict[tuple[int, int], dict[int, tuple[int, np.ndarray]]] = defaultdict(dict)
        words_of: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(dict)
        steps = range(0, len(order), batch_size)
        for k in tqdm(steps, desc="ner", unit="batch", disable=not progress):
            chunk = [windows[i] for i in order[k : k + batch_size]]
            batch = self._batch(chunk)
            with self._autocast():
                logits = self.model(
                    input_ids=batch["input_ids"].to(self.device),
                    attention_mask=batch["attention_mask"].to(self.device),
                ).logits
            probs = logits.float().softmax(-1).cpu().numpy()
            for i, w in enumerate(chunk):
                key = (w.doc, w.sentence)
                seen: set[int] = set()
                for j, wid in enumerate(w.word_ids):
                    if wid is None or wid in seen:
                        continue
                    seen.add(wid)
                    index = w.first_word + wid
                    edge = min(wid, len(w.words) - 1 - wid)
                    current = best[key].get(index)
                    if current is None or edge > current[0]:
                        best[key][index] = (edge, probs[i, j])
                    words_of[key][index] = w.words[wid]
        mentions: dict[int, list[Mention]] = defaultdict(list)
        for (d, s), preds in best.items():
            words = words_of[(d, s)]
            indexes = sorted(preds)
            table = np.stack([preds[i][1] for i in indexes])
            path = bio_viterbi(table, self._allowed, self._may_start) if constrained else table.argmax(axis=1).tolist()
            tagged = [(words[i], self.labels[k], float(table[n, k])) for n, (i, k) in enumerate(zip(indexes, path))]
            mentions[d].extend(self._decode(docs[d].text, tagged))
        out = [
            replace(doc, mentions=tuple(sorted(mentions[d], key=lambda m: (m.start, m.end))))
            for d, doc in enumerate(docs)
        ]
        if tidy:
            out = [tidy_spans(d) for d in out]
        if gazetteer and self.gazetteer is not None:
            out = [self.gazetteer.tag(d) for d in out]
        if CELL_LINE in self.types:  # a code the text calls cells (``extractors.cell_lines``)
            out = [tag_cell_lines(d) for d in out]
        return [harmonize_abbreviations(d) for d in out] if abbreviations else out

    @staticmethod
    def _decode(text: str, tagged: list[tuple[tuple[int, int], str, float]]) -> list[Mention]:
        """BIO word tags to mentions; a stray I- starts a mention (the lenient reading)."""
        out: list[Mention] = []
        current: list[Any] | None = None  # [start, end, type, [probs]]

        def close() -> None:
            if current is not None:
                a, b, t, ps = current
                out.append(Mention(a, b, text[a:b], t, score=float(np.mean(ps))))

        for (a, b), tag, p in tagged:
            if tag == "O":
                close()
                current = None
                continue
            prefix, kind = tag.split("-", 1)
            if prefix == "I" and current is not None and current[2] == kind:
                current[1] = b
                current[3].append(p)
            else:
                close()
                current = [a, b, kind, [p]]
        close()
        return out


def bio_transitions(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Which BIO label may follow which (``[previous, next]``: an I- label only after the B- or I-
    label of its own type) and which may start a sentence (no I- label)."""
    allowed = np.ones((len(labels), len(labels)), dtype=bool)
    for j, label in enumerate(labels):
        if label.startswith("I-"):
            allowed[:, j] = [previous in ("B-" + label[2:], label) for previous in labels]
    return allowed, np.array([not label.startswith("I-") for label in labels])


def bio_viterbi(probs: np.ndarray, allowed: np.ndarray, may_start: np.ndarray) -> list[int]:
    """The label sequence of highest probability (the product of each word's label probability,
    ``probs``: words x labels) among those ``allowed`` (``bio_transitions``).

    >>> labels = ["O", "B-Chemical", "I-Chemical", "B-Gene", "I-Gene"]
    >>> probs = np.array([[0.1, 0.5, 0, 0.4, 0], [0.1, 0, 0.3, 0, 0.6], [0.2, 0, 0.3, 0, 0.5]])
    >>> [labels[k] for k in bio_viterbi(probs, *bio_transitions(labels))]  # argmax: B-Chemical I-Gene I-Gene
    ['B-Gene', 'I-Gene', 'I-Gene']
    """
    greedy = probs.argmax(axis=1)
    if may_start[greedy[0]] and allowed[greedy[:-1], greedy[1:]].all():
        return greedy.tolist()  # the most probable labels are allowed: nothing to search (most sentences)
    logp = np.log(np.clip(probs, 1e-12, None))
    barred = np.where(allowed, 0.0, -np.inf)
    score = np.where(may_start, logp[0], -np.inf)
    back = np.zeros(logp.shape, dtype=np.int64)
    for t in range(1, len(logp)):
        paths = score[:, None] + barred
        back[t] = paths.argmax(axis=0)
        score = paths[back[t], np.arange(len(score))] + logp[t]
    path = [int(score.argmax())]
    for t in range(len(logp) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


# -- evaluation --------------------------------------------------------------------------------


def strict_scores(
    gold: Sequence[Document], pred: Sequence[Document], types: Sequence[str] | None = None
) -> dict[str, Any]:
    """Mention-level strict precision, recall and F1 (exact span and type), per type and micro."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for g, p in zip(gold, pred, strict=True):
        keep = (lambda m: True) if types is None else (lambda m: m.label in types)
        gs = {(m.start, m.end, m.label) for m in g.mentions if keep(m)}
        ps = {(m.start, m.end, m.label) for m in p.mentions if keep(m)}
        for _, _, t in gs & ps:
            counts[t][0] += 1
        for _, _, t in ps - gs:
            counts[t][1] += 1
        for _, _, t in gs - ps:
            counts[t][2] += 1

    per_type = {t: prf(*c) for t, c in sorted(counts.items())}
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {"micro": prf(*total), "per_type": per_type}


# -- training ----------------------------------------------------------------------------------


def _length_batches(windows: list[Window], batch_size: int, rng: random.Random) -> list[list[Window]]:
    """Batches of windows of similar length (less padding), in random order."""
    order = sorted(windows, key=lambda w: len(w.input_ids) + rng.random())
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


def train_ner(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    out: str | Path,
    config: NerConfig,
    *,
    data_files: Sequence[Path] = (),
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Fine-tune a token classifier; keep the checkpoint with the best dev strict F1 in ``out``.

    Trains ``epochs`` epochs (the learning-rate schedule spans them), or fewer when dev has not
    improved for ``patience`` epochs; ``max_minutes`` is a safety cap that leaves a checkpoint
    to ``resume`` from (``extractors.training.fit``). Returns the artifact card (config,
    metrics, data hash, versions, per-epoch history).
    """
    from extractors.models import data_hash

    seed_everything(config.seed)
    if config.canonical_types:
        train_docs, dev_docs = canonical_labels(train_docs), canonical_labels(dev_docs)
    types = config.types or sorted({m.label for d in train_docs for m in d.mentions})
    if not types:
        raise ConfigError("the training data has no mentions")
    labels = label_list(types)
    base = resolve_encoder(config.base_model)
    device = pick_device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForTokenClassification.from_pretrained(
        base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={v: k for k, v in enumerate(labels)},
        **layer_override(config.layers),
    )
    if config.lora:
        from peft import LoraConfig, TaskType, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(
                task_type=TaskType.TOKEN_CLS,
                r=config.lora_r,
                lora_alpha=2 * config.lora_r,
                lora_dropout=0.1,
                target_modules=["query", "key", "value", "dense"],
            ),
        )
    ner = NerModel(
        model,
        tokenizer,
        labels,
        max_length=config.max_length,
        stride=config.stride,
        device=device,
        context=config.context,
    )
    ner.gazetteer = gazetteer = Gazetteer.from_documents(train_docs, types=types)
    if config.bf16 is not None:
        ner.bf16 = config.bf16 and device == "cpu"
    train_windows = ner.windows(train_docs, with_labels=True)
    rng = random.Random(config.seed)
    steps_per_epoch = math.ceil(len(train_windows) / config.batch_size)
    optimizer, scheduler = make_optimizer(
        model, config.learning_rate, config.weight_decay, steps_per_epoch * config.epochs, config.warmup_ratio
    )
    out = Path(out)
    last_scores: dict[str, Any] = {}

    def loss_of(windows: list[Window]) -> torch.Tensor:
        batch = {k: v.to(device) for k, v in ner._batch(windows).items()}
        with ner._autocast():
            return model(**batch).loss

    def evaluate(epoch: int) -> tuple[float, dict[str, Any]]:
        last_scores.clear()
        last_scores.update(strict_scores(dev_docs, ner.predict(dev_docs), types))
        return last_scores["micro"]["f1"], {}

    def save_best(epoch: int, f1: float, info: dict[str, Any]) -> None:
        ner.save(
            out,
            {
                "base_model": config.base_model,
                "config": config.model_dump(),
                "types": types,
                "data_hash": data_hash(list(data_files)) if data_files else None,
                "data_files": [str(p) for p in data_files],
                "gazetteer": {"entries": len(gazetteer.entries), "min_share": MIN_SHARE},
                "metrics": {"dev": dict(last_scores), "best_epoch": epoch},
                "versions": versions(),
            },
        )

    loop = Loop(
        model,
        optimizer,
        scheduler,
        lambda epoch: _length_batches(train_windows, config.batch_size, rng),
        loss_of,
        evaluate,
        save_best,
        config=config.model_dump(),
    )
    return fit(
        loop,
        out,
        Schedule(
            config.epochs, config.patience, config.max_minutes, resume=resume, name="ner", score_from=config.score_from
        ),
        progress=progress,
    )
