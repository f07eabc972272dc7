"""A second reader for ``causes``: does the evidence sentence state that the chemical raises the disease?

BC5CDR's CID model learned from abstracts chosen for drug-induced diseases. On general literature it
links chemical-disease co-mentions whose sentence states no cause (adverse events of another trial
arm, outcome measures, "without urinary retention"), and most ``CAUSES`` edges of the audited MEDLINE
graph were such pairs (``docs/audit``). This check reads the pair's evidence span (the sentences
from one mention to the other, ``doc_relations.evidence_span``) with the two concepts masked, and
keeps ``causes`` only where a classifier trained on two corpora finds a stated increase:

- BioRED train (general PubMed abstracts): a chemical-disease pair is positive when annotated
  ``Positive_Correlation``; ``Negative_Correlation`` (treatments), ``Association`` and unannotated
  co-mentions are negative;
- BC5CDR train: positive when annotated CID, every other co-mentioned pair negative.

The classifier is scikit-learn's TF-IDF (words and word pairs) and logistic regression, trained
in seconds on any CPU and saved as JSON (no pickle). Its threshold is the one that maximizes F1
over grouped 5-fold cross-validation predictions on the training pairs (never a dev split). A
``causes`` relation below it becomes ``Association`` (the graph's ``ASSOCIATED_WITH``): the pair
the relation model found stays queryable, without a causal claim the text does not make.

Where BioRED's relation model ran too, a cause also needs it to relate the pair as a
Positive_Correlation, and the classifier's cut is then ``AGREED_THRESHOLD`` (``CauseCheck.apply``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from extractors.doc_relations import evidence_span
from extractors.models import data_hash
from extractors.relations import _concepts
from extractors.text import split_sentences
from kg.errors import ConfigError
from kg.schema import entity_type, predicate
from kg.text import CAUSE_WORDING_AFTER, coordinated
from kg.types import Document, Mention

FORMAT = 3
CAUSES = predicate("CID").curie
DEMOTED = "Association"  # biolink:associated_with
CORRELATED = predicate("Positive_Correlation").curie
# The check's cut where BioRED's model must also say Positive_Correlation (``CauseCheck.apply``'s
# agreement): two readers that must agree can each be looser. Grouped cross-validation over BC5CDR
# train's pairs (the check's out-of-fold probabilities; BioRED's model, never trained there) puts
# the best F1 of "check and agreement" at 0.29, on a plateau from 0.25 to 0.4, against 0.45 for the
# check alone (``bench/cause_agreement.py``; BENCHMARKS.md, session 53).
AGREED_THRESHOLD = 0.29
# What the masked text says in place of each mention inside the evidence span; "other cause": another
# chemical with the cause wording that follows it ("fentanyl-induced" in "propofol to suppress
# fentanyl-induced cough"), so that its "induced" does not read as the pair's (cross-validated F1
# of the check on its training pairs 55.93 -> 57.03; BENCHMARKS.md, session 29).
_MASKS = {
    "subject": " CHEMX ",
    "object": " DISEASEX ",
    "Chemical": " OTHERCHEM ",
    "Disease": " OTHERDIS ",
    "other cause": " OTHERCAUSE ",
}


@dataclass(frozen=True)
class CauseCheckConfig:
    """The classifier's settings (fixed before the cross-validation that picks the threshold)."""

    ngram_max: int = 2
    min_df: int = 2
    c: float = 3.0  # inverse regularization strength of the logistic regression
    folds: int = 5


@dataclass(frozen=True)
class LabelledPairs:
    """Chemical-disease pairs of an annotated corpus: masked evidence texts, labels (1: the corpus
    says the chemical raises the disease) and the document of each (cross-validation groups)."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (chemical, disease) of each text


def pair_text(doc: Document, sentences: Sequence[tuple[int, int]], subject: str, obj: str) -> str | None:
    """The evidence span of ``subject`` -> ``obj`` with their mentions masked (and other chemicals
    and diseases as such), led by how many sentences it covers; None when either has no mention."""
    span = evidence_span(doc, sentences, subject, obj)
    if span is None:
        return None
    a, b = span
    inside = [m for m in doc.mentions if m.start >= a and m.end <= b]
    own = [m for m in inside if subject in _concepts(m)]
    marks = []
    for m in inside:
        concepts = _concepts(m)
        kind = "subject" if subject in concepts else "object" if obj in concepts else entity_type(m.label).label
        if kind in _MASKS:
            end, mask = m.end, _MASKS[kind]
            after = CAUSE_WORDING_AFTER.match(doc.text, m.end, b) if kind == "Chemical" else None
            if after and not any(coordinated(doc, o, m) for o in own):
                end, mask = after.end(), _MASKS["other cause"]
            marks.append((m.start, end, mask))
    parts, pos = [], a
    for start, end, mask in sorted(marks):
        if start >= pos:
            parts += [doc.text[pos:start], mask]
            pos = end
    parts.append(doc.text[pos:b])
    n = sum(1 for s, e in sentences if s >= a and e <= b)
    return _with_between(f"NSENT{min(max(n, 1), 3)} " + " ".join("".join(parts).split()))


_BETWEEN = re.compile(r"(CHEMX|DISEASEX)(.*?)(CHEMX|DISEASEX)")
# A chemical named only as what something resists, depends on or responds to: "methicillin-resistant
# Staphylococcus aureus keratitis", "insulin-dependent diabetes", "steroid-sensitive nephrotic
# syndrome". No exposure is stated: in BC5CDR and BioRED train+dev, the 32 chemical-disease pairs
# whose chemical is named only so hold no CID or Positive_Correlation (`bench/qualifiers.py`).
_QUALIFIER = re.compile(
    r"[\s-]*(?:resistan(?:t|ce)|sensitive|susceptible|dependent|refractory|responsive|unresponsive"
    r"|naive|naïve|tolerant|intolerant)\b",
    re.IGNORECASE,
)


def named_only_as_qualifier(doc: Document, chemical: str) -> bool:
    """Every mention of ``chemical`` in ``doc`` is followed by a qualifier word (``_QUALIFIER``)."""
    ends = [m.end for m in doc.mentions if chemical in _concepts(m)]
    return bool(ends) and all(_QUALIFIER.match(doc.text, end) for end in ends)


# A chemical named only as a measured level: "low HDL-cholesterol", "serum creatinine >2.5 mg/dl",
# "blood glucose, triglycerides and cholesterol levels were measured". A list of chemicals shares
# the words before its first item and after its last. The level is a finding, not an exposure.
_LEVEL_BEFORE = re.compile(
    r"\b(?:low|lower|high|higher|elevated|raised|reduced|decreased|increased|serum|plasma|blood|urinary|urine"
    r"|fasting)\s+(?:(?!(?:of|doses?|amounts?|with|in|to|for|by|\w+ing|\w+ed)\b)\w+[\s-]+){0,2}$",
    re.IGNORECASE,
)
_LEVEL_AFTER = re.compile(
    r"\s*\)?\s*(?:\([^()]{1,20}\)\s*)?-?\s*(?:levels?|concentrations?|excretion|values?|clearance)\b", re.IGNORECASE
)
_EXPOSURE_AFTER = re.compile(
    r"[\s-]*(?:induced|diets?|intake|supplement\w*|administration|treatment|exposure|load|infusion|injection"
    r"|challenge|loading)\b",
    re.IGNORECASE,
)
_LIST_NEXT = re.compile(r"\s*\(\s*|\s*(?:\([^()]{1,20}\)\s*)?(?:,\s*(?:and|or)?|and/or|and|or)\s+(?:\w+[\s-]+){0,3}")
# A chemical named inside the name of a trial, programme or body: "National Cholesterol Education
# Program", "Multicenter Canadian Azidothymidine Trial".
_NAME_AFTER = re.compile(
    r"(?:[\s/-]+(?:[A-Z][\w'-]*|and|of|for|on|in|the|&)){0,5}?[\s/-]+(?:Program(?:me)?|Panel|Society|Association"
    r"|Institute|Foundation|Committee|Study|Trial|Group|Initiative|Survey|Consortium|Network|Agency|Council"
    r"|Organi[sz]ation|Collaboration|Registry|Project)\b"
)


def _list_around(mentions: Sequence[Mention], i: int, text: str) -> tuple[Mention, Mention]:
    """The first and last chemical mention of the list ``mentions[i]`` is an item of (itself alone
    when it is in none): neighbours joined by a comma, "and", "or" or an abbreviation in brackets."""
    first = last = i
    while first > 0 and _LIST_NEXT.fullmatch(text, mentions[first - 1].end, mentions[first].start):
        first -= 1
    while last + 1 < len(mentions) and _LIST_NEXT.fullmatch(text, mentions[last].end, mentions[last + 1].start):
        last += 1
    return mentions[first], mentions[last]


def named_without_exposure(doc: Document, chemical: str) -> bool:
    """Every mention of ``chemical`` in ``doc`` names it as a qualifier (``_QUALIFIER``), a measured
    level (``_LEVEL_BEFORE``/``_LEVEL_AFTER`` around its list, and no exposure word after it) or
    inside the name of a trial or body (``_NAME_AFTER``): the text never says anyone was exposed."""
    chemicals = sorted((m for m in doc.mentions if entity_type(m.label).label == "Chemical"), key=lambda m: m.start)
    own = [i for i, m in enumerate(chemicals) if chemical in _concepts(m)]
    if not own:
        return False
    for i in own:
        m = chemicals[i]
        if _QUALIFIER.match(doc.text, m.end):
            continue
        if m.text[:1].isupper() and _NAME_AFTER.match(doc.text, m.end):
            continue
        first, last = _list_around(chemicals, i, doc.text)
        level = _LEVEL_BEFORE.search(doc.text[max(0, first.start - 30) : first.start]) or _LEVEL_AFTER.match(
            doc.text, last.end
        )
        if level and not _EXPOSURE_AFTER.match(doc.text, m.end):
            continue
        return False
    return True


# The evidence denies the link: "CHEMX ... was not associated with DISEASEX", "no association
# between CHEMX and DISEASEX", "CHEMX did not cause DISEASEX". Read between the two concepts, after
# the last contrast ("was not associated with colorectal cancer, but was related to melanoma"
# denies nothing about melanoma). On the annotated chemical-disease pairs of BC5CDR and BioRED
# train+dev it marks 4 of 2,050 CID pairs, 1 of 511 Positive_Correlation pairs and 57 of 11,788
# other pairs (BENCHMARKS.md, session 25).
_DENIAL = re.compile(
    r"\bnot\s+(?:\w+\s+){0,2}(?:associated|related|linked|correlated|caused|induced)\b"
    r"|\b(?:no|nor|neither|without)\s+(?:\w+\s+){0,2}(?:association|relationship|correlation|link|increased?\s+risk)\b"
    r"|\bdid\s+not\s+(?:cause|induce|increase)\b",
    re.IGNORECASE,
)
_PAIR_MARK = re.compile(r"CHEMX|DISEASEX")
_CONTRAST = re.compile(r"\b(?:but|whereas|while|however|although|yet)\b|;", re.IGNORECASE)
_DENIAL_BEFORE = re.compile(
    r"\bno\s+(?:\w+\s+){0,2}(?:association|relationship|correlation|link)\s+(?:between|of)\s*$", re.IGNORECASE
)


def denies_link(text: str) -> bool:
    """A masked pair text (``pair_text``) whose words between the closest mentions of the two
    concepts, after the last contrast, deny a link between them (``_DENIAL``), or that opens with
    "no association between" before them."""
    marks = list(_PAIR_MARK.finditer(text))
    gaps = [(b.start() - a.end(), a, b) for a, b in pairwise(marks) if a.group() != b.group()]
    if not gaps:
        return False
    _, a, b = min(gaps, key=lambda g: g[0])
    if _DENIAL.search(_CONTRAST.split(text[a.end() : b.start()])[-1]):
        return True
    return bool(_DENIAL_BEFORE.search(" ".join(text[: a.start()].split()[-8:])))


# An exclusion criterion: "Patients with a history of long-term use or allergy to melatonin were
# excluded" names a pair no patient of the study had. Read where the pair's evidence is that one
# sentence: on the annotated chemical-disease pairs of BC5CDR and BioRED train+dev it marks none of
# the 2,561 CID and Positive_Correlation pairs and 7 of the others (BENCHMARKS.md, session 44).
_EXCLUSION = re.compile(
    r"\b(?:were|was|are|is|being|been)\s+excluded\b|\bexclusion\s+criteri\w+|\bineligible\b|\bnot\s+eligible\b",
    re.IGNORECASE,
)


def states_exclusion(text: str) -> bool:
    """A masked pair text (``pair_text``) of one sentence that states who was excluded from a study."""
    return text.startswith("NSENT1 ") and bool(_EXCLUSION.search(text))


def _with_between(text: str) -> str:
    """``text`` and, as features of their own, the words between the first two masked concepts,
    their order and how many there are (cross-validated AP on the training pairs 0.539 -> 0.560)."""
    found = _BETWEEN.search(text)
    words = found.group(2).split() if found else []
    order = "CD" if found and found.group(1) == "CHEMX" else "DC"
    tagged = " ".join("b_" + re.sub(r"\W", "", w.lower()) for w in words[:20])
    return f"{text} ORDER{order} NBETWEEN{min(len(words) // 3, 8)} {tagged}"


def labelled_pairs(docs: Iterable[Document], positive: set[str]) -> LabelledPairs:
    """Every chemical-disease pair of each document with a mention of both, labelled 1 when one of
    its annotated relation types is in ``positive``."""
    out = LabelledPairs()
    for doc in docs:
        sentences = split_sentences(doc.text) or [(0, len(doc.text))]
        concepts: dict[str, set[str]] = {"Chemical": set(), "Disease": set()}
        for m in doc.mentions:
            label = entity_type(m.label).label
            if label in concepts:
                concepts[label].update(_concepts(m))
        annotated: dict[frozenset[str], set[str]] = {}
        for r in doc.relations:
            annotated.setdefault(frozenset((r.subject, r.object)), set()).add(r.predicate)
        for c in sorted(concepts["Chemical"]):
            for d in sorted(concepts["Disease"] - {c}):
                text = pair_text(doc, sentences, c, d)
                if text is not None:
                    out.texts.append(text)
                    out.labels.append(int(bool(annotated.get(frozenset((c, d)), set()) & positive)))
                    out.groups.append(doc.doc_id)
                    out.pairs.append((c, d))
    return out


class CauseCheck:
    """The trained check: ``probability`` of a stated cause for masked pair texts, ``apply`` to
    documents."""

    def __init__(self, vectorizer: Any, coef: np.ndarray, intercept: float, threshold: float, card: dict[str, Any]):
        self.vectorizer, self.coef, self.intercept = vectorizer, coef, intercept
        self.threshold, self.card = threshold, card
        # With a model of BioRED's types among the relation models: a cause stands only where that
        # model relates the pair as a Positive_Correlation too (``apply``'s ``correlated``).
        self.agreement = True

    def probability(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        z = np.asarray(self.vectorizer.transform(texts) @ self.coef).ravel() + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def apply(self, docs: Iterable[Document], *, correlated: bool = False) -> list[Document]:
        """The documents with each ``causes`` relation whose evidence does not state a cause, denies
        the link (``denies_link``) or is an exclusion criterion (``states_exclusion``), or whose
        chemical is named only as a qualifier, a measured level or inside a name
        (``named_without_exposure``), turned into ``Association`` (same pair, model score and
        evidence span).

        ``correlated``: the documents' relations include those of a model of BioRED's types
        (``extractors.ensemble.reads_correlations``). With ``agreement``, a cause that model does not
        also relate as a Positive_Correlation (BioRED's guidelines: a chemical that induces a
        disease) is an ``Association`` too: two models trained on different corpora must agree,
        and the check's own cut is then ``AGREED_THRESHOLD``, chosen by cross-validation for the
        two together (BENCHMARKS.md, session 53)."""
        out = []
        for doc in docs:
            causes = [i for i, r in enumerate(doc.relations) if predicate(r.predicate).curie == CAUSES]
            if not causes:
                out.append(doc)
                continue
            agreed = (
                {frozenset((r.subject, r.object)) for r in doc.relations if predicate(r.predicate).curie == CORRELATED}
                if correlated and self.agreement
                else None
            )
            sentences = split_sentences(doc.text) or [(0, len(doc.text))]
            texts = {i: pair_text(doc, sentences, doc.relations[i].subject, doc.relations[i].object) for i in causes}
            scored = [i for i in causes if texts[i] is not None]
            p = dict(zip(scored, self.probability([texts[i] or "" for i in scored]), strict=True))
            demoted = {
                i
                for i in causes
                if (i in p and p[i] < (self.threshold if agreed is None else AGREED_THRESHOLD))
                or named_without_exposure(doc, doc.relations[i].subject)
                or denies_link(texts[i] or "")
                or states_exclusion(texts[i] or "")
                or (agreed is not None and frozenset((doc.relations[i].subject, doc.relations[i].object)) not in agreed)
            }
            relations = tuple(replace(r, predicate=DEMOTED) if i in demoted else r for i, r in enumerate(doc.relations))
            out.append(replace(doc, relations=relations))
        return out

    def save(self, path: Path) -> None:
        vocabulary = {term: int(i) for term, i in self.vectorizer.vocabulary_.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two processes may train it at once
        tmp.write_text(
            json.dumps(
                {
                    "card": self.card,
                    "threshold": self.threshold,
                    "intercept": self.intercept,
                    "coef": [round(float(x), 6) for x in self.coef],
                    "idf": [round(float(x), 6) for x in self.vectorizer.idf_],
                    "vocabulary": vocabulary,
                }
            )
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> CauseCheck:
        try:
            raw = json.loads(Path(path).read_text())
            card = raw["card"]
            if card.get("format") != FORMAT:
                raise ConfigError(f"{path}: cause check format {card.get('format')}, this medkg reads {FORMAT}")
            vectorizer = _vectorizer(CauseCheckConfig(**card["config"]), vocabulary=raw["vocabulary"])
            vectorizer.idf_ = np.asarray(raw["idf"], dtype=np.float64)
            return cls(vectorizer, np.asarray(raw["coef"]), float(raw["intercept"]), float(raw["threshold"]), card)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{path}: not a readable cause check ({e}); delete it to train it again") from None


def _vectorizer(config: CauseCheckConfig, vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, config.ngram_max),
        min_df=1 if vocabulary else config.min_df,
        sublinear_tf=True,
        vocabulary=vocabulary,
        token_pattern=r"(?u)\b\w+\b",
    )


def _fit(texts: Sequence[str], labels: np.ndarray, config: CauseCheckConfig) -> tuple[Any, np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer(config)
    x = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=config.c, solver="liblinear", class_weight="balanced", random_state=0).fit(x, labels)
    return vectorizer, model.coef_.ravel(), float(model.intercept_[0])


def best_threshold(labels: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """The probability cut with the best F1 on (out-of-fold) predictions, and that F1."""
    order = np.argsort(-probs)
    tp = np.cumsum(labels[order])
    precision, recall = tp / np.arange(1, len(order) + 1), tp / max(int(labels.sum()), 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    best = int(np.argmax(f1))
    return float(probs[order][best]), float(f1[best])


def out_of_fold(
    texts: Sequence[str], labels: np.ndarray, groups: Sequence[str], config: CauseCheckConfig
) -> np.ndarray:
    """Each pair's probability from the check fitted on the other documents' pairs (grouped
    ``config.folds``-fold cross-validation)."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(texts))
    for train, held in GroupKFold(config.folds).split(texts, labels, groups):
        vectorizer, coef, intercept = _fit([texts[i] for i in train], labels[train], config)
        z = np.asarray(vectorizer.transform([texts[i] for i in held]) @ coef).ravel() + intercept
        oof[held] = 1.0 / (1.0 + np.exp(-z))
    return oof


def train_cause_check(
    corpora: Sequence[tuple[str, LabelledPairs]],
    config: CauseCheckConfig = CauseCheckConfig(),
    data_files: Sequence[Path] = (),
) -> CauseCheck:
    """Fit the check on the labelled pairs of every corpus (``name``, pairs); the threshold comes
    from grouped ``config.folds``-fold cross-validation over all of them."""
    texts = [t for _, p in corpora for t in p.texts]
    labels = np.asarray([y for _, p in corpora for y in p.labels])
    groups = [f"{name}:{g}" for name, p in corpora for g in p.groups]
    if len(set(labels.tolist())) < 2 or len(set(groups)) < config.folds:
        raise ConfigError(
            f"the cause check needs both labels and at least {config.folds} documents "
            f"(got {len(texts)} pairs, {int(labels.sum())} positive, {len(set(groups))} documents)"
        )
    threshold, f1 = best_threshold(labels, out_of_fold(texts, labels, groups, config))
    vectorizer, coef, intercept = _fit(texts, labels, config)
    card = {
        "task": "cause-check",
        "format": FORMAT,
        "config": asdict(config),
        "corpora": {name: {"pairs": len(p.labels), "positive": int(sum(p.labels))} for name, p in corpora},
        "cv_f1": round(100 * f1, 2),
        "threshold": round(threshold, 4),
        "training_data_sha256": data_hash(list(data_files)) if data_files else None,
    }
    return CauseCheck(vectorizer, coef, intercept, threshold, card)


# The corpora the check learns from: (layout name, relation types that say "the chemical raises the disease").
TRAINING_CORPORA = (("biored_train", frozenset({"Positive_Correlation"})), ("bc5cdr_train", frozenset({"CID"})))


def cause_check_path(cache_dir: Path, files: Sequence[Path]) -> Path:
    """Where the check trained on ``files`` is kept (named by their contents and the format)."""
    return cache_dir / f"cause-check-v{FORMAT}-{data_hash(list(files))[:16]}.json"


def load_or_train_cause_check(files: Sequence[tuple[str, Path, frozenset[str]]], cache_dir: Path) -> CauseCheck:
    """The check trained on ``files`` ((name, corpus file, positive relation types)), from
    ``cache_dir`` when it was trained before, else trained (about half a minute) and saved there
    first. Where the corpora are missing (a site with installed models), the newest check of this
    format in ``cache_dir`` (``medkg models install`` puts the packaged one there)."""
    from readers.documents import read_documents

    missing = [str(path) for _, path, _ in files if not path.is_file()]
    if missing:
        cached = sorted(cache_dir.glob(f"cause-check-v{FORMAT}-*.json"), key=lambda p: p.stat().st_mtime)
        if cached:
            return CauseCheck.load(cached[-1])
        raise ConfigError(
            f"the cause check trains on {', '.join(missing)}, which is missing; point MEDKG_DATA_DIR at the data "
            "folder, install a model package that carries one, or set MEDKG_CAUSE_CHECK=false to store every "
            "causes relation the model finds"
        )
    path = cause_check_path(cache_dir, [p for _, p, _ in files])
    if path.is_file():
        return CauseCheck.load(path)
    corpora = [(name, labelled_pairs(read_documents(p), set(positive))) for name, p, positive in files]
    check = train_cause_check(corpora, data_files=[p for _, p, _ in files])
    check.save(path)
    return check
