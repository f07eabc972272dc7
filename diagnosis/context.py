"""From a case text to graph context: the entities in the text, the candidate diseases the graph
links them to, and each candidate's supporting facts as short sentences with their sources.

Phenotypes are found by a gazetteer of HPO labels and synonyms, layperson synonyms included
(spaCy's ``PhraseMatcher``, longest match wins), then, with an encoder, by the dense matcher of
``diagnosis.lay`` for lay phrases, in the sentences the gazetteer found nothing in; NegEx marks
the denied ones ("no fever"), which never count. With a NER model and a normalizer, the other
entities of the text (chemicals, diseases) are found too and bring in the diseases the literature
links them to.
Candidates are ranked first by Phenomizer similarity; the model re-ranks the best of them.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from diagnosis.definitions import DOID_DEFINITION, MESH_DEFINITION, WORDNET_DEFINITION
from diagnosis.graph import UNINFORMATIVE, Annotation, DiseaseGraph, frequency_word, named_first
from extractors.text import split_sentences
from kg.types import Document
from ontologies.symptoms import MESH_SUBTYPES
from ontologies.synthea import SOURCE as SYNTHEA
from ontologies.terms import Term

if TYPE_CHECKING:
    from diagnosis.descriptions import DiseaseDescriptions
    from diagnosis.lay import DensePhenotypes

# The dense matcher's cosine threshold, chosen on the dev half of bench/data/lay_phenotypes.tsv
# (BENCHMARKS.md, "Session 12").
DENSE_THRESHOLD = 0.65
DENSE_ONE_WORD = 0.85  # the threshold for a single word alone


@dataclass(frozen=True, slots=True)
class Finding:
    """An entity found in the case text."""

    start: int
    end: int
    text: str
    curie: str
    name: str
    category: str  # Phenotype, Disease, Chemical...
    source: str  # "hpo-dictionary", "hpo-dense" or "ner"
    negated: bool = False  # "no fever": found, and denied
    score: float = 1.0  # the dense matcher's cosine (1 for a dictionary match)


def phenotypes_of(findings: Sequence[Finding]) -> list[str]:
    """The phenotypes a case has (denied ones left out), each once, in text order."""
    return list(dict.fromkeys(f.curie for f in findings if f.category == "Phenotype" and not f.negated))


@dataclass(frozen=True, slots=True)
class Fact:
    """One piece of graph evidence for a candidate, as a sentence with what it rests on."""

    text: str
    curies: tuple[str, ...]
    pmids: tuple[str, ...]
    source: str  # "HPO", "DOID" or the predicate of a literature relation
    matched: bool = False  # does it match something found in the case?
    # For a match through a shared broader term only (the case's "Pharyngalgia" and the disease's
    # "Chills" are neither the same nor one above the other): that term's name.
    through: str = ""


@dataclass
class Candidate:
    curie: str
    name: str
    similarity: float  # Phenomizer score
    facts: list[Fact] = field(default_factory=list)
    # the retrieval's score (Phenomizer's, or fused with the description's and weighted by familiarity), then
    # the model's
    score: float = 0.0
    description_similarity: float | None = None  # the case text's cosine with the disease's description
    familiarity: float | None = None  # the general setting's prior weight (diagnosis.familiarity.prior)
    confidence: float = 0.0  # its calibrated probability of being the diagnosis

    def passage(self, max_facts: int = 12) -> str:
        """The candidate as the model reads it: its name, then its facts, case-matching first."""
        return f"{self.name}. " + " ".join(f.text for f in self.facts[:max_facts])


PHENOTYPIC_ABNORMALITY = "HP:0000118"


def _through(graph: DiseaseGraph, case: str, annotated: str) -> str:
    """The name of the most informative term above both ``case`` and ``annotated`` when neither is
    the other nor above it (a match between relatives), else ""."""
    up_case, up_annotated = graph.ancestors(case), graph.ancestors(annotated)
    if case == annotated or case in up_annotated or annotated in up_case:
        return ""
    shared = sorted(up_case & up_annotated)
    if not shared:
        return ""
    best = max(shared, key=lambda t: (graph.information_content(t), len(graph.ancestors(t))))  # ties: the deeper
    return graph.names.get(best, best)


class PhenotypeTagger:
    """Finds HPO phenotypes in text by their labels and synonyms (case-insensitive, longest match).

    Only terms under "Phenotypic abnormality" count: HPO's other branches (modifiers such as
    "Left", frequencies such as "Frequent", "Family history") are words of every case report."""

    def __init__(self, terms: Iterable[Term], min_chars: int = 4, *, negation: bool = True) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        from diagnosis.lay import Negation

        self.negation = Negation() if negation else None
        self.nlp = self.negation.nlp if self.negation is not None else spacy.blank("en")
        self.dense: DensePhenotypes | None = None
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.names: dict[str, str] = {}
        phrases: dict[str, set[str]] = {}
        self.terms = list(terms)  # kept: the patient simulator renders from the same labels and synonyms
        parents = {t.curie: t.parents for t in self.terms}
        below: dict[str, bool] = {PHENOTYPIC_ABNORMALITY: True}

        def is_phenotype(curie: str) -> bool:
            if curie not in below:
                below[curie] = False  # a guard against cycles while this term is being decided
                below[curie] = any(is_phenotype(p) for p in parents.get(curie, ()))
            return below[curie]

        for t in self.terms:
            if t.obsolete or t.curie in UNINFORMATIVE or not is_phenotype(t.curie):
                continue
            self.names[t.curie] = t.name
            phrases[t.curie] = {s for s in (t.name, *t.synonyms) if len(s) >= min_chars}
        patterns: dict[str, list[str]] = {}
        for curie, names in phrases.items():
            variants = {v for n in names for v in (*_plain_verb_forms(n), *_plural_forms(n))} - names
            patterns[curie] = sorted(names) + sorted(variants)
        tokenizer: Any = self.nlp.tokenizer
        docs = iter(tokenizer.pipe(n for listed in patterns.values() for n in listed))  # one pass: faster
        for curie, listed in patterns.items():
            self.matcher.add(curie, [next(docs) for _ in listed])
        self.phrases = phrases  # curie -> its label and synonyms (what the dictionary matches)
        # Lower-cased label or synonym -> its term (labels first): the dense matcher's phrases, and
        # the findings at a site (``_sited``).
        self.by_phrase: dict[str, str] = {}
        for curie in sorted(phrases):
            self.by_phrase.setdefault(self.names[curie].lower(), curie)
        for curie in sorted(phrases):
            for n in sorted(phrases[curie]):
                self.by_phrase.setdefault(n.lower(), curie)

    def use_encoder(
        self,
        encoder: Any,
        *,
        threshold: float = DENSE_THRESHOLD,
        one_word: float = DENSE_ONE_WORD,
        cache: Path | None = None,
        body_parts: Iterable[str] = (),
        forms: Mapping[str, Sequence[str]] | None = None,
    ) -> PhenotypeTagger:
        """Add the dense matcher for lay phrases (``diagnosis.lay.DensePhenotypes``) with this
        name encoder; HPO labels win over synonyms for a phrase two terms share. ``body_parts``:
        names of body parts (MeSH's), which alone never make a finding; ``forms``: adjectives' nouns
        (``DensePhenotypes``)."""
        from diagnosis.lay import DensePhenotypes, anatomy_words

        self.dense = DensePhenotypes(
            dict(self.by_phrase),
            encoder,
            threshold=threshold,
            one_word=one_word,
            cache=cache,
            anatomy=anatomy_words((t.name for t in self.terms), body_parts),
            labels=self.names,
            forms=forms,
        )
        return self

    def tag(self, text: str, *, lay: bool = False) -> list[Finding]:
        """The phenotypes of a text: dictionary matches, then dense matches in the sentences
        without one (``lay``: in the clauses without one, for a patient's own words); each marked
        negated or not."""
        from spacy.tokens import Span
        from spacy.util import filter_spans

        doc = self.nlp.make_doc(text)
        spans = filter_spans([Span(doc, s, e, label=m) for m, s, e in self.matcher(doc)])
        spans = filter_spans([self._sited(doc, s) for s in spans])
        found = {(s.start, s.end): ("hpo-dictionary", 1.0) for s in spans}
        lacks: set[tuple[int, int]] = set()  # windows whose phrase names a lack: their denial is the finding
        if self.dense is not None:
            for m in self.dense.match(doc, _read_by_dictionary(doc, spans, lay), lay=lay):
                spans.append(Span(doc, m.start, m.end, label=m.curie))
                found[(m.start, m.end)] = ("hpo-dense", m.score)
                if m.lack:
                    lacks.add((m.start, m.end))
            spans.sort(key=lambda x: x.start)
        negated = self.negation.negated(doc, spans) if self.negation is not None else [False] * len(spans)
        negated = [neg and (span.start, span.end) not in lacks for span, neg in zip(spans, negated, strict=True)]
        return [
            Finding(
                span.start_char,
                span.end_char,
                span.text,
                span.label_,
                self.names[span.label_],
                "Phenotype",
                found[(span.start, span.end)][0],
                neg,
                round(found[(span.start, span.end)][1], 4),
            )
            for span, neg in zip(spans, negated, strict=True)
        ]

    def _sited(self, doc: Any, span: Any) -> Any:
        """A dictionary match with the site the text gives it, where the vocabulary names the
        finding at that site: "pain in my chest" is "Chest pain", "swelling of both ankles" "Ankle
        swelling", "cramping belly pain" "Abdominal pain"; else the match itself."""
        from spacy.tokens import Span

        finding = span.text.lower()
        after = span.end
        if after < len(doc) and doc[after].lower_ in _SITE_PREPOSITIONS:
            after += 1
            while after < len(doc) and doc[after].lower_ in _DETERMINERS:
                after += 1
            site = _site_words(doc, after, 1)
            for end in range(len(site), 0, -1):  # the longest site first: "lower back" before "back"
                for start in range(end):
                    curie = self._named_at(site[start:end], finding)
                    if curie is not None and (end == len(site) or doc[after + end].lower_ != "of"):
                        return Span(doc, span.start, after + end, label=curie)
        before = _site_words(doc, span.start - 1, -1)  # "belly pain", "lower back ache"
        for start in range(len(before)):
            curie = self._named_at(before[start:], finding)
            if curie is not None:
                return Span(doc, span.start - len(before) + start, span.end, label=curie)
        return span

    def _named_at(self, site: Sequence[str], finding: str) -> str | None:
        """The term named "<site> <finding>", the site's last word also singular and in the
        vocabulary's words (``_LAY_SITES``)."""
        *lead, last = site
        for word in (last, *_singular(last), *_LAY_SITES.get(last, ())):
            curie = self.by_phrase.get(" ".join((*lead, word, finding)))
            if curie is not None:
                return curie
        return None


# Where a finding is (``PhenotypeTagger._sited``): the words that lead to the site, those that are
# no site, and a patient's words for a site in the vocabulary's ("belly pain" is "Abdominal pain",
# "pain in my side" "Flank pain").
_SITE_PREPOSITIONS = frozenset("in on of around under behind at across over inside near along".split())  # noqa: SIM905
_DETERMINERS = frozenset("my the his her your their our both a an this that these those its".split())  # noqa: SIM905
_NO_SITE = frozenset(
    """and or but that which who when where while after before with without to for from since so because
    then than as if is are was were be been am has have had get gets got goes go comes come feel feels
    felt very really too all every each some any no not it i me you he she they we
    cramping sharp dull severe mild terrible constant burning stabbing throbbing""".split()  # noqa: SIM905
)
_LAY_SITES = {
    "belly": ("abdominal", "abdomen"),
    "tummy": ("abdominal", "abdomen"),
    "stomach": ("abdominal", "abdomen"),
    "abdomen": ("abdominal",),
    "side": ("flank",),
    "loin": ("flank",),
}


def _site_words(doc: Any, at: int, step: int, most: int = 3) -> list[str]:
    """Up to ``most`` lower-cased words from token ``at`` on (``step`` 1) or back (-1) that may
    name a site: letters only, no determiner, none of ``_NO_SITE``; in text order."""
    words: list[str] = []
    stop = _NO_SITE | _DETERMINERS
    while 0 <= at < len(doc) and len(words) < most and doc[at].is_alpha and doc[at].lower_ not in stop:
        words.append(doc[at].lower_)
        at += step
    return words if step > 0 else words[::-1]


def _singular(word: str) -> tuple[str, ...]:
    """A site word's singular, where it may be plural ("ankles", "feet")."""
    irregular = {"feet": "foot", "teeth": "tooth"}
    if word in irregular:
        return (irregular[word],)
    return (word[:-1],) if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else ()


_ING = re.compile(r"\b([A-Za-z]{3,})ing\b")


def _plain_verb_forms(phrase: str) -> set[str]:
    """A phrase of several words with its "-ing" words as a patient writes the verb: "Coughing up
    blood" also as "cough up blood", "Running nose" as "run nose" (and "coughe up blood", which
    no text says: a stem that needs its e back, "wheezing" -> "wheeze", gets both)."""
    if " " not in phrase or "ing" not in phrase:
        return set()

    def stem(m: re.Match[str], e: str) -> str:
        w = m.group(1)
        if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeioulsz":  # "running" -> "run", not "spelling"
            w = w[:-1]
        return w + e

    return {_ING.sub(lambda m: stem(m, ""), phrase), _ING.sub(lambda m: stem(m, "e"), phrase)} - {phrase}


# Plural endings, the longest first: (singular ending, its plural endings). Latin and Greek nouns get
# both their own plural and the English one ("bullae" and "bullas", "thrombi" and "thrombuses"): a
# form no text writes matches nothing.
_PLURALS = (
    ("sis", ("ses",)),
    ("tis", ("tides", "tises")),
    ("um", ("a", "ums")),
    ("us", ("i", "uses")),
    ("ex", ("ices", "exes")),
    ("ix", ("ices", "ixes")),
    ("a", ("ae", "as")),
    ("ch", ("ches",)),
    ("sh", ("shes",)),
    ("ss", ("sses",)),
    ("x", ("xes",)),
    ("z", ("zes",)),
)
_IRREGULAR = {"foot": "feet", "tooth": "teeth", "man": "men", "woman": "women", "child": "children"}


def _plural_forms(phrase: str) -> set[str]:
    """The phrase with its last word in the plural ("Pustular lesion" -> "pustular lesions",
    "Ecchymosis" -> "ecchymoses"), as definitions and case reports write findings; HPO lists the
    plural of some terms only. A last word that is short, not a word, or already ends in "s"
    (other than "-sis", "-tis", "-us", "-ss") gives nothing. Regular English rules and the Latin
    endings of medical nouns (``_PLURALS``); the ``inflect`` library was measured and not used: 2 s
    to import and 85 µs a word, against a tagger built in about 4 s."""
    head, _, last = phrase.rpartition(" ")
    word = last.lower()
    if len(word) < 3 or not word.isalpha():
        return set()
    if word in _IRREGULAR:
        plurals: tuple[str, ...] = (_IRREGULAR[word],)
    else:
        ending = next(((e, p) for e, p in _PLURALS if word.endswith(e)), None)
        if ending is not None:
            plurals = tuple(word[: -len(ending[0])] + p for p in ending[1])
        elif word.endswith("s"):
            return set()
        elif word.endswith("y") and word[-2] not in "aeiou":
            plurals = (word[:-1] + "ies",)
        else:
            plurals = (word + "s",)
    return {f"{head} {p}" if head else p for p in plurals}


def _read_by_dictionary(doc: Any, spans: Sequence[Any], lay: bool) -> list[tuple[int, int]]:
    """The token ranges the dense matcher leaves alone: the sentences that hold a dictionary match
    (``lay``: the clauses), and the matches. A sentence the dictionary read is in clinical words,
    and windows of the rest of it ("blood pressure", "renal biopsy") were nearer to some term than
    they meant one (BENCHMARKS.md, "Session 18"). A patient names several findings in one sentence
    ("I am always tired and cold, I have gained weight, my skin is dry"): in lay text only the
    clause of a dictionary match is left alone (session 19; on case reports that lost 3 of 5 right
    first diagnoses)."""
    from diagnosis.lay import clause_ranges  # loaded with the dense matcher that calls this

    read = []
    for a, b in split_sentences(doc.text):
        sentence = doc.char_span(a, b, alignment_mode="expand")
        if sentence is None:
            continue
        for start, end in clause_ranges(sentence) if lay else [(sentence.start, sentence.end)]:
            if any(start <= m.start < end for m in spans):
                read.append((start, end))
    return read + [(x.start, x.end) for x in spans]


def _how_often(ann: Annotation) -> str:
    """HPO's frequency in words; for DOID, definition, Synthea and literature annotations, where they come
    from."""
    if ann.source == "DOID":
        return "a symptom in the Disease Ontology"
    if ann.source == "DOID subtypes":
        return "a symptom of its subtypes in the Disease Ontology"
    if ann.source == MESH_SUBTYPES:
        return "a phenotype most of its subtypes in MeSH have"
    if ann.source == "literature":
        return f"named beside it in {len(ann.pmids)} articles"
    if ann.source == MESH_DEFINITION:
        return "named in its MeSH definition"
    if ann.source == DOID_DEFINITION:
        return "named in its Disease Ontology definition"
    if ann.source == WORDNET_DEFINITION:
        return "named in its WordNet definition"
    if ann.source == SYNTHEA:
        return "a symptom in Synthea's model of the disease"
    return frequency_word(ann.frequency)


class ContextBuilder:
    """Case text -> findings -> candidate diseases with their facts."""

    def __init__(
        self,
        graph: DiseaseGraph,
        tagger: PhenotypeTagger,
        *,
        ner: Any = None,
        normalizer: Any = None,
        descriptions: DiseaseDescriptions | None = None,
        familiarity: np.ndarray | None = None,
        named: Mapping[str, Sequence[int]] | None = None,
    ) -> None:
        self.graph, self.tagger, self.ner, self.normalizer = graph, tagger, ner, normalizer
        self.descriptions = descriptions  # the general setting's second ranking (diagnosis.descriptions)
        self.familiarity = familiarity  # and its prior (diagnosis.familiarity.prior), graph order
        # the diseases a phenotype names (DiseaseGraph.diseases_named), first in the general setting
        self.named = named or {}
        # literature concept -> diseases whose facts mention it
        self._by_concept: dict[str, set[str]] = {}
        for disease, facts in graph.literature.items():
            for f in facts:
                self._by_concept.setdefault(f.other, set()).add(disease)

    def findings(self, text: str, setting: str = "rare") -> list[Finding]:
        """The case's phenotypes (read as a patient's own words in the "general" ``setting``) and,
        with NER, its other entities."""
        found = self.tagger.tag(text, lay=setting == "general")
        if self.ner is not None and self.normalizer is not None:
            doc = self.normalizer.normalize_documents(self.ner.predict([Document("case", text)]))[0]
            taken = [(f.start, f.end) for f in found]
            for m in doc.mentions:
                if m.groundings and not any(s < m.end and m.start < e for s, e in taken):
                    g = m.groundings[0]
                    found.append(Finding(m.start, m.end, m.text, g.curie, g.name, m.label, "ner"))
            found.sort(key=lambda f: f.start)
        return found

    def candidates(
        self,
        findings: Sequence[Finding],
        top_k: int = 20,
        with_facts: int | None = None,
        setting: str = "rare",
        text: str = "",
    ) -> list[Candidate]:
        """The ``top_k`` diseases by Phenomizer similarity to the case's phenotypes (in the
        ``setting``: ``diagnosis.graph.SETTINGS``), plus any disease a literature relation links
        to a non-phenotype entity of the case. In the "general" setting a disease a phenotype of
        the case names is ordered with the first (``diagnosis.graph.named_first``) and, with
        descriptions and the case ``text``, the order is Phenomizer's fused with the description
        similarity's (``diagnosis.descriptions.fuse``), weighted by how familiar each disease's name is
        (``diagnosis.familiarity``, where ``familiarity`` was given), and a case without a
        phenotype the dictionary knows still gets candidates. Only the first ``with_facts``
        (default: all) get their facts verbalized."""
        phenotypes = phenotypes_of(findings)
        others = {f.curie for f in findings if f.category != "Phenotype" and not f.negated}
        sims = (
            self.graph.similarity(phenotypes, setting)
            if phenotypes
            else np.zeros(len(self.graph.diseases), dtype=np.float32)
        )
        # the order's phenotype part; each candidate still reports its own Phenomizer score
        ranked = named_first(sims, phenotypes, self.named) if setting == "general" else sims
        described = None
        if setting == "general" and self.descriptions is not None and text.strip():
            from diagnosis.familiarity import general_scores

            described = self.descriptions.similarity(text)
            scores = self.graph.distinct(general_scores(ranked, described, self.familiarity))
            picked = [self.graph.diseases[i] for i in np.argsort(-scores, kind="stable")[:top_k]]
        else:
            scores = self.graph.distinct(ranked)
            order = np.argsort(-scores, kind="stable")[:top_k] if phenotypes else np.array([], dtype=int)
            picked = [self.graph.diseases[i] for i in order if scores[i] > 0]
        linked = sorted(d for c in others for d in self._by_concept.get(c, ()))
        picked += [d for d in linked if not self.graph.same_disease(d) & set(picked)]  # nor a twin of one
        n = len(picked) if with_facts is None else with_facts
        found = []
        for i, d in enumerate(picked):
            j = self.graph.disease_index[d]
            c = (
                self.candidate(d, phenotypes, others, float(sims[j]))
                if i < n
                else Candidate(d, self.graph.names.get(d, d), float(sims[j]))
            )
            c.score = float(scores[j])
            c.description_similarity = float(described[j]) if described is not None else None
            c.familiarity = (
                float(self.familiarity[j]) if described is not None and self.familiarity is not None else None
            )
            found.append(c)
        return found

    def candidate(
        self, disease: str, phenotypes: Sequence[str], others: Collection[str] = (), similarity: float = 0.0
    ) -> Candidate:
        """A disease with its facts: annotations matching the case first, then its most frequent
        other phenotypes, then literature relations (those on the case's entities first)."""
        g = self.graph
        facts: list[Fact] = []
        matched = set()
        for q, ann, _ in sorted(g.matches(disease, phenotypes), key=lambda m: -m[2]):
            if ann.phenotype in matched:
                continue
            matched.add(ann.phenotype)
            how = "" if ann.phenotype == q else f" (case: {g.names.get(q, q)})"
            facts.append(
                Fact(
                    f"Has {g.names.get(ann.phenotype, ann.phenotype)}{how}, {_how_often(ann)}.",
                    (disease, ann.phenotype),
                    ann.pmids,
                    ann.source,
                    True,
                    _through(g, q, ann.phenotype),
                )
            )
        rest = sorted(
            (a for a in g.annotations.get(disease, []) if a.phenotype not in matched),
            key=lambda a: -(a.frequency if a.frequency is not None else 0.5),
        )
        for ann in rest[:6]:
            facts.append(
                Fact(
                    f"Often {g.names.get(ann.phenotype, ann.phenotype)}, {_how_often(ann)}.",
                    (disease, ann.phenotype),
                    ann.pmids,
                    ann.source,
                )
            )
        literature = sorted(g.literature.get(disease, []), key=lambda f: (f.other not in others, -f.evidence))
        for lit in literature[:4]:
            verb = lit.predicate.split(":", 1)[-1].replace("_", " ")
            text = (
                f"{g.names.get(disease, disease)} {verb} {lit.other_name}."
                if lit.outgoing
                else f"{lit.other_name} {verb} it ({lit.evidence} articles)."
            )
            facts.append(Fact(text, (lit.other, disease), lit.pmids, lit.predicate, lit.other in others))
        return Candidate(disease, g.names.get(disease, disease), similarity, facts)
