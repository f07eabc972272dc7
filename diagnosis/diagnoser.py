"""Case text in, ranked diagnoses with their graph evidence out; and the ranks that evaluation
scores for the three systems (phenotype overlap, text only, graph-augmented)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from diagnosis.context import Candidate, ContextBuilder, Finding, phenotypes_of
from diagnosis.descriptions import TEMPERATURE as DESCRIPTION_TEMPERATURE
from diagnosis.model import GraphRanker, TextClassifier, fuse

# A case with fewer present phenotypes than this names too little to rank thousands of diseases.
MIN_PHENOTYPES = 2
# The first diagnosis is confident when its calibrated probability reaches this.
MIN_CONFIDENCE = 0.5
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)


@dataclass
class Diagnosis:
    findings: list[Finding]
    diagnoses: list[Candidate]
    confident: bool = True
    note: str = ""  # why there is no confident diagnosis
    setting: str = "rare"  # where the patient is seen (diagnosis.graph.SETTINGS)

    def to_json(self, max_facts: int = 12) -> dict[str, Any]:
        """The shape of ``medkg diagnose --json`` and ``POST /v1/predict``."""
        return {
            "entities": [
                {
                    "start": f.start,
                    "end": f.end,
                    "text": f.text,
                    "curie": f.curie,
                    "name": f.name,
                    "category": f.category,
                    "source": f.source,
                    "negated": f.negated,
                }
                for f in self.findings
            ],
            "confident": self.confident,
            "note": self.note,
            "setting": self.setting,
            "diagnoses": [
                {
                    "curie": c.curie,
                    "name": c.name,
                    "score": round(c.score, 4),
                    "confidence": round(c.confidence, 4),
                    "phenotype_similarity": round(c.similarity, 4),
                    "description_similarity": (
                        round(c.description_similarity, 4) if c.description_similarity is not None else None
                    ),
                    "familiarity": round(c.familiarity, 4) if c.familiarity is not None else None,
                    "evidence": [
                        {
                            "fact": f.text,
                            "curies": list(f.curies),
                            "pmids": list(f.pmids),
                            "source": f.source,
                            "matches_case": f.matched,
                            "matched_through": f.through or None,
                        }
                        for f in c.facts[:max_facts]
                    ],
                }
                for c in self.diagnoses
            ],
        }


def described(candidates: Sequence[Candidate]) -> bool:
    """Whether the candidates were ranked with the diseases' descriptions (the general setting)."""
    return bool(candidates) and candidates[0].description_similarity is not None


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    if not len(scores):
        return np.zeros(0, dtype=np.float64)
    z = np.asarray(scores, dtype=np.float64) / max(temperature, 1e-6)
    z = np.exp(z - z.max())
    return z / z.sum()


def confident(probability: float, phenotypes: int, others: int = 0) -> tuple[bool, str]:
    """Whether a first diagnosis is worth stating, and if not, why (one sentence for the user)."""
    if phenotypes + others == 0:
        return False, "no confident diagnosis: the text names no phenotype the graph knows"
    if phenotypes < MIN_PHENOTYPES and others == 0:
        return False, f"no confident diagnosis: the text names {phenotypes} phenotype; describe more findings"
    if probability < MIN_CONFIDENCE:
        return (
            False,
            f"no confident diagnosis: the first candidate has probability {probability:.2f} (below {MIN_CONFIDENCE})",
        )
    return True, ""


def reranked(similarity: np.ndarray, weight: float, margin: float | None) -> int:
    """How many of the candidates (Phenomizer order, best first) the model must re-rank.

    The fused score is ``logit + weight × similarity``. A candidate whose Phenomizer deficit to
    the best one, ``weight × (sim₀ − simᵢ)``, is larger than ``margin`` (chosen on dev cases: no
    loss of accuracy@1 there; the model's logits over one case's candidates rarely spread wider)
    cannot overtake the best one, so it keeps its Phenomizer place after the re-ranked ones and
    the model is not run on it. ``None``: re-rank them all. One left: nothing to re-rank."""
    if margin is None or not len(similarity):
        return len(similarity)
    k = int((weight * (similarity[0] - similarity) <= margin).sum())  # a prefix: similarity is sorted
    return k if k > 1 else 0


class Diagnoser:
    """Phenomizer retrieval of ``candidates`` diseases from the graph, then the graph-augmented
    model re-ranks the first ``rerank`` of them (without a model: Phenomizer order), skipping
    those that ``margin`` says cannot reach first place (see ``reranked``)."""

    def __init__(
        self,
        builder: ContextBuilder,
        ranker: GraphRanker | None = None,
        *,
        candidates: int = 20,
        rerank: int = 10,
        max_facts: int = 12,
        margin: float | None = None,
        temperature: float = 1.0,
    ) -> None:
        self.builder, self.ranker = builder, ranker
        self.candidates, self.rerank, self.max_facts, self.margin = candidates, rerank, max_facts, margin
        self.temperature = temperature  # of the softmax that turns scores into probabilities (chosen on dev cases)

    def serves(self, setting: str) -> bool:
        """Whether this diagnoser answers in ``setting``: the rare setting needs the model (it was
        trained for it); the general setting re-ranks nothing and answers without one."""
        return self.ranker is not None or setting == "general"

    def score(
        self, text: str, findings: Sequence[Finding], with_facts: int = 0, *, prune: bool = True, setting: str = "rare"
    ) -> tuple[list[Candidate], np.ndarray]:
        """The retrieved candidates (Phenomizer order in the ``setting``) and the model's logits
        for the first ``rerank`` of them, fewer when ``prune`` and a margin allow (empty without a
        model). Facts are verbalized for those and for the first ``with_facts``."""
        found = self.builder.candidates(
            findings, self.candidates, with_facts=max(self.rerank, with_facts), setting=setting, text=text
        )
        # Ranked with the descriptions (the general setting): the model, trained on simulated
        # rare-disease cases and fusing with the phenotype similarity alone, would undo the order
        # the lay cases were measured in; it re-ranks nothing there.
        if self.ranker is None or not found or described(found):
            return found, np.zeros(0, dtype=np.float32)
        head = found[: self.rerank]
        if prune:
            head = head[: reranked(np.array([c.similarity for c in head]), self.ranker.fusion_weight, self.margin)]
        if not head:
            return found, np.zeros(0, dtype=np.float32)
        return found, self.ranker.logits(text, [c.passage(self.max_facts) for c in head])

    def order(self, found: list[Candidate], logits: np.ndarray, weight: float | None = None) -> list[Candidate]:
        """The candidates with the re-ranked head first (the rest keep the retrieval's score and
        order); ``weight`` overrides the fusion weight."""
        if not len(logits):
            return found
        w = self.ranker.fusion_weight if weight is None and self.ranker is not None else (weight or 0.0)
        head, tail = found[: len(logits)], found[len(logits) :]
        for c, score in zip(head, fuse(logits, np.array([c.similarity for c in head]), w), strict=True):
            c.score = float(score)
        return sorted(head, key=lambda c: -c.score) + tail

    def rank(
        self, text: str, findings: Sequence[Finding], with_facts: int = 0, setting: str = "rare"
    ) -> list[Candidate]:
        """The candidates best first, each with its probability: a softmax over the scores of
        the re-ranked ones (those left out of re-ranking cannot reach first place: 0), or, without
        a model, over all phenotype similarities (uncalibrated). ``setting``: where the patient
        is seen (``diagnosis.graph.SETTINGS``)."""
        found, logits = self.score(text, findings, with_facts, setting=setting)
        ranked = self.order(found, logits)
        temperature = self.temperature
        if len(logits):
            head = ranked[: len(logits)]
        elif described(ranked):
            head, temperature = ranked, DESCRIPTION_TEMPERATURE  # the fused scores' own (diagnosis.descriptions)
        else:  # with a model, no logits: the margin left one candidate that no other can overtake
            head = ranked[:1] if self.ranker is not None else ranked
        for c, p in zip(head, softmax(np.array([c.score for c in head]), temperature), strict=True):
            c.confidence = float(p)
        return ranked

    def diagnose(self, text: str, top_k: int = 5, setting: str = "rare") -> Diagnosis:
        findings = self.builder.findings(text, setting)
        ranked = self.rank(text, findings, with_facts=top_k, setting=setting)
        others = sum(1 for f in findings if f.category != "Phenotype" and not f.negated)
        ok, note = confident(ranked[0].confidence if ranked else 0.0, len(phenotypes_of(findings)), others)
        return Diagnosis(findings, ranked[:top_k], ok, note, setting)


def choose_temperature(scored: Sequence[ScoredCase], weight: float) -> float:
    """The softmax temperature that makes the re-ranked head's probabilities fit the dev cases
    best (lowest negative log-likelihood of the truth, among cases whose truth was retrieved)."""
    usable = [
        (fuse(s.logits, s.similarity, weight), s.gold) for s in scored if s.gold is not None and s.gold < len(s.logits)
    ]
    if not usable:
        return 1.0

    def nll(t: float) -> float:
        return float(np.mean([-np.log(max(float(softmax(scores, t)[gold]), 1e-12)) for scores, gold in usable]))

    return min(TEMPERATURES, key=nll)


def expected_calibration_error(probability: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    """How far the first diagnosis's probability is from how often it is right: the mean gap over
    ``bins`` equal-width probability bins, weighted by their share of the cases (0 to 1)."""
    which = np.minimum((probability * bins).astype(int), bins - 1)
    return float(
        sum(
            abs(probability[which == b].mean() - right[which == b].mean()) * (which == b).mean()
            for b in range(bins)
            if (which == b).any()
        )
    )


def calibration(
    scored: Sequence[ScoredCase], weight: float, temperature: float, margin: float | None = None
) -> dict[str, float]:
    """How well the first diagnosis's probability is calibrated (expected calibration error over
    10 bins, in points), and accuracy@1 among the cases answered with confidence."""
    pairs = [s.probability(weight, temperature, margin) for s in scored]
    if not pairs:
        return {}
    p = np.array([x for x, _ in pairs])
    right = np.array([y for _, y in pairs], dtype=float)
    ece = expected_calibration_error(p, right)
    sure = p >= MIN_CONFIDENCE
    return {
        "ece": round(100 * float(ece), 2),
        "mean_probability": round(100 * float(p.mean()), 2),
        "acc@1": round(100 * float(right.mean()), 2),
        "confident_share": round(100 * float(sure.mean()), 2),
        "acc@1_when_confident": round(100 * float(right[sure].mean()), 2) if sure.any() else 0.0,
    }


def similarity_rank(similarity: np.ndarray, index: int) -> int:
    """1-based position of ``index`` when sorting by similarity, ties in disease order (as shown)."""
    s = similarity[index]
    return int((similarity > s).sum() + (similarity[:index] == s).sum()) + 1


@dataclass
class ScoredCase:
    """One evaluated case: where Phenomizer and the text model put the truth, and what the
    graph-augmented re-ranking needs to place it for any fusion weight."""

    phenotype: int
    text: int | None  # None: the text-only model cannot name this disease
    similarity: np.ndarray  # of the re-ranked head
    logits: np.ndarray
    gold: int | None  # position of the truth in the head

    def probability(self, weight: float, temperature: float, margin: float | None = None) -> tuple[float, bool]:
        """The first candidate's probability as served, and whether it is the truth."""
        k = reranked(self.similarity, weight, margin)
        if k == 0:  # nothing left to re-rank: the first is out of everyone's reach (as ``Diagnoser.rank`` says)
            return (1.0 if len(self.similarity) else 0.0), self.gold == 0
        scores = fuse(self.logits[:k], self.similarity[:k], weight)
        top = int(np.argmax(scores))
        return float(softmax(scores, temperature)[top]), self.gold == top

    def graph(self, weight: float, margin: float | None = None) -> int:
        """The truth's rank with fusion ``weight``, re-ranking as ``Diagnoser`` does with ``margin``."""
        k = reranked(self.similarity, weight, margin)
        if self.gold is None or self.gold >= k:
            return self.phenotype if self.gold is None else self.gold + 1
        scores = fuse(self.logits[:k], self.similarity[:k], weight)
        return int((scores > scores[self.gold]).sum() + (scores[: self.gold] == scores[self.gold]).sum()) + 1


def score_case(
    diagnoser: Diagnoser, text: str, label: str, text_logits: np.ndarray | None, text_labels: Sequence[str]
) -> ScoredCase:
    """Score one case with all three systems (a disease outside the graph, or sharing no
    phenotype with the case, counts as not found: ranked after every disease)."""
    builder = diagnoser.builder
    findings = builder.findings(text)
    phenotypes = phenotypes_of(findings)
    gold = builder.graph.disease_index.get(label)
    sims = builder.graph.similarity(phenotypes)
    phen = similarity_rank(sims, gold) if gold is not None and sims[gold] > 0 else len(builder.graph.diseases) + 1
    found, logits = diagnoser.score(text, findings, prune=False)  # all of them: ``ScoredCase.graph`` applies any margin
    head = found[: len(logits)] if len(logits) else found
    same = builder.graph.same_disease(label)  # a twin listed in its place is the truth too
    position = next((i for i, c in enumerate(head) if c.curie in same), None)
    text_rank = None
    if text_logits is not None and label in text_labels:
        j = list(text_labels).index(label)
        text_rank = int((text_logits > text_logits[j]).sum()) + 1
    return ScoredCase(
        phen, text_rank, np.array([c.similarity for c in head[: len(logits)]], dtype=np.float32), logits, position
    )


def metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """accuracy@1, @5 and MRR in percent (None counts as a miss)."""
    if not ranks:
        return {"n": 0, "acc@1": 0.0, "acc@5": 0.0, "mrr": 0.0}
    r = np.array([x if x is not None else np.inf for x in ranks], dtype=float)
    return {
        "n": len(r),
        "acc@1": round(100 * float((r == 1).mean()), 2),
        "acc@5": round(100 * float((r <= 5).mean()), 2),
        "mrr": round(100 * float((1 / r).mean()), 2),
    }


def score_cases(
    diagnoser: Diagnoser, cases: Sequence[tuple[str, str]], text_model: TextClassifier | None = None
) -> list[ScoredCase]:
    logits = text_model.logits([t for t, _ in cases]) if text_model is not None and cases else None
    labels = text_model.labels if text_model is not None else []
    return [
        score_case(diagnoser, t, label, logits[i] if logits is not None else None, labels)
        for i, (t, label) in enumerate(cases)
    ]


def summarize(
    scored: Sequence[ScoredCase], weight: float, text_model: bool, margin: float | None = None
) -> dict[str, dict[str, float]]:
    """Metrics of each system; ``graph_model_alone`` is the cross-encoder without the fusion (and
    re-ranking every candidate of the head); ``graph_augmented`` is as served, with ``margin``."""
    out = {
        "phenotype_overlap": metrics([s.phenotype for s in scored]),
        "graph_augmented": metrics([s.graph(weight, margin) for s in scored]),
        "graph_model_alone": metrics([s.graph(0.0) for s in scored]),
    }
    if text_model:
        out["text_only"] = metrics([s.text for s in scored])
    return out


def evaluate(
    diagnoser: Diagnoser, cases: Sequence[tuple[str, str]], text_model: TextClassifier | None = None
) -> dict[str, dict[str, float]]:
    """accuracy@1/@5 and MRR of the three systems on (text, disease CURIE) cases."""
    weight = diagnoser.ranker.fusion_weight if diagnoser.ranker is not None else 0.0
    return summarize(score_cases(diagnoser, cases, text_model), weight, text_model is not None, diagnoser.margin)
