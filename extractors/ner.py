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

import copy
import logging
import math
import random
import weakref
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
    attention_dropout_override,
    bf16_autocast,
    cpu_bf16_supported,
    hidden_dropout_override,
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
        # other taggers' networks -> the encoder layers they share with this one (``shared_layers``)
        self._shared: weakref.WeakKeyDictionary[nn.Module, int] = weakref.WeakKeyDictionary()
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
        options = {"abbreviations": abbreviations, "tidy": tidy, "gazetteer": gazetteer, "constrained": constrained}
        return predict_together([self], docs, batch_size=batch_size, progress=progress, **options)[0]

    def shared_layers(self, other: NerModel) -> int:
        """How many encoder layers, from the first, ``other`` has exactly as this model (with the
        same embeddings, tokenizer, windows and arithmetic): taggers trained together
        (``train_taggers_together``) share all of them, so ``predict_together`` runs their
        encoder once. 0: nothing is shared (other weights, int8 layers, another architecture).
        Compared once per pair of models and remembered."""
        if other.model not in self._shared:
            self._shared[other.model] = _shared_layers(self, other)
        return self._shared[other.model]

    def _finish(
        self,
        docs: Sequence[Document],
        best: dict[tuple[int, int], dict[int, tuple[int, np.ndarray]]],
        words_of: dict[tuple[int, int], dict[int, tuple[int, int]]],
        *,
        abbreviations: bool = True,
        tidy: bool = True,
        gazetteer: bool = True,
        constrained: bool = True,
    ) -> list[Document]:
        """``predict``'s documents from each sentence's word label probabilities (``best``: per
        (document, sentence), word index -> (distance from a window edge, probabilities))."""
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


@torch.inference_mode()
def predict_together(
    models: Sequence[NerModel],
    docs: Sequence[Document],
    *,
    batch_size: int = 64,
    progress: bool = False,
    **options: bool,
) -> list[list[Document]]:
    """Each model's ``NerModel.predict`` of ``docs`` (``options``: its abbreviations, tidy,
    gazetteer and constrained), in order. The models whose encoder layers are
    the first model's (``NerModel.shared_layers``: taggers trained together) are run as one: the
    encoder reads each window once and each model's own layers and classifier go on from there,
    so two such taggers cost about one (BENCHMARKS.md, session 43). Their predictions are those
    of each model alone: the same windows, in the same batches, through the same weights."""
    if not models:
        return []
    first = models[0]
    group = [0] + [i for i in range(1, len(models)) if first.shared_layers(models[i]) > 0]
    out: dict[int, list[Document]] = {}
    shares = [len(_layers(first) or ()) if i == 0 else first.shared_layers(models[i]) for i in group]
    for i, docs_i in zip(
        group, _predict_group([models[i] for i in group], shares, docs, batch_size, progress, options)
    ):
        out[i] = docs_i
    rest = [i for i in range(len(models)) if i not in out]
    if rest:
        more = predict_together([models[i] for i in rest], docs, batch_size=batch_size, progress=progress, **options)
        out.update(zip(rest, more))
    return [out[i] for i in range(len(models))]


def _predict_group(
    group: Sequence[NerModel],
    shares: Sequence[int],
    docs: Sequence[Document],
    batch_size: int,
    progress: bool,
    options: dict[str, bool],
) -> list[list[Document]]:
    """``predict_together`` for models that share the first one's windows and its first
    ``shares[i]`` encoder layers."""
    first = group[0]
    for ner in group:
        ner.model.eval()
    windows = first.windows(docs, with_labels=False)
    order = sorted(range(len(windows)), key=lambda i: len(windows[i].input_ids))
    # per model: (doc, sentence) -> word index -> (distance from window edge, the word's label probabilities)
    best: list[dict[tuple[int, int], dict[int, tuple[int, np.ndarray]]]] = [defaultdict(dict) for _ in group]
    words_of: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(dict)
    steps = range(0, len(order), batch_size)
    for k in tqdm(steps, desc="ner", unit="batch", disable=not progress):
        chunk = [windows[i] for i in order[k : k + batch_size]]
        batch = first._batch(chunk)
        with first._autocast():
            logits = _logits(
                group, shares, batch["input_ids"].to(first.device), batch["attention_mask"].to(first.device)
            )
        for g, model_logits in enumerate(logits):
            probs = model_logits.float().softmax(-1).cpu().numpy()
            for i, w in enumerate(chunk):
                key = (w.doc, w.sentence)
                seen: set[int] = set()
                for j, wid in enumerate(w.word_ids):
                    if wid is None or wid in seen:
                        continue
                    seen.add(wid)
                    index = w.first_word + wid
                    edge = min(wid, len(w.words) - 1 - wid)
                    current = best[g][key].get(index)
                    if current is None or edge > current[0]:
                        best[g][key][index] = (edge, probs[i, j])
                    words_of[key][index] = w.words[wid]
    return [ner._finish(docs, best[g], words_of, **options) for g, ner in enumerate(group)]


def _layers(ner: NerModel) -> Any:
    """The encoder's layer list (BERT-like token classifiers: ``base_model.encoder.layer``), or None."""
    encoder = getattr(getattr(ner.model, "base_model", None), "encoder", None)
    return getattr(encoder, "layer", None)


def _logits(
    group: Sequence[NerModel], shares: Sequence[int], ids: torch.Tensor, mask: torch.Tensor
) -> list[torch.Tensor]:
    """Each model's logits for one batch: the first model's whole encoder, then each other model's
    own layers from the first model's hidden states after the layers it shares, and its classifier."""
    head: Any = group[0].model
    if len(group) == 1:
        return [head(input_ids=ids, attention_mask=mask).logits]
    from transformers.masking_utils import create_bidirectional_mask

    encoder = head.base_model
    states = [encoder.embeddings(input_ids=ids)]
    attention = create_bidirectional_mask(config=head.config, inputs_embeds=states[0], attention_mask=mask)
    for layer in encoder.encoder.layer:
        states.append(layer(states[-1], attention))
    out = []
    for ner, shared in zip(group, shares, strict=True):
        hidden = states[shared]
        for layer in _layers(ner)[shared:]:
            hidden = layer(hidden, attention)
        model: Any = ner.model
        out.append(model.classifier(model.dropout(hidden)))
    return out


_PROBE = "Naloxone reverses clonidine-induced hypotension in ÉCOLE mice."  # shared_layers' check


def _shared_layers(first: NerModel, other: NerModel) -> int:
    """``NerModel.shared_layers``, computed: 0 unless both are BERT-like token classifiers that
    cut text into the same windows and compute alike, with equal embeddings; then the number of
    equal layers from the first, checked once on a short input (the shared pass must give each
    model's own logits, or nothing is shared)."""
    a, b = _layers(first), _layers(other)
    if a is None or b is None or first is other:
        return 0
    same_inputs = (
        (first.max_length, first.stride, first.context, first.device, first.bf16, first.weights)
        == (other.max_length, other.stride, other.context, other.device, other.bf16, other.weights)
        and first.tokenizer.get_vocab() == other.tokenizer.get_vocab()
        and first.tokenizer(_PROBE)["input_ids"] == other.tokenizer(_PROBE)["input_ids"]  # casing, accents alike
        and all(hasattr(n.model, "classifier") and hasattr(n.model, "dropout") for n in (first, other))
    )
    models: list[Any] = [first.model, other.model]
    if not same_inputs or not _equal(models[0].base_model.embeddings, models[1].base_model.embeddings):
        return 0
    shared = 0
    for la, lb in zip(a, b):
        if not _equal(la, lb):
            break
        shared += 1
    if not shared:
        return 0
    first.model.eval()
    other.model.eval()  # as they predict: no dropout
    ids = torch.tensor([first.tokenizer(_PROBE)["input_ids"]] * 2)
    mask = torch.ones_like(ids)
    mask[1, -3:] = 0
    ids, mask = ids.to(first.device), mask.to(first.device)
    with torch.inference_mode(), first._autocast():
        together = _logits([first, other], [len(a), shared], ids, mask)
        alone = [n.model(input_ids=ids, attention_mask=mask).logits for n in (first, other)]
    if not all(torch.allclose(x.float(), y.float(), atol=1e-3) for x, y in zip(together, alone, strict=True)):
        log.warning("the taggers share %d encoder layers, but the shared pass differs: each runs alone", shared)
        return 0
    return shared


def _equal(a: nn.Module, b: nn.Module) -> bool:
    """Whether two modules hold the same tensors (any non-tensor state, such as int8 packed
    weights, counts as different)."""
    sa, sb = a.state_dict(), b.state_dict()
    if sa.keys() != sb.keys():
        return False
    return all(
        isinstance(x, torch.Tensor)
        and isinstance(sb[k], torch.Tensor)
        and x.shape == sb[k].shape
        and torch.equal(x, sb[k])
        for k, x in sa.items()
    )


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


@dataclass
class TaggerData:
    """One tagger's training data and output folder (``train_taggers``)."""

    train: Sequence[Document]
    dev: Sequence[Document]
    out: Path
    canonical_types: bool = False  # learn medkg's types (NCBI's four disease classes -> Disease)
    data_files: Sequence[Path] = ()


class _Head(nn.Module):
    """One tagger's columns of a classifier that several taggers trained together share
    (``train_taggers``): it answers as that tagger's token classifier would."""

    def __init__(self, model: nn.Module, columns: slice) -> None:
        super().__init__()
        self.inner, self.columns = model, columns

    def forward(self, **inputs: Any) -> Any:
        out = self.inner(**inputs)
        out.logits = out.logits[..., self.columns]
        return out


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
    tagger = TaggerData(train_docs, dev_docs, Path(out), config.canonical_types, data_files)
    return train_taggers([tagger], config, progress=progress, resume=resume)[0]


def train_taggers(
    taggers: Sequence[TaggerData], config: NerConfig, *, progress: bool = True, resume: bool = False
) -> list[dict[str, Any]]:
    """``train_ner`` for one tagger or several trained together: one encoder with a classifier per
    tagger, each batch from one tagger's corpus and its loss from that tagger's classifier (the
    all-in-one idea of AIONER, Luo et al. 2023, with a classifier per corpus instead of a task
    marker, since the corpora annotate different types). Each tagger is written to its own folder as
    an ordinary model whose encoder is bit for bit the others', so the pipeline reads each window
    once for all of them (``predict_together``). The epoch kept is the one with the best mean dev
    F1 over the taggers (each card records its own scores); the checkpoint to ``resume`` from is
    in the first tagger's folder. Returns the cards, in order."""
    from extractors.models import data_hash

    if not taggers:
        raise ConfigError("no tagger to train")
    if config.lora and len(taggers) > 1:
        raise ConfigError("LoRA trains one tagger at a time")
    seed_everything(config.seed)
    data = [
        replace(t, train=canonical_labels(t.train), dev=canonical_labels(t.dev)) if t.canonical_types else t
        for t in taggers
    ]
    types = [config.types or sorted({m.label for d in t.train for m in d.mentions}) for t in data]
    if not all(types):
        raise ConfigError("the training data has no mentions")
    labels = [label_list(t) for t in types]
    offsets = [sum(len(x) for x in labels[:i]) for i in range(len(labels))]
    every = [f"{i}:{label}" if len(labels) > 1 else label for i, tagger in enumerate(labels) for label in tagger]
    base = resolve_encoder(config.base_model)
    device = pick_device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForTokenClassification.from_pretrained(
        base,
        num_labels=len(every),
        id2label=dict(enumerate(every)),
        label2id={v: k for k, v in enumerate(every)},
        ignore_mismatched_sizes=True,  # a base tagger of other labels: its encoder, a new classifier
        **layer_override(config.layers),
        **attention_dropout_override(base, config.attention_dropout),
        **hidden_dropout_override(base, config.hidden_dropout),
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
    views = []
    for t, tagger_labels, offset, tagger_types in zip(data, labels, offsets, types, strict=True):
        view = NerModel(
            model if len(data) == 1 else _Head(model, slice(offset, offset + len(tagger_labels))),
            tokenizer,
            tagger_labels,
            max_length=config.max_length,
            stride=config.stride,
            device=device,
            context=config.context,
        )
        view.gazetteer = Gazetteer.from_documents(t.train, types=tagger_types)
        if config.bf16 is not None:
            view.bf16 = config.bf16 and device == "cpu"
        views.append(view)
    windows = [view.windows(t.train, with_labels=True) for view, t in zip(views, data, strict=True)]
    rng = random.Random(config.seed)
    steps_per_epoch = sum(math.ceil(len(w) / config.batch_size) for w in windows)
    optimizer, scheduler = make_optimizer(
        model, config.learning_rate, config.weight_decay, steps_per_epoch * config.epochs, config.warmup_ratio
    )
    last_scores: list[dict[str, Any]] = []

    def batches(epoch: int) -> list[tuple[int, list[Window]]]:
        out = [(i, b) for i, w in enumerate(windows) for b in _length_batches(w, config.batch_size, rng)]
        if len(windows) > 1:
            rng.shuffle(out)  # the corpora's batches mixed
        return out

    def loss_of(batch: tuple[int, list[Window]]) -> torch.Tensor:
        i, chunk = batch
        tensors = {k: v.to(device) for k, v in views[i]._batch(chunk).items()}
        with views[i]._autocast():
            if len(views) == 1:
                return model(**tensors).loss
            logits = model(input_ids=tensors["input_ids"], attention_mask=tensors["attention_mask"]).logits
        own = logits[..., offsets[i] : offsets[i] + len(labels[i])].float()
        return nn.functional.cross_entropy(own.reshape(-1, own.shape[-1]), tensors["labels"].reshape(-1))

    def evaluate(epoch: int) -> tuple[float, dict[str, Any]]:
        last_scores[:] = [
            strict_scores(t.dev, view.predict(t.dev), tagger_types)
            for view, t, tagger_types in zip(views, data, types, strict=True)
        ]
        f1s = [s["micro"]["f1"] for s in last_scores]
        if len(f1s) == 1:
            return f1s[0], {}
        return round(sum(f1s) / len(f1s), 2), {"dev_f1_each": f1s}

    def save_best(epoch: int, score: float, info: dict[str, Any]) -> None:
        for i, (view, t) in enumerate(zip(views, data, strict=True)):
            own = view if len(views) == 1 else _standalone(view, model, offsets[i])
            own.save(
                t.out,
                {
                    "base_model": config.base_model,
                    "config": {**config.model_dump(), "canonical_types": t.canonical_types},
                    "types": types[i],
                    "data_hash": data_hash(list(t.data_files)) if t.data_files else None,
                    "data_files": [str(p) for p in t.data_files],
                    "gazetteer": {
                        "entries": len(view.gazetteer.entries) if view.gazetteer else 0,
                        "min_share": MIN_SHARE,
                    },
                    "metrics": {"dev": dict(last_scores[i]), "best_epoch": epoch},
                    "versions": versions(),
                    **({"trained_with": [str(o.out.name) for o in data if o is not t]} if len(data) > 1 else {}),
                },
            )

    loop = Loop(
        model,
        optimizer,
        scheduler,
        batches,
        loss_of,
        evaluate,
        save_best,
        config={**config.model_dump(), **({"taggers": len(data)} if len(data) > 1 else {})},
        cost=lambda batch: len(batch[1]) * max(len(w.input_ids) for w in batch[1]),  # padded tokens
    )
    name = "ner" if len(data) == 1 else "ner (" + ", ".join(t.out.name for t in data) + ")"
    card = fit(
        loop,
        data[0].out,
        Schedule(
            config.epochs,
            config.patience,
            config.max_minutes,
            resume=resume,
            name=name,
            score_from=config.score_from,
            metric="F1" if len(data) == 1 else "mean F1",
        ),
        progress=progress,
    )
    cards = [card]
    for t in data[1:]:  # the others' cards: their own scores, the run's history
        if not (t.out / "medkg.json").is_file():
            raise ConfigError(f"{t.out}: the training kept no model (no dev score yet); resume it to go on")
        own = {k: v for k, v in read_card(t.out).items() if k not in ("resumable", "epochs_done", "epochs")}
        own.update(
            {
                k: v
                for k, v in card.items()
                if k in ("history", "stopped_by", "train_minutes", "resumable", "epochs_done", "epochs")
            }
        )
        write_card(t.out, own)
        cards.append(own)
    return cards


def _standalone(view: NerModel, model: Any, offset: int) -> NerModel:
    """One tagger of several trained together as a model of its own: the shared encoder (copied)
    and its rows of the shared classifier."""
    single: Any = copy.deepcopy(model)
    rows = slice(offset, offset + len(view.labels))
    classifier = nn.Linear(single.classifier.in_features, len(view.labels))
    with torch.no_grad():
        classifier.weight.copy_(model.classifier.weight[rows])
        classifier.bias.copy_(model.classifier.bias[rows])
    single.classifier = classifier
    single.num_labels = len(view.labels)
    single.config.id2label = dict(enumerate(view.labels))
    single.config.label2id = {label: i for i, label in enumerate(view.labels)}
    own = NerModel(
        single, view.tokenizer, view.labels, max_length=view.max_length, stride=view.stride, context=view.context
    )
    own.gazetteer = view.gazetteer
    return own
