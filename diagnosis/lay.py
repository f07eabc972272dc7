"""Lay language in, phenotypes out: what the HPO dictionary misses and what a case denies.

- ``DensePhenotypes``: a patient says "I can't keep food down", HPO says "Vomiting". Word windows
  of the text (inside a clause, not starting or ending on a function word, not only a body part
  and where it is by MeSH's and HPO's anatomy names, such as "big toe" or "left arm", not
  overlapping a dictionary match) are embedded with a name encoder (the phenotype encoder of
  ``diagnosis.phenotype_encoder`` when trained, else all-MiniLM-L6-v2) and matched to the
  embeddings of every HPO label and synonym, layperson synonyms included; the
  best windows above a cosine threshold (a higher one for a single word; both chosen on
  ``bench/data/lay_phenotypes.tsv``'s dev half) become findings, best first (a window a word
  longer 0.02 ahead, chosen there too: "ear started to hurt" before "hurt"), never overlapping.
  A window of one adjective scores as the best of it and the nouns WordNet derives from it
  (``ontologies.wordnet``: "I feel dizzy" as "dizziness", 0.81 -> 1.0; verbs' nouns were measured
  and matched "hear" to Auditory hallucination: not used).
  In a patient's words a coordination that names its body part once gives each finding the part:
  "my toe is red, hot and swollen" embeds "toe hot" and "toe swollen" for the words "hot" and
  "swollen", "my ankles and feet are swollen" embeds "ankles swollen" for "ankles" (lay phrases
  with the fine-tuned encoder: test recall 59.6 -> 63.5; BENCHMARKS.md, session 57).
  What a patient cannot do is read as HPO names a lost ability: "I can't hear as well" embeds
  "difficulty hearing" beside "hear" (Hearing impairment; idioms such as "can't stand the heat"
  and "can't sit still" are no lost ability). A denied window whose HPO phrase names a lack the
  window does not say is that finding: "I haven't had a bowel movement in a week" matches
  "Infrequent bowel movements", so constipation is present, not denied (``DenseMatch.lack``).
  Windows that report an examination or a normal result ("renal biopsy", "normal hearing"), cut a
  noun phrase in two, or match a term with a direction the window does not state ("blood
  pressure" is not "High blood pressure") are skipped: clinical text is full of them. So are a
  lost ability the text does not say was lost ("the room spins when I stand up" is no
  "Difficulty standing") and a word whose particle changes it ("fall" of "fall asleep").
- ``Negation``: "no fever", "I don't have a rash", "denies chest pain": NegEx as negspacy
  implements it (its clinical term set, plus the contractions and lay phrasings patients write),
  so a denied phenotype never counts for a disease. A clause with a subject of its own ("and it
  hurts", "but my throat") ends a denial.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ontologies.dense import cached_embeddings

# Lay negations beside negspacy's clinical set ("I haven't been vomiting", "fever is absent").
_PRECEDING = [
    "haven't",
    "hasn't",
    "havent",
    "hasnt",
    "don't",
    "dont",
    "doesn't",
    "doesnt",
    "didn't",
    "didnt",
    "never",
    "not",
    "no longer",
    "free of",
    "nor",
]
_FOLLOWING = [
    "is absent",
    "are absent",
    "was absent",
    "were absent",
    "has gone",
    "have gone",
    "went away",
    "is gone",
    "are gone",
]
# In a patient's words "can't" is a symptom ("I can't sleep", "can't stop sneezing"), not a denial.
_NOT_NEGATIONS = ["cannot", "can't", "cant"]
_TERMINATION = [
    "reports",
    "reported",
    "complains of",
    "complaining of",
    "presents with",
    "has had",
    "but has",
    "but i have",
    "but i do have",
    "and i have",
    # a clause with a subject of its own: "I haven't had a bowel movement in a week and it hurts to go"
    "and it",
    "but it",
    "and my",
    "but my",
    "i have",
    "i've had",
    "i get",
    "instead",
    "just",  # "no headache, no vomiting, just a sore belly"
    "only",
    "apart from",
]

# Function words a window may not start or end on (pronouns, determiners, auxiliaries,
# prepositions, degree words). Not spaCy's stop list: it holds "keep", "back", "up", "down",
# "full", "side", the words of "can't keep food down" and "throwing up".
FUNCTION_WORDS = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "myself",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "we",
        "us",
        "our",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "a",
        "an",
        "the",
        "is",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "done",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "about",
        "as",
        "into",
        "like",
        "with",
        "than",
        "through",
        "during",
        "before",
        "after",
        "very",
        "so",
        "just",
        "really",
        "also",
        "too",
        "some",
        "any",
        "all",
        "every",
        "each",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "ca",
        "wo",
        "n't",
        "not",
        "no",
        "still",
        "even",
        "much",
        "many",
        "more",
        "most",
        "quite",
        "lot",
        "lots",
        "bit",
        "kind",
        "sort",
        "again",
        "always",
        "often",
        "sometimes",
        "usually",
        "now",
        "then",
        "today",
        "yesterday",
        "ago",
        "since",
        "until",
        "while",
        "if",
        "because",
        "or",
        "and",
        "but",
        "nor",
        "both",
        "either",
        "neither",
        "whether",
        "get",
        "got",
        "getting",
        "feel",
        "feeling",
        "felt",
        "seem",
        "seems",
        "been",
        "'ve",
        "'m",
        "'s",
        "'d",
        "'ll",
    ]
)

# Body parts alone are not findings ("neck" is nearest to "Long neck"): the anatomy HPO names in
# its "Abnormality of the ..." labels, with plurals and the everyday words for them.
_LAY_ANATOMY = (
    "belly",
    "tummy",
    "feet",
    "teeth",
    "arm",
    "leg",
    "body",
    "head",
    "face",
    "back",
    "side",
    "stomach",
    "throat",
    "chest",
)
# Nor is what the body passes, alone: "pee" is nearest to "pee issues" (Abnormality of urine
# homeostasis, 0.85 with the fine-tuned encoder) and then kept "burns when I pee" (Dysuria) from
# being read. Not body parts: no part shared across a coordination ("I pee a lot, even at night").
_LAY_EXCRETA = frozenset("pee peeing wee urine urinate urinating poo poop stool stools".split())  # noqa: SIM905
# Everyday verbs and nouns that say nothing of a finding with only body parts, particles and
# function words beside them: "fingers go" (numb) was nearest to Finger aplasia, "woke up" to
# Drowsiness, "comes out" to Acne (the fine-tuned encoder). Not "drop": "my foot drops" is Foot drop.
_EVERYDAY = frozenset(
    """go goes going went gone come comes coming came get gets getting got wake wakes waking woke woken
    keep keeps kept put puts take takes taking took make makes made do does doing did thing things
    stuff""".split()  # noqa: SIM905
)


# Where on the body, which one: with a body part alone ("left arm", "lower belly", "skin between
# my toes", "especially the thumb") still no finding.
POSITION_WORDS = frozenset(
    """left right lower upper around over under between behind inside outside front top bottom whole
    one side sides especially index middle ring little""".split()  # noqa: SIM905
)


def anatomy_words(names: Iterable[str], body_parts: Iterable[str] = ()) -> frozenset[str]:
    """Single anatomy words and phrases from HPO labels such as "Abnormality of the neck", and
    ``body_parts`` (MeSH's: ``ontologies.loaders.load_mesh_anatomy``)."""
    found = set(_LAY_ANATOMY) | set(body_parts)
    for n in names:
        m = re.match(r"(?:Abnormality|Abnormal morphology|Aplasia/Hypoplasia) of (?:the )?(.+)$", n)
        if m:
            part = m.group(1).lower()
            found.update({part, part + "s", part + "es"})
    return frozenset(found)


# How a finding was looked for or measured, not what was found: a window with one of these
# words reports an examination, one with "normal" a normal result ("renal biopsy" is nearest to
# "Renal neoplasm", "tests showed" to "Absent testis", "platelet count were normal" to "Abnormal
# platelet count"; read on the real case reports of bench/data/real_cases_dev.tsv).
_EXAMINATION = frozenset(
    """activity admission admitted analyses analysis angiogram angiography assay assays biopsies
    biopsy birth changes child computed concentration concentrations count counts demonstrated
    echocardiogram electrocardiogram evaluation examination examined features finding findings
    history imaging involvement laboratory level levels life measured measurement normal normally
    patient plasma presentation presented presenting radiograph radiographic radiological rate result
    results revealed reveals scan scanning serum showed shown shows specimen studies study test
    tested tests tomography ultrasound value values""".split()  # noqa: SIM905
)
# A term that says which way a quantity went ("High blood pressure", "Increased platelet count",
# "Hyperalbuminemia") needs the window to say a way too, and the same one: "blood pressure" or
# "serum albumin" alone report a measurement, and "low serum IGF" is not "Increased IGF".
_UP_TERM = re.compile(r"\b(?:increased|elevated|high|raised|hyper\w+)\b", re.IGNORECASE)
_DOWN_TERM = re.compile(r"\b(?:decreased|reduced|low|hypo\w+)\b", re.IGNORECASE)
_UP = frozenset(
    """high higher raised elevated elevation increase increased increasing excess excessive up fast
    rapid racing massive big huge prolonged""".split()  # noqa: SIM905
)
_DOWN = frozenset(
    """low lower decrease decreased decreasing reduced reduction deficient deficiency lack lacking
    absent absence loss lost down poor slow weak undetectable trace tiny less""".split()  # noqa: SIM905
)
_EITHER = frozenset("abnormal abnormally too very lot much more markedly positive strong".split())  # noqa: SIM905
# Words of degree: a window of only these ("abnormally low") names no finding.
_DEGREES = _UP | _DOWN | _EITHER | frozenset({"mild", "mildly", "moderate", "moderately", "severe", "severely"})
# Adjective endings: a window that ends on one before a noun cuts a noun phrase in two.
_ADJECTIVE_ENDINGS = ("ic", "al", "ar", "ous", "ary", "ive")
# And the everyday adjectives of how a lesion looks, which end on none of those: "small red" of
# "small red bumps" is nearest to Protanomaly, "red scaly" of "red scaly patches" to Red eye.
_LOOKS = frozenset(
    """red pink white yellow black brown green purple blue grey gray dark pale small big large tiny
    little scaly dry crusty crusted sticky flaky raised bumpy rough thick thin""".split()  # noqa: SIM905
)
# HPO's "Excessive thirst" and "Extreme thirst" (Polydipsia): a patient says "I am always thirsty".
# Such a synonym is also embedded without its degree word, and a window matches that form only with a
# degree said in it or within three words of it in its clause ("always", "so", "a lot", "all day"),
# else HPO's phrases alone: "unable to sleep" is no "Excessive sleep", "interest in everything" no
# "Excessive interest in others".
_EXCESS = re.compile(r"(?:excessive|extreme) (.+)")
_SAID_DEGREE = _DEGREES | frozenset(
    "always constantly constant all so really extremely excessively keep keeps frequently often lot".split()  # noqa: SIM905
)

# Words that join clauses. Not "when": "it burns when I pee", "my hand shakes when it is resting"
# name one finding with its circumstance (lay phrases' dev half: recall 64.7 -> 66.7).
_CLAUSE = frozenset(
    {"and", "but", "or", "so", "because", "while", "although", "though", "then", "after", "since", "until"}
)

# A term that names a lost ability ("Difficulty standing", "Delayed ability to walk") needs the
# text to say the ability is lost: "the room spins when I stand up" names no difficulty standing.
_ABILITY_TERM = re.compile(
    r"^(?:difficulty|difficulties|inability|unable|delayed ability|loss of ability|trouble)\b", re.IGNORECASE
)
_IMPAIRED = frozenset(
    """n't not cannot unable hard harder difficult difficulty difficulties trouble struggle struggles
    struggling struggled problem problems barely hardly impossible slow slowly slower weak unsteady
    never stopped delayed late effort""".split()  # noqa: SIM905
)
# A word whose particle changes its meaning: "fall" of "fall asleep" is no fall, "falling" of
# "hair is falling out" none either; the two words together are still read as one window.
_PARTICLES = frozenset("asleep out off over up down away apart".split())  # noqa: SIM905


# "I can't hear as well", "I couldn't swallow": HPO names a lost ability "Difficulty ..." and the
# encoder puts "can't hear" nearest "Hearing sounds" (0.68), "difficulty hearing" nearest Hearing
# impairment's "Hearing defect" (0.79). The word before "n't" or "not" that makes it an inability.
_CAN = frozenset("ca can could".split())  # noqa: SIM905  (spaCy splits "can't" into "ca" and "n't")
_NOT = frozenset({"n't", "not"})
_VOWELS = frozenset("aeiou")
# Verbs whose "can't" says no lost ability ("can't help", "can't wait"), and those that say none
# before an object ("I can't stand the heat" is no difficulty standing; "I can't stand up" is).
_IDIOMS = frozenset("help wait believe tell afford imagine".split())  # noqa: SIM905
_TOLERATE = frozenset({"stand", "bear"})
_OBJECTS = frozenset("the a an it this that them him her being".split())  # noqa: SIM905


def gerund(verb: str) -> str:
    """The -ing form of a regular English verb: "hear" -> "hearing", "breathe" -> "breathing",
    "see" -> "seeing", "lie" -> "lying", "stop" -> "stopping" (one vowel before a final consonant
    doubles it, as in "sit", "run" and "grip", not "open" or "hear").

    >>> [gerund(v) for v in ("hear", "breathe", "see", "lie", "stop", "open", "swallow", "sleeping")]
    ['hearing', 'breathing', 'seeing', 'lying', 'stopping', 'opening', 'swallowing', 'sleeping']
    """
    v = verb.lower()
    if v.endswith("ing") and len(v) > 5:
        return v
    if v.endswith("ie"):
        return v[:-2] + "ying"
    if v.endswith(("ee", "ye", "oe")) or v in ("be",):
        return v + "ing"
    if v.endswith("e") and len(v) > 2:
        return v[:-1] + "ing"
    groups = sum(1 for k, c in enumerate(v) if c in _VOWELS and (k == 0 or v[k - 1] not in _VOWELS))
    if (
        groups == 1
        and len(v) >= 3
        and v[-1] not in _VOWELS
        and v[-1] not in "wxy"
        and v[-2] in _VOWELS
        and v[-3] not in _VOWELS
    ):
        return v + v[-1] + "ing"
    return v + "ing"


_PREPOSITIONS = frozenset(
    "of to in on at for from by about as into like with than through during before after over under".split()  # noqa: SIM905
)
# Words that start a clause of its own: a clause with one of them says what it is about.
_SUBJECTS = frozenset("i it he she we they you this that there".split())  # noqa: SIM905


def breaks_clause(token: Any) -> bool:
    """Whether a token ends a clause: punctuation, or a word that joins clauses (``_CLAUSE``);
    "so" only as a conjunction, not before the adjective or adverb it strengthens ("my neck is
    so stiff", "so badly"), where it is followed by a word that is no pronoun or determiner."""
    if token.is_punct:
        return True
    if token.lower_ == "so" and token.i + 1 < len(token.doc):
        nxt = token.doc[token.i + 1]
        return not (nxt.is_alpha and nxt.lower_ not in FUNCTION_WORDS)
    return token.lower_ in _CLAUSE


def _in_clause(doc: Any, start: int, end: int, *, before: int = 0, after: int = 0) -> Any:
    """The window ``doc[start:end]`` with up to ``before`` words before it and ``after`` words after
    it, as far as its clause goes."""
    first, last = start, end
    while first > 0 and start - first < before and not breaks_clause(doc[first - 1]):
        first -= 1
    while last < len(doc) and last - end < after and not breaks_clause(doc[last]):
        last += 1
    return doc[first:last]


def clause_ranges(span: Any) -> list[tuple[int, int]]:
    """The token ranges (start, end) of the clauses of a spaCy span, the breaking tokens left out."""
    out, start = [], span.start
    for t in span:
        if breaks_clause(t):
            out.append((start, t.i))
            start = t.i + 1
    out.append((start, span.end))
    return [(a, b) for a, b in out if b > a]


class Negation:
    """Which spans of a doc a negation governs (NegEx through negspacy)."""

    def __init__(self) -> None:
        import spacy
        from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)
        from negspacy.termsets import termset

        terms = termset("en_clinical")
        terms.remove_patterns({"preceding_negations": _NOT_NEGATIONS})
        terms.add_patterns(
            {"preceding_negations": _PRECEDING, "following_negations": _FOLLOWING, "termination": _TERMINATION}
        )
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        patterns = terms.get_patterns()
        self.nlp.add_pipe("negex", config={"neg_termset": patterns})
        # The single words that open a preceding negation ("no", "denies", "without"...).
        self.words = frozenset(p.split()[0].lower() for p in patterns["preceding_negations"]) | {"n't"}

    def negated(self, doc: Any, spans: Sequence[Any]) -> list[bool]:
        """For spans of ``doc`` (made by ``self.nlp.make_doc``, not overlapping), whether each is negated."""
        doc.ents = list(spans)
        for _, proc in self.nlp.pipeline:
            doc = proc(doc)
        flags = {(e.start, e.end): bool(e._.negex) for e in doc.ents}
        inside = {i for s in spans for i in range(s.start, s.end)}
        out = []
        for s in spans:
            negated = flags.get((s.start, s.end), False)
            if negated and s.start > 0:
                # A negation word inside an earlier finding ("no appetite", "not eating") is that
                # finding, not a denial of the ones after it: NegEx would read "no appetite, belly
                # pain and a rash" as denying all three.
                before = range(s.sent.start if s.doc.has_annotation("SENT_START") else 0, s.start)
                outside = [i for i in before if i not in inside and doc[i].lower_ in self.words]
                negated = bool(outside) or not any(doc[i].lower_ in self.words for i in before)
            out.append(negated)
        return out


# An HPO phrase that names the lack of something ("Infrequent bowel movements", "Absent reflexes"):
# denied in a window that names the thing alone ("I haven't had a bowel movement in a week"), the
# denial is the finding. The words of such a lack, in the phrase and not in the window; not a
# failure, an impairment or a difficulty ("Heart failure", "Hearing impairment"), which a patient
# denies by naming the problem ("I don't have hearing problems").
_LACK = re.compile(
    r"\b(?:infrequent|absen(?:t|ce)|lack(?:s|ing|ed)?|los(?:s|e|t|ing)|inability|unable|cessation|no|not|never)\b",
    re.IGNORECASE,
)
# A window that names a complaint or an abnormality is one denied, whatever phrase it is nearest
# ("no impairment of cellular immunity" is no "Lack of T cell function").
_COMPLAINT = re.compile(
    r"\b(?:problems?|troubles?|issues?|difficult(?:y|ies)|pains?|aches?|disorders?|diseases?|symptoms?|"
    r"impair\w*|deficien\w*|dysfunction\w*|abnormal\w*|failure|insufficien\w*|defect\w*|decreas\w*|"
    r"reduc\w*|poor|weak\w*|low|disturb\w*)\b",
    re.IGNORECASE,
)


def denial_is_finding(phrase: str, window: str) -> bool:
    """Whether a denied ``window`` that matched HPO's ``phrase`` states that phrase: the phrase
    names a lack (``_LACK``) the window neither says nor names a complaint of (``_COMPLAINT``).

    >>> denial_is_finding("infrequent bowel movements", "bowel movement")
    True
    >>> [denial_is_finding("hair loss", w) for w in ("hair", "losing hair", "hair problems")]
    [True, False, False]
    >>> denial_is_finding("heart failure", "heart")  # a failure is a disease, not a lack
    False
    """
    return bool(_LACK.search(phrase)) and not _LACK.search(window) and not _COMPLAINT.search(window)


class DenseMatch(NamedTuple):
    """A window the dense matcher kept: tokens ``start``-``end``, its term, the cosine, and whether
    a denial of the window states the phrase it matched (``denial_is_finding``): denied, it is present."""

    start: int
    end: int
    curie: str
    score: float
    lack: bool = False


class DensePhenotypes:
    """Text windows -> HPO terms by embedding cosine (see the module's docstring)."""

    def __init__(
        self,
        phrases: dict[str, str],
        encoder: Any,
        *,
        threshold: float = 0.8,
        one_word: float = 0.85,
        max_words: int = 6,
        longer: float = 0.02,
        cache: Path | None = None,
        anatomy: frozenset[str] = frozenset(),
        labels: Mapping[str, str] | None = None,
        forms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        # An adjective's nouns (WordNet's nominalizations, ``ontologies.wordnet``): a window of the
        # adjective alone is scored as the best of it and them ("dizzy" as "dizziness").
        self.forms = forms or {}
        self.encoder, self.threshold, self.one_word, self.max_words, self.anatomy = (
            encoder,
            threshold,
            one_word,
            max_words,
            anatomy,
        )
        self.longer = longer
        # Terms whose HPO label names a lost ability: each of their synonyms needs the loss said
        # too ("walk fast" is nearest "Delayed walking", a synonym of "Delayed ability to walk").
        self.lost_abilities = frozenset(c for c, name in (labels or {}).items() if _ABILITY_TERM.search(name))
        bare: dict[str, set[str]] = {}
        for p, c in phrases.items():
            if (m := _EXCESS.fullmatch(p)) and m.group(1) not in phrases:
                bare.setdefault(m.group(1), set()).add(c)
        ordered = sorted(phrases.items())
        ordered += sorted((p, next(iter(cs))) for p, cs in bare.items() if len(cs) == 1)
        self.phrases = [p for p, _ in ordered]
        self.curies = [c for _, c in ordered]
        self.bare = frozenset(range(len(phrases), len(ordered)))  # the forms without their degree word
        self.matrix = self._embed_phrases(cache)
        import torch

        self._names = torch.from_numpy(self.matrix)  # shares the memory

    def _embed_phrases(self, cache: Path | None) -> np.ndarray:
        return cached_embeddings(self.encoder, self.phrases, cache, "hpo-phrases", batch_size=128, desc="HPO phrases")

    def windows(self, doc: Any, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
        """Candidate token windows: inside one clause, bounded by content words, free of ``taken``."""
        blocked = {i for s, e in taken for i in range(s, e)}
        clauses: list[list[int]] = [[]]
        for t in doc:
            if breaks_clause(t) or t.i in blocked:
                clauses.append([])
            else:
                clauses[-1].append(t.i)

        def content(i: int) -> bool:
            t = doc[i]
            return t.is_alpha and t.lower_ not in FUNCTION_WORDS

        found = []
        for clause in clauses:
            for a in range(len(clause)):
                for b in range(a, min(len(clause), a + self.max_words)):
                    i, j = clause[a], clause[b]
                    if (
                        content(i)
                        and content(j)
                        and not self._names_no_finding(doc[i : j + 1])
                        and not self._cut_or_qualified(doc, i, j + 1)
                        and any(len(doc[k]) >= 3 and doc[k].is_alpha for k in range(i, j + 1))
                    ):
                        found.append((i, j + 1))
        return found

    def _part_words(self, doc: Any, clause: Sequence[int]) -> list[int]:
        """The tokens of ``clause`` that name a body part (one word, or two: "big toe")."""
        out: list[int] = []
        for k, i in enumerate(clause):
            w = doc[i].lower_
            pair = f"{doc[clause[k - 1]].lower_} {w}" if k > 0 else ""
            if pair in self.anatomy and clause[k - 1] not in out:
                out.append(clause[k - 1])
            if pair in self.anatomy or w in self.anatomy or (w.endswith("s") and w[:-1] in self.anatomy):
                out.append(i)
        return out

    def shared_part_windows(self, doc: Any, taken: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, str]]:
        """Windows of a coordination that names its body part once: "my toe is red, hot and
        swollen" (each adjective with the part: "toe swollen") and "my ankles and feet are swollen"
        (each part with what is said of the last: "ankles swollen"). (start, end, text): the span
        of the word that needs the part, or of the part, and the text to embed."""
        blocked = {i for s, e in taken for i in range(s, e)}
        groups: list[list[list[int]]] = [[[]]]
        for t in doc:
            if t.i in blocked or (breaks_clause(t) and t.lower_ not in (",", "and", "or")):
                groups.append([[]])
            elif breaks_clause(t):
                groups[-1].append([])
            else:
                groups[-1][-1].append(t.i)

        def content(i: int) -> bool:
            return doc[i].is_alpha and doc[i].lower_ not in FUNCTION_WORDS and doc[i].lower_ not in POSITION_WORDS

        out: list[tuple[int, int, str]] = []
        for group in groups:
            clauses = [c for c in group if c]
            parts = [self._part_words(doc, c) for c in clauses]
            for k, clause in enumerate(clauses):
                words = [i for i in clause if content(i)]
                if not words or len(words) > 2:
                    continue
                if not parts[k] and k > 0 and not any(doc[i].lower_ in _SUBJECTS for i in clause):
                    # an adjective whose part an earlier clause named ("it hurts to swallow" has its own subject)
                    named = next((p for p in reversed(parts[:k]) if p), None)
                    if named:
                        text = " ".join(doc[i].text for i in named + words)
                        out.append((words[0], words[-1] + 1, text))
                elif parts[k] and set(words) <= set(parts[k]) and k + 1 < len(clauses) and parts[k + 1]:
                    after = [i for i in clauses[k + 1] if i > parts[k + 1][-1]]
                    stop = next((n for n, i in enumerate(after) if doc[i].lower_ in _PREPOSITIONS), len(after))
                    said = [i for i in after[:stop] if content(i)][:2]  # "swollen" of "are swollen by evening"
                    if said:  # a part whose finding the next clause says of its own part
                        text = " ".join(doc[i].text for i in words + said)
                        out.append((words[0], words[-1] + 1, text))
        return out

    def inability_windows(
        self, doc: Any, windows: Sequence[tuple[int, int]] | None = None
    ) -> list[tuple[int, int, str]]:
        """Those of ``windows`` (default: ``self.windows(doc)``) that start on the verb after
        "can't", "cannot" or "couldn't" ("I can't hear as well"), each read as HPO names a lost
        ability: "difficulty hearing", "difficulty hearing as well" (``gerund``). (start, end,
        text): the span from "can" on, so that the window counts the words embedded and the loss
        stays said."""
        out: list[tuple[int, int, str]] = []
        for s, e in self.windows(doc) if windows is None else windows:
            if s < 2 or doc[s - 1].lower_ not in _NOT or doc[s - 2].lower_ not in _CAN or doc[s].lower_ in _IDIOMS:
                continue
            nxt = doc[s + 1].lower_ if s + 1 < len(doc) else ""
            if (doc[s].lower_ in _TOLERATE and nxt in _OBJECTS) or nxt == "still":  # "can't sit still": restless
                continue
            text = " ".join(["difficulty", gerund(doc[s].text), *(t.text for t in doc[s + 1 : e])])
            out.append((s - 2, e, text))
        return out

    def _names_no_finding(self, span: Any) -> bool:
        """A window of only body parts and where on the body they are ("big toe", "left arm"), what
        the body passes ("pee") and everyday words ("fingers go", "woke up"), or one that names an
        examination or a normal result."""
        words = [t.lower_ for t in span if t.lower_ not in FUNCTION_WORDS and not t.is_punct]
        parts = [w for w in words if w not in POSITION_WORDS]
        if not parts or " ".join(words) in self.anatomy or " ".join(parts) in self.anatomy:
            return True
        if all(w in self.anatomy or w in _LAY_EXCRETA or w in _EVERYDAY or w in _PARTICLES for w in parts):
            return True
        return any(w in _EXAMINATION for w in words)

    @staticmethod
    def _cut_or_qualified(doc: Any, start: int, end: int) -> bool:
        """A window that is only a degree ("abnormally low"), that follows "normal" ("normal
        hearing"), or that ends on an adjective whose noun comes after it ("hemolytic" of
        "hemolytic complement activity", "ocular" of "ocular fundus lesions")."""
        words = [t.lower_ for t in doc[start:end] if t.lower_ not in FUNCTION_WORDS]
        if all(w in _DEGREES for w in words):
            return True
        if start > 0 and doc[start - 1].lower_ in ("normal", "normally"):
            return True
        nxt = doc[end] if end < len(doc) else None
        return (
            nxt is not None
            and nxt.is_alpha
            and nxt.lower_ not in FUNCTION_WORDS
            and nxt.lower_ not in _CLAUSE
            and (doc[end - 1].lower_.endswith(_ADJECTIVE_ENDINGS) or doc[end - 1].lower_ in _LOOKS)
        )

    @staticmethod
    def _undirected(span: Any, phrase: str) -> bool:
        """The term says which way a quantity went and the window says none, or the other way."""
        up, down = bool(_UP_TERM.search(phrase)), bool(_DOWN_TERM.search(phrase))
        if up == down:  # neither, or both
            return False
        words = {t.lower_ for t in span}
        same, other = (_UP, _DOWN) if up else (_DOWN, _UP)
        return bool(words & other) or not (words & same or words & _EITHER)

    @staticmethod
    def _best_of_forms(
        every_best: np.ndarray, every_top: np.ndarray, owners: Sequence[int], n: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each of the first ``n`` windows' best phrase and cosine, an adjective's window the best of
        it and its nouns (the texts after the ``n`` windows, ``owners[j]`` the window of the j-th)."""
        best, top = every_best[:n].copy(), every_top[:n].copy()
        for j, k in enumerate(owners, start=n):
            if every_top[j] > top[k]:
                best[k], top[k] = every_best[j], every_top[j]
        return best, top

    @staticmethod
    def _degree_said(doc: Any, start: int, end: int) -> bool:
        """A degree word in the window or within three words of it, in its clause."""
        return any(t.lower_ in _SAID_DEGREE for t in _in_clause(doc, start, end, before=3, after=3))

    def _ability_unstated(self, doc: Any, start: int, end: int, phrase: str, curie: str) -> bool:
        """The term names a lost ability (its label or the phrase matched) and neither the window
        nor the four words before it in its clause ("I can't stand up") say the ability is lost."""
        if curie not in self.lost_abilities and not _ABILITY_TERM.search(phrase):
            return False
        return not any(t.lower_ in _IMPAIRED for t in _in_clause(doc, start, end, before=4))

    def match(self, doc: Any, taken: Sequence[tuple[int, int]] = (), *, lay: bool = False) -> list[DenseMatch]:
        """The windows kept (``DenseMatch``: tokens, HPO curie, cosine), best first, never
        overlapping each other or ``taken`` (the dictionary's matches); ``lay``: a patient's words,
        with the windows of ``shared_part_windows`` and ``inability_windows`` too (in case reports
        the first joined "patella" to "recognised during childhood"). Windows that extend a
        dictionary match to a more specific term ("cramping pain in my tummy" around "pain") were
        tried and matched no more lay dev phrases while embedding many more windows per case:
        not tried."""
        spans = self.windows(doc, taken)
        texts = [doc[s:e].text for s, e in spans]
        lengths = [e - s for s, e in spans]
        plain = len(spans)
        more = (*self.shared_part_windows(doc, taken), *self.inability_windows(doc, spans)) if lay else ()
        for s, e, text in more:
            spans.append((s, e))
            texts.append(text)
            lengths.append(len(text.split()))  # the words embedded, the shared part's or "difficulty" too
        if not spans:
            return []
        import torch

        owners = []  # the window each nominalization stands for
        for k, (s, e) in enumerate(spans[:plain]):
            if e - s == 1:
                for form in self.forms.get(doc[s].lower_, ()):
                    texts.append(form)
                    owners.append(k)
        vectors = np.asarray(self.encoder.encode(texts, batch_size=128), dtype=np.float32)
        # The product in torch, not numpy: numpy's BLAS threads keep spinning after a call and
        # slowed the encoder's next forward pass fivefold on 2 cores.
        with torch.inference_mode():
            scores = torch.from_numpy(vectors) @ self._names.T
            values, indices = scores.max(dim=1)
            best, top = self._best_of_forms(indices.numpy(), values.numpy(), owners, len(spans))
            unsaid = [
                k for k, (s, e) in enumerate(spans) if int(best[k]) in self.bare and not self._degree_said(doc, s, e)
            ]
            if unsaid:  # those windows: the best of HPO's own phrases instead
                values, indices = scores[:, : len(self.phrases) - len(self.bare)].max(dim=1)
                plain_best, plain_top = self._best_of_forms(indices.numpy(), values.numpy(), owners, len(spans))
                best[unsaid], top[unsaid] = plain_best[unsaid], plain_top[unsaid]
        kept: list[DenseMatch] = []
        used: set[int] = set()
        # Best first, a longer window a little before a shorter one of about the same cosine:
        # "ear started to hurt" is Ear pain before "hurt" is Pain (``longer`` per extra word).
        words = np.array(lengths, dtype=np.float32)
        for k in np.argsort(-(top + self.longer * (words - 1)), kind="stable"):
            if top[k] < self.threshold:
                continue
            s, e = spans[k]
            # One word alone ("night", "running") is nearest to some term more often than it means one.
            if words[k] == 1 and top[k] < self.one_word:
                continue
            phrase = self.phrases[int(best[k])]
            if self._undirected(doc[s:e], phrase):
                continue
            if self._ability_unstated(doc, s, e, phrase, self.curies[int(best[k])]):
                continue
            if e - s == 1 and e < len(doc) and doc[e].lower_ in _PARTICLES:
                continue
            if used.isdisjoint(range(s, e)):
                lack = denial_is_finding(phrase, texts[k])
                kept.append(DenseMatch(s, e, self.curies[int(best[k])], float(top[k]), lack))
                used.update(range(s, e))
        return kept
