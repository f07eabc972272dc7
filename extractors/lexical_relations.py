"""Document-level relations from the words around each concept pair: TF-IDF and logistic regression.

BioRED annotates a relation between two concepts of an abstract wherever the abstract says they
are related, which it mostly does in words a bag of words catches ("associated with", "increased",
"inhibited", "mutations in ... cause"). Every candidate concept pair of a document (two concepts
whose types a training relation joined) is described by:

- the words of the sentences that mention both, with the pair's mentions written ``SUBJ``/``OBJ``
  and every other mention as its type (``EGENE``, ``ECHEM``...); where no sentence holds both, the
  words of the two closest sentences that name one each, marked ``NOCOOC``;
- the words between the closest ``SUBJ``-``OBJ`` mentions of a shared sentence, three words to
  each side and the gap between them (bucketed);
- the kinds of cue word between them (``_CUES``: a rise, a fall, an association, a negation; each
  also crossed with the type pair), so that "increased", "elevates" and "induced" say the same
  and a rare verb form still counts: BioRED's types are mostly these directions;
- how many sentences hold both, how often each concept is mentioned, whether each is in the title,
  in which quarter of the abstract they are named together (results and conclusions come last),
  each concept's rank by mentions among its type's, and how far apart they are in sentences;
- each word also crossed with the pair's type pair (Chemical-Disease "reduced" says treatment,
  Gene-Gene "reduced" says negative correlation).

One multinomial logistic regression over ``None`` and the relation types (scikit-learn) gives each
pair's probability of being related (1 - P(None)) and its type (the most probable other label).
The threshold is the one with the best pair + type F1 over grouped 5-fold cross-validation on the
training documents, never on dev. It trains in a minute or two on any CPU (the fine-tuned
document-level model of ``doc_relations`` took 33 minutes on a fast one) and scores more on BioRED
dev with gold entities: entity pair F1 71 against 57, pair + type 50 against 35 (BENCHMARKS.md,
session 28). A second regression over a related pair's features and its type gives BioRED's
novelty flag. Saved as JSON and NumPy arrays, no pickle.
"""

from __future__ import annotations

import json
import logging
import re
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from extractors.configs import LexicalRelationConfig
from extractors.doc_relations import evidence_span
from extractors.models import data_hash, read_card, write_card
from extractors.relations import _concepts, _type
from extractors.text import split_sentences
from kg.errors import ConfigError
from kg.types import Document, Relation

log = logging.getLogger(__name__)

KIND = "re-lexical"
WEIGHTS = "lexical_weights.npz"
VOCABULARY = "lexical_vocabulary.json"
NONE = "None"
# The order a relation's two concepts are written in: a chemical or gene before what it acts on.
_TYPE_ORDER = {t: k for k, t in enumerate(("Chemical", "Gene", "Variant", "Species", "CellLine", "Disease"))}
_WORD = re.compile(r"SUBJ|OBJ|E[A-Z]{4}|[a-z0-9]+")
_THRESHOLDS = tuple(round(0.025 * k, 3) for k in range(4, 29))  # 0.100 ... 0.700
# The version of the pair description (``_Reader.features``), kept on the model's card: a model
# fitted on an older one still loads and predicts as it did (its vocabulary ignores the new
# tokens), and `medkg run` fits one of this version beside it (``flows.train.outdated``).
FEATURES = 2
# Cue words by kind, by their first letters (every inflection: "inhibit", "inhibited",
# "inhibition"); a negation is a whole word. Written once from BioRED's guidelines (a rise or a
# fall of one concept with the other, or an association), not tuned word by word: the kinds
# between the pair scored pair + type F1 52.96 -> 54.35 in grouped 5-fold cross-validation on
# BioRED train (BENCHMARKS.md, session 42).
_CUES = (
    ("NEG", re.compile(r"(?:not|no|neither|nor|without|lack|absence|unrelated|independent)$")),
    (
        "UP",
        re.compile(
            r"increas|induc|elevat|promot|activat|upregul|enhanc|stimul|augment|exacerbat|aggravat|caus|"
            r"trigger|provok|potentiat|accelerat|rais|higher|high|overexpress|gain"
        ),
    ),
    (
        "DOWN",
        re.compile(
            r"decreas|reduc|inhibit|suppress|attenuat|prevent|treat|therap|protect|amelior|alleviat|block|lower|"
            r"diminish|abolish|downregul|antagon|rescu|revers|improv|relie|decline|loss|deplet|impair|"
            r"resist|efficac|effective|benefi|cure|control"
        ),
    ),
    ("ASSOC", re.compile(r"associat|correlat|relat|link|risk|mutat|variant|polymorph|allele|genotyp|carrier")),
)


def _cue(word: str) -> str | None:
    """The kind of cue ``word`` is (``_CUES``, the first that matches), or None."""
    return next((kind for kind, pattern in _CUES if pattern.match(word)), None)


class _Reader:
    """One document's sentences, mentions and concepts, read once for all its pairs."""

    def __init__(self, doc: Document) -> None:
        self.sentences = split_sentences(doc.text) or [(0, len(doc.text))]
        starts = [a for a, _ in self.sentences]
        self.types: dict[str, str] = {}
        self.where: dict[str, set[int]] = defaultdict(set)
        self.count: Counter[str] = Counter()
        # per sentence its words, each mention one item: (its concepts, its type's placeholder)
        words: list[list[tuple[frozenset[str], str] | str]] = [[] for _ in self.sentences]
        cursor = [a for a, _ in self.sentences]
        for m in sorted(doc.mentions, key=lambda m: (m.start, -m.end)):
            concepts = _concepts(m)
            k = max(bisect_right(starts, m.start) - 1, 0)
            if m.start < cursor[k]:  # nested in the previous mention
                continue
            words[k].extend(_WORD.findall(doc.text[cursor[k] : m.start].lower()))
            label = _type(m)
            words[k].append((frozenset(concepts), "E" + label[:4].upper()))
            cursor[k] = m.end
            for c in concepts:
                self.types.setdefault(c, label)
                self.where[c].add(k)
                self.count[c] += 1
        for k, (_, b) in enumerate(self.sentences):
            words[k].extend(_WORD.findall(doc.text[cursor[k] : b].lower()))
        self.words = words
        ranks: dict[str, list[int]] = defaultdict(list)
        for c, n in self.count.items():
            ranks[self.types[c]].append(n)
        self.rank = {c: sorted(ranks[self.types[c]], reverse=True).index(n) for c, n in self.count.items()}

    def _masked(self, k: int, s: str, o: str) -> list[str]:
        return [
            w if isinstance(w, str) else "SUBJ" if s in w[0] else "OBJ" if o in w[0] else w[1] for w in self.words[k]
        ]

    def type_pair(self, s: str, o: str) -> tuple[str, str]:
        a, b = sorted((self.types[s], self.types[o]))
        return a, b

    def features(self, s: str, o: str) -> str:
        """The pair's description as space-separated tokens (the vectorizer splits on spaces)."""
        ss, so = self.where[s], self.where[o]
        both = sorted(ss & so)
        tp = "__".join(self.type_pair(s, o))
        toks = [f"TP_{tp}"]
        read = both
        if not both:  # the two closest sentences, one naming each: every sentence naming either made a
            # long article's frequent concepts quadratic, and scored 0.9 less in cross-validation
            gap, a, b = min((abs(a - b), a, b) for a in ss for b in so)
            toks += ["NOCOOC", f"DIST_{min(gap, 4)}"]
            read = sorted((a, b))
        words = [w for k in read for w in self._masked(k, s, o)]
        toks += [f"{tp}_{w}" for w in words]
        toks += words
        cues: list[str] = []  # last: the n-grams of the tokens before stay those of version 1
        for k in both:
            ws = self._masked(k, s, o)
            spots = [i for i, w in enumerate(ws) if w in ("SUBJ", "OBJ")]
            closest = min(((abs(p - q), p, q) for p in spots for q in spots if ws[p] != ws[q]), default=None)
            if closest is None:
                continue
            _, p, q = closest
            lo, hi = min(p, q), max(p, q)
            toks += ["BTW_" + w for w in ws[lo + 1 : hi]]
            kinds = [c for c in map(_cue, ws[lo + 1 : hi]) if c]
            cues += [f"CUE_BTW_{c}" for c in kinds] + [f"{tp}_CUE_BTW_{c}" for c in kinds]
            toks += ["L_" + w for w in ws[max(0, lo - 3) : lo]] + ["R_" + w for w in ws[hi + 1 : hi + 4]]
            toks.append(f"GAP_{min(hi - lo, 20) // 5}")
        n = len(self.sentences)  # quarters of the text: results and conclusions come last
        toks.append(f"LASTQ_{min(4 * max(ss | so) // n, 3)}")
        toks += [f"POSQ_{min(4 * k // n, 3)}" for k in both]
        shared = min(len(both), 3)
        title = f"{int(0 in ss)}{int(0 in so)}"
        rank = f"{min(self.rank[s], 3)}_{min(self.rank[o], 3)}"
        toks += [f"NS_{shared}", f"{tp}_NS_{shared}", f"TITLE_{title}", f"{tp}_TITLE_{title}"]
        toks += [f"NM_{min(self.count[s], 4)}_{min(self.count[o], 4)}", f"RANK_{rank}", f"{tp}_RANK_{rank}"]
        return " ".join(toks + cues)

    def pairs(self, allowed: set[tuple[str, str]]) -> list[tuple[str, str]]:
        """Candidate pairs (each once, in ``_TYPE_ORDER``) whose type pair is ``allowed``."""
        concepts = sorted(self.types, key=lambda c: (_TYPE_ORDER.get(self.types[c], 99), c))
        return [
            (a, b)
            for i, a in enumerate(concepts)
            for b in concepts[i + 1 :]
            if a != b and self.type_pair(a, b) in allowed
        ]


def _vectorizer(config: LexicalRelationConfig, vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, config.ngram_max),
        min_df=1 if vocabulary else config.min_df,
        sublinear_tf=True,
        token_pattern=r"\S+",
        lowercase=False,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


class LexicalRelationModel:
    """A trained lexical relation model; ``predict`` replaces documents' relations with its own."""

    kind = KIND
    _symmetric = True  # a pair is unordered (``relations.pair_scores`` compares it so)

    def __init__(
        self,
        vectorizer: Any,
        coef: np.ndarray,
        intercept: np.ndarray,
        labels: list[str],
        type_pairs: Sequence[Sequence[str]],
        threshold: float,
        card: dict[str, Any] | None = None,
        novelty: tuple[np.ndarray, float] | None = None,
    ) -> None:
        self.vectorizer = vectorizer
        self.coef = coef  # [labels, features]
        self.intercept = intercept
        # P(novel) of a relation: weights over [features, one-hot of its type (labels[1:])], intercept
        self.novelty = novelty
        self.labels = labels  # labels[0] is None
        self.type_pairs = {(str(a), str(b)) for a, b in type_pairs}
        self.threshold = threshold
        self.card = card or {}

    def score(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Label probabilities (``labels`` order) of pair descriptions (``_Reader.features``) and
        the probability that the relation of the most probable type is novel (0.5 without a
        novelty model)."""
        if not texts:
            return np.zeros((0, len(self.labels))), np.zeros(0)
        x = self.vectorizer.transform(texts)
        p = _softmax(np.asarray(x @ self.coef.T) + self.intercept)
        novel = np.full(len(texts), 0.5)
        if self.novelty is not None:
            novel = _sigmoid(
                _with_types(x, p[:, 1:].argmax(axis=1), len(self.labels) - 1) @ self.novelty[0] + self.novelty[1]
            )
        return p, novel

    def _scored(self, docs: Sequence[Document]) -> list[tuple[_Reader, list[tuple[str, str]], np.ndarray, np.ndarray]]:
        """Per document its reader, candidate pairs, and their ``score``s, all pairs in one batch."""
        readers = [_Reader(d) for d in docs]
        pairs = [r.pairs(self.type_pairs) for r in readers]
        p, novel = self.score([r.features(s, o) for r, ps in zip(readers, pairs, strict=True) for s, o in ps])
        out, at = [], 0
        for reader, ps in zip(readers, pairs, strict=True):
            out.append((reader, ps, p[at : at + len(ps)], novel[at : at + len(ps)]))
            at += len(ps)
        return out

    def probabilities(self, docs: Sequence[Document]) -> list[tuple[list[tuple[str, str]], np.ndarray]]:
        """Each document's candidate pairs and their label probabilities (``labels`` order)."""
        return [(pairs, probs) for _, pairs, probs, _ in self._scored(docs)]

    def decide(
        self, pairs: Sequence[tuple[str, str]], probs: np.ndarray, threshold: float
    ) -> list[tuple[int, str, str, str, float]]:
        """(row, subject, predicate, object, probability of being related) of the pairs related at ``threshold``."""
        out = []
        for k, ((s, o), row) in enumerate(zip(pairs, probs, strict=True)):
            related = 1.0 - float(row[0])
            if related >= threshold:
                out.append((k, s, self.labels[int(row[1:].argmax()) + 1], o, related))
        return out

    def predict(self, docs: Sequence[Document], threshold: float | None = None) -> list[Document]:
        """The documents with their relations replaced by the model's (evidence: the sentences
        from one concept's mention to the other's, as ``doc_relations.evidence_span``; ``novel``:
        whether the abstract reports the relation as its own finding, BioRED's novelty, when
        the model has a novelty part)."""
        cut = self.threshold if threshold is None else threshold
        out = []
        for doc, (reader, pairs, probs, novel) in zip(docs, self._scored(docs), strict=True):
            relations = [
                Relation(
                    s,
                    p,
                    o,
                    score=round(score, 4),
                    novel=bool(novel[k] >= 0.5) if self.novelty is not None else None,
                    span=evidence_span(doc, reader.sentences, s, o),
                )
                for k, s, p, o, score in self.decide(pairs, probs, cut)
            ]
            out.append(replace(doc, relations=tuple(relations)))
        return out

    # -- artifact ------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        vocabulary = {term: int(i) for term, i in self.vectorizer.vocabulary_.items()}
        (folder / VOCABULARY).write_text(json.dumps(vocabulary))
        arrays: dict[str, np.ndarray] = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
            "idf": np.asarray(self.vectorizer.idf_, dtype=np.float32),
        }
        if self.novelty is not None:
            arrays["novelty_coef"] = self.novelty[0].astype(np.float32)
            arrays["novelty_intercept"] = np.asarray([self.novelty[1]], dtype=np.float32)
        np.savez_compressed(folder / WEIGHTS, **arrays)  # type: ignore[arg-type]  # numpy's stub: keywords are arrays
        write_card(
            folder,
            {
                **self.card,
                "task": KIND,
                "labels": self.labels,
                "type_pairs": sorted(list(p) for p in self.type_pairs),
                "threshold": self.threshold,
            },
        )

    @classmethod
    def load(cls, folder: str | Path) -> LexicalRelationModel:
        folder = Path(folder)
        card = read_card(folder)
        try:
            config = LexicalRelationConfig.model_validate(card.get("config") or {})
            vectorizer = _vectorizer(config, vocabulary=json.loads((folder / VOCABULARY).read_text()))
            with np.load(folder / WEIGHTS, allow_pickle=False) as weights:
                vectorizer.idf_ = weights["idf"].astype(np.float64)
                coef, intercept = weights["coef"], weights["intercept"]
                novelty = (
                    (weights["novelty_coef"], float(weights["novelty_intercept"][0]))
                    if "novelty_coef" in weights.files
                    else None
                )
            return cls(
                vectorizer, coef, intercept, list(card["labels"]), card["type_pairs"], card["threshold"], card, novelty
            )
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{folder}: not a readable lexical relation model ({e}); train it again") from None


def _softmax(z: np.ndarray) -> np.ndarray:
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(p / p.sum(axis=1, keepdims=True))


def _sigmoid(z: Any) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z).ravel())))


def _with_types(x: Any, types: np.ndarray, n_types: int) -> Any:
    """The TF-IDF rows ``x`` with a one-hot column block of each row's relation type (index into
    ``labels[1:]``): what the novelty part reads."""
    from scipy.sparse import csr_matrix, hstack

    onehot = csr_matrix((np.ones(len(types)), (np.arange(len(types)), types)), shape=(len(types), n_types))
    return hstack([x, onehot]).tocsr()


# -- training ---------------------------------------------------------------------------------


@dataclass
class _Labelled:
    """Every candidate pair of some documents: features, label (``None`` when unrelated), BioRED's
    novelty flag of a related pair, document; and how many annotated relations the documents hold
    (the recall denominator: a pair whose ids no mention has counts as missed, as BioCreative VIII
    scores it)."""

    texts: list[str]
    labels: list[str]
    novel: list[bool | None]
    groups: list[str]
    gold: int


def _labelled(docs: Sequence[Document], allowed: set[tuple[str, str]]) -> _Labelled:
    out = _Labelled([], [], [], [], 0)
    for d in docs:
        gold = {frozenset((r.subject, r.object)): r for r in d.relations}
        out.gold += len(gold)
        reader = _Reader(d)
        for s, o in reader.pairs(allowed):
            found = gold.get(frozenset((s, o)))
            out.texts.append(reader.features(s, o))
            out.labels.append(found.predicate if found else NONE)
            out.novel.append(found.novel if found else None)
            out.groups.append(d.doc_id)
    return out


def _type_pairs(docs: Sequence[Document]) -> set[tuple[str, str]]:
    """The (sorted) type pairs the annotated relations of ``docs`` join."""
    out = set()
    for d in docs:
        types = {c: _type(m) for m in d.mentions for c in _concepts(m)}
        for r in d.relations:
            if r.subject in types and r.object in types:
                a, b = sorted((types[r.subject], types[r.object]))
                out.add((a, b))
    return out


def _fit(texts: Sequence[str], labels: Sequence[str], config: LexicalRelationConfig) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer(config)
    x = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=config.c, max_iter=config.max_iter, random_state=config.seed).fit(x, labels)
    return vectorizer, model


def _scores(
    labels: Sequence[str],
    probs: np.ndarray,
    classes: list[str],
    threshold: float,
    gold: int,
    novel: tuple[Sequence[bool | None], np.ndarray] | None = None,
) -> dict[str, Any]:
    """Pair, pair + type and, given ``novel`` (the gold flags and the predicted ones), pair + type
    + novelty P/R/F1 of ``probs`` (columns ``classes``, ``None`` first) at ``threshold``."""
    y = np.asarray(labels)
    related = 1.0 - probs[:, 0]
    chosen = np.asarray(classes)[probs[:, 1:].argmax(axis=1) + 1]
    picked = related >= threshold
    hits = {"pair": picked & (y != NONE)}
    hits["pair_type"] = hits["pair"] & (chosen == y)
    if novel is not None:
        hits["pair_type_novelty"] = hits["pair_type"] & (np.asarray(novel[0], dtype=object) == novel[1])
    n = int(picked.sum())

    def prf(found: int) -> dict[str, float | int]:
        p, r = found / n if n else 0.0, found / gold if gold else 0.0
        return {
            "precision": round(100 * p, 2),
            "recall": round(100 * r, 2),
            "f1": round(100 * (2 * p * r / (p + r) if p + r else 0.0), 2),
            "tp": found,
            "fp": n - found,
            "fn": gold - found,
        }

    return {name: prf(int(h.sum())) for name, h in hits.items()}


def _fit_novelty(
    vectorizer: Any, data: _Labelled, names: list[str], config: LexicalRelationConfig
) -> tuple[np.ndarray, float] | None:
    """BioRED's novelty (the abstract reports the relation as its own finding, not background)
    as a logistic regression over a related pair's features and its type; None when the
    training relations carry no novelty flags (BC5CDR)."""
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, flag in enumerate(data.novel) if flag is not None]
    flags = [bool(data.novel[i]) for i in rows]
    if len(set(flags)) < 2:
        return None
    types = np.asarray([names.index(data.labels[i]) - 1 for i in rows])
    x = _with_types(vectorizer.transform([data.texts[i] for i in rows]), types, len(names) - 1)
    model = LogisticRegression(C=config.novelty_c, max_iter=config.max_iter, random_state=config.seed).fit(x, flags)
    return model.coef_.ravel(), float(model.intercept_[0])


def _ordered(model: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The fitted model's labels with None first, and its coefficients and intercepts in that order."""
    classes = [str(c) for c in model.classes_]
    coef, intercept = model.coef_, model.intercept_
    if len(classes) == 2:  # one row: the second class's logit against the first's 0 (a softmax over both)
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    order = [classes.index(NONE)] + [i for i, c in enumerate(classes) if c != NONE]
    return [classes[i] for i in order], coef[order], intercept[order]


def train_lexical_relations(
    train_docs: Sequence[Document],
    dev_docs: Sequence[Document],
    out: str | Path,
    config: LexicalRelationConfig | None = None,
    *,
    data_files: Sequence[Path] = (),
    progress: bool = True,
) -> dict[str, Any]:
    """Fit the model on ``train_docs``, choose its threshold by grouped cross-validation on them,
    score it on ``dev_docs`` (gold entities; the card's ``metrics.dev`` is pair + type F1, as the
    document-level model's) and save it to ``out``; returns the card."""
    from joblib import Parallel, cpu_count, delayed, parallel_config
    from sklearn.model_selection import GroupKFold

    config = config or LexicalRelationConfig()
    started = time.perf_counter()
    allowed = _type_pairs(train_docs)
    if not allowed:
        raise ConfigError("the lexical relation model needs training documents with annotated relations")
    data = _labelled(train_docs, allowed)
    texts, labels, groups = data.texts, data.labels, data.groups
    if len(set(groups)) < config.folds or len(set(labels)) < 2:
        raise ConfigError(
            f"the lexical relation model needs at least {config.folds} documents with relations "
            f"(got {len(set(groups))} documents, {len(texts)} candidate pairs)"
        )
    say = log.info if progress else log.debug
    say(
        "lexical relations: %d candidate pairs in %d documents, %d-fold cross-validation",
        len(texts),
        len(set(groups)),
        config.folds,
    )
    classes = sorted(set(labels) - {NONE})
    oof = np.zeros((len(texts), len(classes) + 1))
    folds = list(GroupKFold(config.folds).split(texts, labels, groups))
    bar = tqdm(total=config.folds + 1, desc="lexical relations (folds and all)", unit=" fits", disable=not progress)
    # The folds' fits and the final one are independent solves: worker processes, one per core,
    # run them side by side (joblib; 1.6x faster on 2 cores), each with one BLAS thread, so that
    # the solver's arithmetic is the same however many cores a machine has.
    with parallel_config(backend="loky", inner_max_num_threads=1):
        fits = Parallel(n_jobs=min(len(folds) + 1, cpu_count()), return_as="generator")(
            delayed(_fit)([texts[i] for i in rows], [labels[i] for i in rows], config)
            for rows in [*(fit_on for fit_on, _ in folds), range(len(texts))]
        )
        for (_, held), (vectorizer, model) in zip(folds, fits, strict=False):
            names, coef, intercept = _ordered(model)
            p = _softmax(np.asarray(vectorizer.transform([texts[i] for i in held]) @ coef.T) + intercept)
            for j, name in enumerate(names):  # a fold may lack a rare label
                oof[held, ([NONE, *classes]).index(name)] = p[:, j]
            bar.update()
        vectorizer, model = next(fits)
    bar.update()
    bar.close()
    cv = {t: _scores(labels, oof, [NONE, *classes], t, data.gold) for t in _THRESHOLDS}
    threshold = max(_THRESHOLDS, key=lambda t: (cv[t]["pair_type"]["f1"], cv[t]["pair"]["f1"]))
    names, coef, intercept = _ordered(model)
    card: dict[str, Any] = {
        "task": KIND,
        "architecture": "lexical",
        "features": FEATURES,
        "base_model": None,
        "config": config.model_dump(),
        "cross_validation": {"threshold": threshold, **cv[threshold]},
        "pairs": {"train_documents": len(set(groups)), "train_pairs": len(texts), "train_relations": data.gold},
        "data_hash": data_hash(list(data_files)) if data_files else None,
    }
    novelty = _fit_novelty(vectorizer, data, names, config)
    lexical = LexicalRelationModel(vectorizer, coef, intercept, names, sorted(allowed), threshold, card, novelty)
    if dev_docs:
        dev_data = _labelled(dev_docs, allowed)
        probs, novel = lexical.score(dev_data.texts)
        dev = _scores(
            dev_data.labels, probs, names, threshold, dev_data.gold, (dev_data.novel, novel >= 0.5) if novelty else None
        )
        card["metrics"] = {"dev": dev["pair_type"], "dev_pair": dev["pair"]}
        if "pair_type_novelty" in dev:
            card["metrics"]["dev_pair_type_novelty"] = dev["pair_type_novelty"]
    card["stopped_by"] = "done"
    card["train_minutes"] = round((time.perf_counter() - started) / 60, 2)
    lexical.card = card
    lexical.save(Path(out))
    say("lexical relations: threshold %.3f; dev %s", threshold, card.get("metrics"))
    return read_card(Path(out))
