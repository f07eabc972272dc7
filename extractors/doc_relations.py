"""Document-level relation extraction in one encoder pass per document (after ATLOP, Zhou et al.
2021).

Every mention is wrapped in markers (``[Chemical] ... [/E]``, one start marker per entity type);
the encoder reads the whole marked document, in chunks of whole sentences of at most
``max_length`` tokens when it is longer; an entity is the log-sum-exp of its mentions'
start-marker states; each candidate concept pair (the type pairs of the training relations, any
distance apart) is classified from ``[e_s, e_o, e_s * e_o, |e_s - e_o|]`` by a small MLP into
None or a predicate. With ``context_pooling`` (ATLOP's localized context pooling) each entity
state is first joined with the pair's own context: the hidden states weighted by the product of
both entities' last-layer attention (their markers' rows, averaged over heads), where they share
a chunk. The probability above which a pair is a relation is chosen on the dev set.

Known pairs: the (subject, predicate, object) triples annotated in the training split are kept
with the model (``known_pairs.json``), and such a pair needs only a second, lower threshold, also
chosen on dev: a prior from a knowledge base of known relations, as the BioCreative V CID systems
used CTD's curated chemical-disease pairs. On BC5CDR dev, 210 of the 1,012 gold pairs are
annotated in the training split; the prior adds about a point of pair F1 in two-fold
cross-validation of both thresholds (BENCHMARKS.md, ``bench/re_variants.py``).

Against the pair classifier of ``relations.py``, which encodes every mention pair separately, it
reads each document once (several times faster) and sees pairs at any distance (no window cap
on recall). ``load_relation_model`` opens either kind of folder.
"""

from __future__ import annotations

import json
import logging
import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer

from extractors.configs import RELATION_CONFIGS, DocRelationConfig, LexicalRelationConfig, RelationConfig, card_config
from extractors.models import (
    attention_dropout_override,
    bf16_autocast,
    cpu_bf16_supported,
    data_hash,
    hidden_dropout_override,
    layer_override,
    pick_device,
    read_card,
    resolve_encoder,
    versions,
    write_card,
)
from extractors.relations import (
    RelationModel,
    _concepts,
    _type,
    pair_scores,
    relation_schema,
)
from extractors.text import split_sentences
from extractors.training import Loop, Schedule, fit, make_optimizer, seed_everything
from kg.errors import ConfigError
from kg.types import Document, Relation

if TYPE_CHECKING:
    from extractors.lexical_relations import LexicalRelationModel

log = logging.getLogger(__name__)

END = "[/E]"
KNOWN_PAIRS = "known_pairs.json"
GENERIC = "[E]"
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(2, 19))  # 0.10 ... 0.90


def _attention(context_pooling: bool) -> dict[str, Any]:
    """``from_pretrained`` keywords for the attention: context pooling reads attention weights,
    which only the eager attention returns."""
    return {"attn_implementation": "eager"} if context_pooling else {}


@dataclass
class Encoded:
    """One document ready for the encoder: its chunks' token ids and, per concept, where its
    mentions' start markers are (chunk, token)."""

    chunks: list[list[int]]
    markers: dict[str, list[tuple[int, int]]]
    types: dict[str, str]


class PairHead(nn.Module):
    """Pair logits from the two entity states; with ``context``, each state is first joined with
    the pair's context vector (ATLOP: ``z = tanh(W [e; c])``)."""

    def __init__(self, hidden: int, labels: int, context: bool = False) -> None:
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(4 * hidden, hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(hidden, labels))
        self.subject_context = nn.Linear(2 * hidden, hidden) if context else None
        self.object_context = nn.Linear(2 * hidden, hidden) if context else None

    def forward(self, subj: torch.Tensor, obj: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        if self.subject_context is not None and self.object_context is not None and context is not None:
            subj = torch.tanh(self.subject_context(torch.cat([subj, context], dim=-1)))
            obj = torch.tanh(self.object_context(torch.cat([obj, context], dim=-1)))
        return self.mlp(torch.cat([subj, obj, subj * obj, (subj - obj).abs()], dim=-1))


class DocRelationModel:
    """A trained document-level relation model; ``predict`` adds document-level relations."""

    kind = "re-doc"

    def __init__(
        self,
        encoder: Any,
        head: PairHead,
        tokenizer: Any,
        labels: list[str],
        type_pairs: Sequence[Sequence[str]],
        *,
        max_length: int = 512,
        threshold: float = 0.5,
        device: str = "cpu",
        card: dict[str, Any] | None = None,
        known_pairs: Iterable[Sequence[str]] = (),
        known_threshold: float | None = None,
        threshold_alone: float | None = None,
    ) -> None:
        self.encoder = encoder.to(device)
        self.head = head.to(device)
        self.tokenizer = tokenizer
        self.labels = labels
        self.type_pairs = [(str(a), str(b)) for a, b in type_pairs]
        self.max_length = max_length
        self.threshold = threshold
        self.known_pairs = {(str(s), str(p), str(o)) for s, p, o in known_pairs}  # (subject, predicate, object)
        self.known_threshold = known_threshold  # for known pairs, when lower than ``threshold``
        self.threshold_alone = threshold if threshold_alone is None else threshold_alone  # the best without known pairs
        self.device = device
        self.card = card or {}
        self.bf16 = device == "cpu" and cpu_bf16_supported()
        self.context_pooling = head.subject_context is not None
        self._marker_ids = dict(tokenizer.get_added_vocab())  # the markers (and the tokenizer's own specials)

    @property
    def _symmetric(self) -> bool:
        return any(a == b for a, b in self.type_pairs) or any((b, a) in self.type_pairs for a, b in self.type_pairs)

    # -- input ---------------------------------------------------------------------------------

    def _start_marker(self, label: str) -> str:
        marker = f"[{label}]"
        return marker if marker in self._marker_ids else GENERIC

    def encode(self, doc: Document) -> Encoded:
        """The marked document in chunks of whole sentences that fit ``max_length`` tokens."""
        mentions = [m for m in doc.mentions if _concepts(m)]
        types: dict[str, str] = {}
        for m in mentions:
            for c in _concepts(m):
                types.setdefault(c, _type(m))
        pieces: list[tuple[list[int], list[tuple[int, list[str]]]]] = []  # per sentence: ids, (token index, concepts)
        for a, b in split_sentences(doc.text) or [(0, len(doc.text))]:
            inside = sorted((m for m in mentions if a <= m.start < b), key=lambda m: (m.start, -m.end))
            events = sorted(
                [(m.start, 1, i) for i, m in enumerate(inside)] + [(min(m.end, b), 0, i) for i, m in enumerate(inside)]
            )
            parts, cursor, starts = [], a, {}
            length = 0
            for pos, is_start, i in events:
                parts.append(doc.text[cursor:pos])
                length += len(parts[-1])
                if is_start:
                    starts[i] = length + 1  # the marker's first character, after the space
                    parts.append(f" {self._start_marker(_type(inside[i]))} ")
                else:
                    parts.append(f" {END} ")
                length += len(parts[-1])
                cursor = pos
            parts.append(doc.text[cursor:b])
            enc = self.tokenizer("".join(parts), add_special_tokens=False, return_offsets_mapping=True)
            at = {s: k for k, (s, _) in enumerate(enc["offset_mapping"])}
            found = [(at[starts[i]], list(_concepts(m))) for i, m in enumerate(inside) if starts.get(i) in at]
            pieces.append((list(enc["input_ids"]), found))
        chunks: list[list[int]] = []
        markers: dict[str, list[tuple[int, int]]] = defaultdict(list)
        room = self.max_length - 2
        current: list[int] = []
        pending: list[tuple[int, list[str]]] = []

        def flush() -> None:
            if not current:
                return
            for k, concepts in pending:
                if k < room:
                    for c in concepts:
                        markers[c].append((len(chunks), k + 1))  # +1: the [CLS] in front
            chunks.append([self.tokenizer.cls_token_id, *current[:room], self.tokenizer.sep_token_id])
            current.clear()
            pending.clear()

        for ids, found in pieces:
            if current and len(current) + len(ids) > room:
                flush()
            offset = len(current)
            current.extend(ids)
            pending.extend((offset + k, concepts) for k, concepts in found)
        flush()
        return Encoded(chunks, dict(markers), types)

    def candidates(self, enc: Encoded) -> list[tuple[str, str]]:
        """Concept pairs of the document whose types a training relation joined."""
        allowed = set(self.type_pairs)
        concepts = sorted(enc.markers)
        out = []
        for i, c1 in enumerate(concepts):
            for c2 in concepts[i + 1 :] if self._symmetric else concepts:
                if c1 != c2 and (
                    (enc.types[c1], enc.types[c2]) in allowed
                    or (self._symmetric and (enc.types[c2], enc.types[c1]) in allowed)
                ):
                    out.append((c1, c2))
        return out

    # -- model ---------------------------------------------------------------------------------

    def _autocast(self) -> Any:
        return bf16_autocast(self.device, self.bf16)

    def _states(self, chunks: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The encoder's last hidden states of token-id chunks, padded to the longest ([B, T, H]),
        and with context pooling its last layer's attention averaged over heads ([B, T, T])."""
        width = max(len(c) for c in chunks)
        ids = torch.full((len(chunks), width), self.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(chunks), width), dtype=torch.long)
        for r, c in enumerate(chunks):
            ids[r, : len(c)] = torch.tensor(c)
            mask[r, : len(c)] = 1
        with self._autocast():
            out = self.encoder(
                input_ids=ids.to(self.device),
                attention_mask=mask.to(self.device),
                output_attentions=self.context_pooling,
            )
        attention = out.attentions[-1].float().mean(1) if self.context_pooling else None
        return out.last_hidden_state.float(), attention

    def _pair_logits(self, enc: Encoded, pairs: Sequence[tuple[str, str]], hidden: Any, attention: Any) -> torch.Tensor:
        """Label logits of ``pairs``; ``hidden(chunk)`` gives a chunk's hidden states [T, H],
        ``attention(chunk, token)`` a marker's head-averaged last-layer attention row [T]
        (context pooling)."""
        if not pairs:
            return torch.zeros((0, len(self.labels)), device=self.device)
        used = {c for pair in pairs for c in pair}
        entity = {c: torch.logsumexp(torch.stack([hidden(ch)[tok] for ch, tok in enc.markers[c]]), dim=0) for c in used}
        subj, obj = torch.stack([entity[s] for s, _ in pairs]), torch.stack([entity[o] for _, o in pairs])
        context = self._contexts(enc, pairs, used, hidden, attention) if self.context_pooling else None
        with self._autocast():
            return self.head(subj, obj, context).float()

    def _contexts(
        self, enc: Encoded, pairs: Sequence[tuple[str, str]], used: set[str], hidden: Any, attention: Any
    ) -> torch.Tensor:
        """Per pair, the hidden states weighted by both entities' attention (normalized product),
        averaged over the chunks that hold both; zeros where none does."""
        rows: dict[str, dict[int, torch.Tensor]] = {}
        for c in used:
            by_chunk: dict[int, list[torch.Tensor]] = defaultdict(list)
            for ch, tok in enc.markers[c]:
                by_chunk[ch].append(attention(ch, tok))
            rows[c] = {ch: torch.stack(r).mean(0) for ch, r in by_chunk.items()}
        out = []
        for s, o in pairs:
            shared = sorted(rows[s].keys() & rows[o].keys())
            if not shared:
                out.append(torch.zeros(self.encoder.config.hidden_size, device=self.device))
                continue
            vectors = []
            for ch in shared:
                q = rows[s][ch] * rows[o][ch]
                vectors.append((q / (q.sum() + 1e-10)) @ hidden(ch))
            out.append(torch.stack(vectors).mean(0))
        return torch.stack(out)

    def logits(self, encoded: Sequence[Encoded], pairs: Sequence[Sequence[tuple[str, str]]]) -> list[torch.Tensor]:
        """Per document, the label logits of its ``pairs``, all chunks in one encoder batch (training)."""
        states, attention = self._states([c for e in encoded for c in e.chunks])
        out, base = [], 0
        for e, doc_pairs in zip(encoded, pairs, strict=True):
            out.append(
                self._pair_logits(
                    e,
                    doc_pairs,
                    lambda ch, b=base: states[b + ch],
                    None if attention is None else lambda ch, tok, b=base: attention[b + ch, tok],
                )
            )
            base += len(e.chunks)
        return out

    @torch.inference_mode()
    def probabilities(
        self, docs: Sequence[Document], batch_size: int = 16
    ) -> list[tuple[list[tuple[str, str]], np.ndarray]]:
        """Each document's candidate pairs and their label probabilities. Only chunks holding a
        mention of a candidate pair are encoded (a document with no candidate pair costs
        nothing), in batches of chunks of similar length."""
        self.encoder.eval()
        self.head.eval()
        encoded = [self.encode(d) for d in docs]
        pairs = [self.candidates(e) for e in encoded]
        needed = sorted(
            {
                (i, ch)
                for i, (e, ps) in enumerate(zip(encoded, pairs, strict=True))
                for pair in ps
                for c in pair
                for ch, _ in e.markers[c]
            },
            key=lambda t: (len(encoded[t[0]].chunks[t[1]]), t),
        )
        states: dict[tuple[int, int], torch.Tensor] = {}
        rows: dict[tuple[int, int, int], torch.Tensor] = {}  # (doc, chunk, marker token) -> its attention row
        for k in range(0, len(needed), batch_size):
            part = needed[k : k + batch_size]
            hidden, attention = self._states([encoded[i].chunks[ch] for i, ch in part])
            for row, (i, ch) in enumerate(part):
                states[(i, ch)] = hidden[row]
                if attention is not None:  # keep the markers' rows only, not the [T, T] matrix
                    toks = sorted({tok for spots in encoded[i].markers.values() for c, tok in spots if c == ch})
                    rows.update(zip(((i, ch, tok) for tok in toks), attention[row, toks].clone(), strict=True))
        probs = [
            self._pair_logits(e, ps, lambda ch, i=i: states[(i, ch)], lambda ch, tok, i=i: rows[(i, ch, tok)])
            .softmax(-1)
            .cpu()
            .numpy()
            for i, (e, ps) in enumerate(zip(encoded, pairs, strict=True))
        ]
        return list(zip(pairs, probs, strict=True))

    def predict(
        self, docs: Sequence[Document], threshold: float | None = None, *, known_pairs: bool = True
    ) -> list[Document]:
        """The documents with their relations replaced by the model's predictions (a pair is a
        relation when its best predicate's probability reaches ``threshold``, by default the one
        chosen on dev; a pair annotated in the training split, the model's known threshold,
        unless ``known_pairs`` is False: then the default is the threshold best without them)."""
        known = self.known_threshold if known_pairs else None
        cut = threshold if threshold is not None else self.threshold if known is not None else self.threshold_alone
        return [
            replace(doc, relations=tuple(rels))
            for doc, rels in zip(docs, self._relations(docs, cut, known), strict=True)
        ]

    def decide(
        self,
        pairs: Sequence[tuple[str, str]],
        probs: np.ndarray,
        threshold: float,
        known_threshold: float | None = None,
    ) -> list[tuple[str, str, str, float]]:
        """(subject, predicate, object, probability) of the pairs whose best predicate reaches
        ``threshold``, or ``known_threshold`` for a triple in ``known_pairs`` when it is lower."""
        out = []
        for (s, o), row in zip(pairs, probs, strict=True):
            label = int(row[1:].argmax()) + 1
            cut = threshold
            if known_threshold is not None and (s, self.labels[label], o) in self.known_pairs:
                cut = min(threshold, known_threshold)
            if row[label] >= cut:
                out.append((s, self.labels[label], o, float(row[label])))
        return out

    def _relations(
        self, docs: Sequence[Document], threshold: float, known_threshold: float | None
    ) -> list[list[Relation]]:
        out = []
        for doc, (pairs, p) in zip(docs, self.probabilities(docs), strict=True):
            sentences = split_sentences(doc.text) or [(0, len(doc.text))]
            out.append(
                [
                    Relation(s, predicate, o, score=round(score, 4), span=evidence_span(doc, sentences, s, o))
                    for s, predicate, o, score in self.decide(pairs, p, threshold, known_threshold)
                ]
            )
        return out

    def set_known_pairs(self, docs: Iterable[Document]) -> None:
        """The annotated relations of ``docs`` (the training split) become the known pairs (both
        orders for a symmetric relation set)."""
        known = {
            (r.subject, r.predicate, r.object) for d in docs for r in d.relations if r.predicate in self.labels[1:]
        }
        if self._symmetric:
            known |= {(o, p, s) for s, p, o in known}
        self.known_pairs = known

    # -- artifact ------------------------------------------------------------------------------

    def save(self, folder: Path, card: dict[str, Any]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.encoder.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)
        torch.save(self.head.state_dict(), folder / "pair_head.pt")
        self.save_known_pairs(folder)
        write_card(
            folder,
            {
                "task": self.kind,
                "labels": self.labels,
                "type_pairs": [list(p) for p in self.type_pairs],
                "threshold": self.threshold,
                "known_threshold": self.known_threshold,
                "threshold_alone": self.threshold_alone,
                **card,
            },
        )

    def save_known_pairs(self, folder: Path) -> None:
        path = folder / KNOWN_PAIRS
        if self.known_pairs:
            path.write_text(json.dumps(sorted(self.known_pairs), indent=0) + "\n", encoding="utf-8")
        elif path.exists():
            path.unlink()

    @classmethod
    def load(cls, folder: str | Path, *, device: str = "auto") -> DocRelationModel:
        folder = Path(folder)
        card = read_card(folder)
        if card.get("task") != cls.kind:
            raise ConfigError(f"{folder}: a {card.get('task')!r} model, not a document-level relation model")
        device = pick_device(device)
        config = card_config(DocRelationConfig, card)
        context = config.context_pooling
        encoder = AutoModel.from_pretrained(folder, **_attention(context))
        head = PairHead(encoder.config.hidden_size, len(card["labels"]), context=context)
        head.load_state_dict(torch.load(folder / "pair_head.pt", map_location="cpu", weights_only=True))
        known: list[list[str]] = []
        if (folder / KNOWN_PAIRS).is_file():
            try:
                known = json.loads((folder / KNOWN_PAIRS).read_text(encoding="utf-8"))
                if not isinstance(known, list) or not all(isinstance(t, list) and len(t) == 3 for t in known):
                    raise ValueError("not a list of [subject, predicate, object]")
            except ValueError as exc:
                raise ConfigError(f"{folder / KNOWN_PAIRS}: {exc}; rebuild it with `medkg train known-pairs`") from exc
        known_threshold, alone = card.get("known_threshold"), card.get("threshold_alone")
        return cls(
            encoder.eval(),
            head.eval(),
            AutoTokenizer.from_pretrained(folder),
            card["labels"],
            card["type_pairs"],
            max_length=config.max_length,
            threshold=float(card.get("threshold", 0.5)),
            device=device,
            card=card,
            known_pairs=known,
            known_threshold=float(known_threshold) if known_threshold is not None and known else None,
            threshold_alone=float(alone) if alone is not None else None,
        )


def evidence_span(
    doc: Document, sentences: Sequence[tuple[int, int]], subject: str, obj: str
) -> tuple[int, int] | None:
    """The provenance of a document-level relation: the ``sentences`` (the document's, split once)
    from one mention of each concept to the other, for the mention pair fewest sentences (then
    characters) apart."""
    starts = [a for a, _ in sentences]

    def spots(c: str) -> list[tuple[int, int]]:
        return [(bisect_right(starts, m.start) - 1, m.start) for m in doc.mentions if c in _concepts(m)]

    options = [
        (abs(s1 - s2), abs(c1 - c2), min(s1, s2), max(s1, s2)) for s1, c1 in spots(subject) for s2, c2 in spots(obj)
    ]
    if not options:
        return None
    _, _, first, last = min(options)
    return sentences[max(first, 0)][0], sentences[max(last, 0)][1]


def load_relation_model(
    folder: str | Path, *, device: str = "auto", per_pair: int | None = None
) -> RelationModel | DocRelationModel | LexicalRelationModel:
    """Any kind of relation model folder (``per_pair`` only applies to the pair classifier)."""
    from extractors.lexical_relations import KIND, LexicalRelationModel

    task = read_card(Path(folder)).get("task")
    if task == DocRelationModel.kind:
        return DocRelationModel.load(folder, device=device)
    if task == KIND:
        return LexicalRelationModel.load(folder)
    return RelationModel.load(folder, device=device, per_pair=per_pair)


ARCHITECTURES = tuple(RELATION_CONFIGS)


def train_relation_model(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    out: str | Path,
    config: DocRelationConfig | RelationConfig | LexicalRelationConfig,
    *,
    data_files: Sequence[Path] = (),
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Train a relation model of the architecture ``config`` is for (``DocRelationConfig``:
    this module's document-level model; ``RelationConfig``: the pair classifier of
    ``relations.py``; ``LexicalRelationConfig``: ``lexical_relations``, trained in a minute or
    two; only the first has ``resume``; ``extractors.configs.relation_config`` builds any);
    returns its card."""
    if isinstance(config, LexicalRelationConfig):
        from extractors.lexical_relations import train_lexical_relations

        return train_lexical_relations(train_docs, dev_docs, out, config, data_files=data_files, progress=progress)
    if isinstance(config, DocRelationConfig):
        return train_doc_relations(
            train_docs, dev_docs, out, config, data_files=data_files, progress=progress, resume=resume
        )
    from extractors.relations import train_relations

    if resume:
        raise ConfigError("--resume is for the document-level model; the pair classifier trains from the start")
    return train_relations(train_docs, dev_docs, out, config, data_files=data_files, progress=progress)


@dataclass
class Thresholds:
    """What ``choose_threshold`` found on dev: the threshold and, for a model with known pairs,
    theirs (``known``; None without), their scores; and the best threshold without known pairs."""

    threshold: float
    known: float | None
    scores: dict[str, Any]
    alone: float
    alone_scores: dict[str, Any]


def choose_threshold(model: DocRelationModel, docs: Sequence[Document]) -> Thresholds:
    """The thresholds with the best pair F1 on ``docs`` (dev): one for every pair, and for a model
    with known pairs a second one for them (at most the first), searched together."""
    scored = model.probabilities(docs)
    options = [(t, None) for t in THRESHOLDS] + (
        [(t, u) for t in THRESHOLDS for u in THRESHOLDS if u < t] if model.known_pairs else []
    )
    best: tuple[float, float | None, dict[str, Any]] = (0.5, None, {"f1": -1.0})
    alone: tuple[float, float | None, dict[str, Any]] = best
    for t, u in options:  # single thresholds first: on a tie, no second threshold
        pred = []
        for doc, (pairs, p) in zip(docs, scored, strict=True):
            pred.append(
                replace(
                    doc,
                    relations=tuple(Relation(s, predicate, o) for s, predicate, o, _ in model.decide(pairs, p, t, u)),
                )
            )
        scores = pair_scores(docs, pred, model._symmetric)
        if scores["f1"] > best[2]["f1"]:
            best = (t, u, scores)
        if u is None and scores["f1"] > alone[2]["f1"]:
            alone = (t, u, scores)
    return Thresholds(best[0], best[1], best[2], alone[0], alone[2])


def add_known_pairs(folder: str | Path, train_docs: Sequence[Document], dev_docs: Sequence[Document]) -> dict[str, Any]:
    """Give a trained document-level model the known pairs of ``train_docs`` (its training split)
    and choose both thresholds again on ``dev_docs``; returns the dev scores before and after."""
    folder = Path(folder)
    model = DocRelationModel.load(folder, device="cpu")
    model.set_known_pairs(train_docs)
    if not model.known_pairs:
        raise ConfigError(
            f"no relation of the model's predicates {model.labels[1:]} in the training documents; pass its training "
            "split"
        )
    found = choose_threshold(model, dev_docs)
    card = {**model.card, "threshold": found.threshold, "known_threshold": found.known, "threshold_alone": found.alone}
    card.setdefault("metrics", {})["dev_with_known_pairs"] = found.scores
    model.save_known_pairs(folder)
    write_card(folder, card)
    return {
        "known_pairs": len(model.known_pairs),
        "before": {"threshold": found.alone, **found.alone_scores},
        "after": {"threshold": found.threshold, "known_threshold": found.known, **found.scores},
    }


def train_doc_relations(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    out: str | Path,
    config: DocRelationConfig,
    *,
    data_files: Sequence[Path] = (),
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Fine-tune encoder and pair head on gold entities; keep the best dev pair-F1 epoch."""
    seed_everything(config.seed)
    labels, type_pairs = relation_schema(train_docs)
    entity_types = sorted({_type(m) for d in train_docs for m in d.mentions})
    base = resolve_encoder(config.base_model)
    device = pick_device(config.device)
    tokenizer = AutoTokenizer.from_pretrained(base)
    tokenizer.add_special_tokens({"additional_special_tokens": [GENERIC, END, *(f"[{t}]" for t in entity_types)]})
    encoder = AutoModel.from_pretrained(
        base,
        **_attention(config.context_pooling),
        **layer_override(config.layers),
        **attention_dropout_override(base, config.attention_dropout),
        **hidden_dropout_override(base, config.hidden_dropout),
    )
    encoder.resize_token_embeddings(len(tokenizer))
    max_length = min(config.max_length, int(getattr(encoder.config, "max_position_embeddings", config.max_length)))
    head = PairHead(encoder.config.hidden_size, len(labels), context=config.context_pooling)
    model = DocRelationModel(encoder, head, tokenizer, labels, type_pairs, max_length=max_length, device=device)
    if config.known_pairs:
        model.set_known_pairs(train_docs)
    examples = []
    for d in train_docs:
        enc = model.encode(d)
        pairs = model.candidates(enc)
        if not pairs:
            continue
        relation_of = {(r.subject, r.object): labels.index(r.predicate) for r in d.relations if r.predicate in labels}
        if model._symmetric:
            relation_of.update({(o, s): k for (s, o), k in list(relation_of.items())})
        examples.append((enc, pairs, [relation_of.get(p, 0) for p in pairs]))
    steps = math.ceil(len(examples) / config.batch_size) * config.epochs
    both = nn.ModuleDict({"encoder": encoder, "head": model.head})  # trained, and clipped, together
    optimizer, scheduler = make_optimizer(
        both,
        config.learning_rate,
        0.01,
        steps,
        0.06,
        groups=[
            {"params": list(encoder.parameters()), "lr": config.learning_rate},
            {"params": list(model.head.parameters()), "lr": config.head_learning_rate},
        ],
    )
    rng = random.Random(config.seed)
    out = Path(out)
    positives = sum(1 for _, _, y in examples for k in y if k)
    found_of: dict[int, Thresholds] = {}

    def batches(epoch: int) -> list[list[tuple[Encoded, list[tuple[str, str]], list[int]]]]:
        # Documents of similar length together (less padding: 1.5x the tokens/s on a 2-core CPU,
        # BENCHMARKS.md), the batches in random order.
        order = sorted(examples, key=lambda e: sum(map(len, e[0].chunks)) * (1 + 0.2 * rng.random()))
        chunks = [order[k : k + config.batch_size] for k in range(0, len(order), config.batch_size)]
        rng.shuffle(chunks)
        return chunks

    def loss_of(batch: list[tuple[Encoded, list[tuple[str, str]], list[int]]]) -> torch.Tensor:
        logits = torch.cat(model.logits([e for e, _, _ in batch], [p for _, p, _ in batch]))
        return nn.functional.cross_entropy(logits, torch.tensor([k for _, _, y in batch for k in y], device=device))

    def evaluate(epoch: int) -> tuple[float, dict[str, Any]]:
        found = found_of[epoch] = choose_threshold(model, dev_docs)
        return found.scores["f1"], {
            "threshold": found.threshold,
            "known_threshold": found.known,
            "dev_f1_alone": found.alone_scores["f1"],
        }

    def save_best(epoch: int, f1: float, info: dict[str, Any]) -> None:
        found = found_of[epoch]
        model.threshold, model.known_threshold, model.threshold_alone = found.threshold, found.known, found.alone
        model.save(
            out,
            {
                "architecture": "doc",
                "base_model": config.base_model,
                "config": {**config.model_dump(), "max_length": max_length},
                "metrics": {"dev": found.scores, "best_epoch": epoch},
                "versions": versions(),
                "data_hash": data_hash(list(data_files)) if data_files else None,
                "pairs": {
                    "train_documents": len(examples),
                    "train_positive": positives,
                    "train_pairs": sum(len(p) for _, p, _ in examples),
                },
            },
        )

    def tokens(batch: list[tuple[Encoded, list[tuple[str, str]], list[int]]]) -> int:
        return len(batch) * max(sum(map(len, e.chunks)) for e, _, _ in batch)  # padded, for the estimate

    loop = Loop(both, optimizer, scheduler, batches, loss_of, evaluate, save_best, config.model_dump(), cost=tokens)
    return fit(
        loop,
        out,
        Schedule(
            config.epochs, config.patience, config.max_minutes, resume=resume, name="re", score_from=config.score_from
        ),
        progress=progress,
    )
