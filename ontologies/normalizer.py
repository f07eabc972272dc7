"""The normalizer: mention text + entity type -> ranked ontology groundings, or none (NIL).

In order: abbreviations defined in the same document are expanded; a name that annotators of a
training corpus gave several concepts at once gives all of them; an exact match on the
normalized form (case, punctuation, Greek letters, plurals, inverted "X, Y" names) or on the
unordered words wins; a composite mention ("breast and ovarian cancers") is split into its parts;
otherwise every name of the type is ranked by the cosine of its embedding with the mention's
(when the index has embeddings, ``ontologies.dense``; the mention embedded by the index's
distilled static query encoder unless ``query_encoder="full"``) blended with the character 3-gram TF-IDF
cosine, less a small prior against concepts outside the type's canonical namespace and a
penalty for a name that says the opposite direction ("low" for "increased"), plus a bonus for
concepts other mentions of the same document matched exactly; below ``threshold`` the mention is
NIL. Genes are matched with a symbol's number joined ("FGF-7" is FGF7), take the name the
vocabulary knows of a synonym in brackets ("Psoriasin (S100A7)"), and are put in the document's
species, through a shared name when the vocabulary has the gene of another species only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np

from kg.errors import ConfigError, OntologyError
from kg.schema import entity_type
from kg.text import find_abbreviations
from kg.types import Document, Grounding, Mention
from ontologies.dense import NameEncoder, StaticQueryEncoder
from ontologies.drugs import find_drugs
from ontologies.genes import HUMAN
from ontologies.index import TermIndex
from ontologies.loaders import GUARD_CATEGORIES
from ontologies.text import GREEK_LETTERS, normalize, sorted_key
from ontologies.variants import keyed_parts, link_rs, variant_curie, variant_key

# Chosen on BC5CDR and NCBI-disease dev (BENCHMARKS.md).
DENSE_WEIGHT = 0.85  # the embedding cosine's share of the fallback score
CONTEXT_BONUS = 0.05  # added to concepts other mentions of the same document matched exactly
# For predicted mentions (``normalize_predicted``): a disease the normalizer grounds below 0.7 is
# dropped (with the one-word extension: NCBI-disease dev NER 84.06 -> 85.40, BC5CDR dev diseases
# 79.99 -> 82.24, end-to-end CID 39.74 -> 40.79). Chemicals are kept: a tenth of BC5CDR's gold
# chemicals have no id in the shared vocabularies.
DROP_BELOW: dict[str, float] = {"Disease": 0.7}
# ...and a one-word disease mention only a fuzzy match grounds, below 0.9, too: such words are
# mostly no disease ("acute", "damage", "chronic", "cardiac", "cutaneous" -> Drug Eruptions at
# 0.78). Disease concept F1 through `medkg extract` with the BC5CDR models: BC5CDR dev 81.92 ->
# 83.85 (where 0.9 was chosen from 0.85, 0.9, 0.95 and 1.0), NCBI-disease dev 70.34 -> 71.83,
# BioRED dev 75.47 -> 77.08. BENCHMARKS.md, session 24.
ONE_WORD_BELOW: dict[str, float] = {"Disease": 0.9}
# A predicted chemical grounded by no name match (exact, word order, a defined short form, a
# composite's parts) but only by the fuzzy fallback keeps its mention and loses its groundings
# (NIL): on BioRED train's gold chemicals, 3 of 62 fallback groundings are right (wrong: "MT" ->
# ergothioneine, "creatine kinase" -> creatine; in the MEDLINE census, "timonae" -> oxcarbazepine,
# "soy formula" -> benzethonium). BENCHMARKS.md, session 21. Genes likewise: a gene only the
# fallback grounds is mostly another gene ("cytokine" -> IK, "channels" -> TRPV1, "histone" ->
# Hist3): gene concept F1 on BioRED train predictions with an index without train's names 48.39
# -> 51.67 (precision 47.21 -> 58.28; 0.6 to 0.95 tried, each higher better), BioRED dev 61.77 ->
# 67.37. BENCHMARKS.md, session 34.
NIL_BELOW: dict[str, float] = {"Chemical": 0.95, "Gene": 0.95}
# A predicted chemical that names no chemical but names a disease exactly ("rubella", "asystole")
# becomes a disease: BC5CDR dev NER +0.2 F1. Else one that names a gene exactly ("Psoriasin",
# "ezrin", "Klotho": a tagger that never learned genes calls gene products chemicals) becomes a
# gene: BioRED dev gene NER +1.0 (19 mentions, all right), MEDLINE 5 of 7 right, held-out BC5CDR
# unchanged (BENCHMARKS.md, session 38). Short forms (4 characters or fewer, or all capitals) are
# left alone: "CS" or "CP" mean a chemical in their abstract and a disease in the vocabularies.
RETYPE: dict[str, tuple[str, ...]] = {"Chemical": ("Disease", "Gene")}
# A predicted chemical grounded to a MeSH protein (the "Proteins" branch of amino acids, peptides
# and proteins, or glycoproteins; not peptides, which hold the hormones BC5CDR calls chemicals)
# whose text also names a gene exactly is that gene: "Tetherin" is BST2. Of the gold chemicals of
# BC5CDR train+dev none is such a mention, of BioRED train's two ("clathrin"); on the MEDLINE
# slice one predicted chemical is (tetherin, a gene; BENCHMARKS.md, session 44).
PROTEIN_TREES = ("D12.776", "D09.400.430")
# The types a document's definition of a short form can show a mention to be the other of.
OTHER_TYPE: dict[str, str] = {"Chemical": "Disease", "Disease": "Chemical"}
QUERY_ENCODERS = ("static", "full")
# A predicted chemical or disease whose text names, exactly, only something of these types (an
# organism, a procedure, a body part, a protein: MeSH's other branches) is no entity of the graph.
GUARDED = ("Chemical", "Disease")
# A predicted chemical that is a word of the name of a sequence feature is none: "nucleotide" of
# "single nucleotide polymorphism", "amino acid" of "amino acid substitution", "zinc" of "zinc
# finger" (the span with a word before and/or after it names, exactly, a MeSH descriptor under
# genetic phenomena, G05, or protein structural elements). No gold chemical of BC5CDR train or
# dev or BioRED train is such a word; on BioRED dev all 19 the tagger found were false
# (BENCHMARKS.md, session 34).
SEQUENCE_TREES = ("G05", "G02.111.570.820.709.275")
# "SNP" is sodium nitroprusside in BC5CDR (2 abstracts, neither about genetics) and a single
# nucleotide polymorphism in each of BioRED train's 35 abstracts that write it, all of which say
# "polymorphism" or name a sequence variant: in such a document it is no chemical.
SEQUENCE_SHORT_FORMS = frozenset({"SNP", "SNPs"})
_GENETICS = re.compile(r"polymorphism", re.IGNORECASE)
# The types a later NER model's mention fills a gap of the earlier ones with (where they tagged
# nothing) when it names a concept of its type exactly, a short form through the long form its
# document defines (``Normalizer.fills_gap``, ``extractors.ensemble.tag_with``'s ``fill``).
# Diseases: BioRED's model finds some where BC5CDR's found nothing or only a chemical inside
# ("G6PD deficiency"). Disease NER after normalization on NCBI-disease train (neither model's
# corpus) 69.92 -> 72.38, concepts 77.62 -> 79.00; 125 held-out BC5CDR dev abstracts 86.07 ->
# 86.13; BioRED dev 79.85 -> 81.95. Also over BC5CDR's shorter diseases inside it ("aggressive
# periodontitis", "type 2 diabetes mellitus"): NCBI-disease train 76.50 -> 81.33, dev 71.00 ->
# 75.55, held-out BC5CDR 86.33 -> 86.28, BioRED dev 84.16 -> 84.85 (session 40). Without the
# short-form rule "CS" (cesarean section) and "ACL" (a ligament) became rare syndromes on MEDLINE;
# chemicals as well cost held-out BC5CDR 5 points (BENCHMARKS.md, session 34).
FILL_GAPS = frozenset({"Disease"})
_WORD_OF_FIVE = re.compile(r"[a-z]{5,}")  # else a short form: "CS", "ACL", "MRs" name rare syndromes
# A chemical of one or two characters ("Co", "Cl", "Li") is grounded only through a long form its
# document defines, by its own name where a charge follows it ("Na+", "Ca(2+)", "Cl-"), or as the
# element another mention of its document names in full ("Pb" where "lead" is named; gold
# chemical acc@1: BioRED dev 84.31 -> 85.40, BC5CDR dev 90.25 -> 90.97, BENCHMARKS.md session 27):
# on its own it is far more often a word, a unit or a gene than an element.
SHORTEST_CHEMICAL = 3
# A predicted gene of one character ("G", "T", "K", "a") is no gene: BioRED's training and dev
# splits name none (their shortest gene mentions are "AR", "TS", "Hp"...). Dropped (BENCHMARKS.md,
# session 29).
SHORTEST_GENE = 2
# A gene named by a training corpus only (BioRED's rat "podocin", "NMDA receptors", "creatine
# phosphokinase isoenzymes"), of a species no vocabulary covers and the document does not name,
# in a document about species a vocabulary covers, is the gene of the document's species the
# fallback ranks first, where it ranks it this high (``Normalizer._nearest_in``): BioRED dev gold
# gene acc@1 +6 mentions, train +1, none worse (BENCHMARKS.md, session 46).
COVERED_GENES = 1000
NEAREST_OF_SPECIES = 0.85
# A gene family's name and its members' (``_families``): letters ("MMPs", "TIM"), and the same
# letters with a number or Greek letter ("MMP-2", "PAR1", "RARa"), or a list that starts with them
# ("FGF-2, -3, -4, -7, and -18"). BioRED train gold gene acc@1 83.45 -> 83.72 (12 mentions better,
# none worse), dev 76.63 -> 77.09 (5 better, none worse; BENCHMARKS.md, session 46).
_FAMILY_NAME = re.compile(r"([A-Za-z]{2,}?)s?")
_FAMILY_MEMBER = re.compile(r"([A-Za-z]{2,}?)[- ]?(?:\d{1,2}[a-z]?|[αβγδ]|alpha|beta|gamma|delta)")
_FAMILY_LIST = re.compile(r"([A-Za-z]{2,}?)[- ]?\d")
# A predicted gene of one plain word ("connexin", "proband", "Kimura") that no name grounds is
# mostly no gene: dropped. BioRED dev: 34 of 41 such mentions false (gene NER 83.35 -> 84.28);
# the MEDLINE slice, by hand: 86 of 109 no gene or protein name, 16 right, 7 unclear
# (docs/audit/nil-one-word-genes-medline-s40.tsv; BENCHMARKS.md, session 40).
_PLAIN_WORD = re.compile(r"[A-Za-z][a-z]+")
_CHARGE = re.compile(r"\(?\d?\+\)?|\(?\d?-\)?(?![\w-])")  # "+", "2+", "(2+)", "-" but not "Co-administered"
_TFIDF_FLOOR = 0.1
_EXACT = 0.95  # a score this high is a name match (exact 1.0, word order 0.95)
_WORD_BEFORE = re.compile(r"(?<![\w'-])([A-Za-z][\w'-]*) +$")
_WORD_AFTER = re.compile(r" +([A-Za-z][\w'-]*)")
_NON_BEFORE = re.compile(r"(?<![\w'-])([Nn]on-)$")
_CHUNK = 256  # mentions scored against all names at once (256 x 56,000 disease names: 57 MB)
# Types whose names write a number after letters with or without a hyphen: "FGF-7" is the symbol
# FGF7, "IGF-1" IGF1, "FGFR-4" FGFR4. An exact lookup takes the concepts of the form with the gap
# closed too (the document's species then picks among them: ``Normalizer._in_context``). With
# ``BRACKETED_SYNONYMS`` and ``Normalizer._orthologs``: BioRED dev gold gene acc@1 50.05 -> 54.65
# (BENCHMARKS.md, session 27).
JOINED_NUMBERS = frozenset({"Gene"})
_NUMBER_GAP = re.compile(r"(?<=[a-z]) (?=\d)")
# A Greek letter a title or abstract lost to its Latin look-alike ("b-catenin", "TNF-a",
# "PKC-d"): a gene's exact lookup takes the concepts of the form with the letter spelled out
# too ("beta catenin"), after those of the form as written; the document's species then picks.
_LATIN_GREEK = {"a": "alpha", "b": "beta", "g": "gamma", "d": "delta", "k": "kappa"}
_LONE_LATIN = re.compile(r"\b[abgdk]\b")
# A Greek letter the text writes as a letter ("NF-κB", "PKCδ") is a word of its own in the
# matching form ("nf kappa b"); vocabularies write it joined to the word after or before it
# ("NF-kappaB", "PKCdelta"). A gene's exact lookup takes those forms where the others name nothing.
_GREEK_WORDS = frozenset(GREEK_LETTERS.values())
# A gene named and, in brackets right after it, named again ("Psoriasin (S100A7)", "S100A7
# (psoriasin)"): where one of the two names matches a vocabulary name and the other does not, both
# are that gene, and so is every other mention of the unmatched name in the document.
BRACKETED_SYNONYMS = frozenset({"Gene"})
# Types whose predicted mentions stop short of a longer name the tagger split ("caspase" of
# "caspase 3", "Fas" of "Fas ligand", "myosin" of "myosin heavy chain", "X-linked" of "X-linked
# inhibitor of apoptosis"): a mention runs on over what follows it (``_NAME_RUNS_ON``: four, three,
# two or one words, a number) when that makes a vocabulary name of its type
# (``Normalizer._longest_name``). Up to four words rather than two: BioRED dev genes after
# normalization 77.84 -> 78.02 (BENCHMARKS.md, session 29).
LONGEST_NAME = frozenset({"Gene"})
# A disease named exactly runs on over up to two words each side where the longer span names
# another disease exactly (BENCHMARKS.md, session 39: BioRED dev disease concepts +1.3, held-out
# BC5CDR +0.2, NCBI-disease dev strict +2.7).
_LONGER_EXACT = frozenset({"Disease"})
# A predicted composite of these types whose coordinated parts are each a whole name is one mention
# per part (``Normalizer._coordinated``; chosen on the training splits' gold, session 39).
_COORDINATED = frozenset({"Disease"})
_ROMAN = re.compile(r"[IVX]+")  # "ROCK-I/II": a numeral, not a second gene
_NAME_RUNS_ON = (
    *(re.compile(rf"(?: +[A-Za-z][\w'-]*){{{n}}}\b") for n in (4, 3, 2, 1)),  # four words, then fewer
    re.compile(r"[ -]?\d+[A-Za-z]?\b"),
)
# A fallback match that says the opposite direction of its mention drops this much ("increased
# cardiac output" ranked "Cardiac Output, Low" first). Gold disease acc@1, BC5CDR dev 91.15 ->
# 91.20; NCBI-disease and BioRED dev unchanged (BENCHMARKS.md, session 27).
POLARITY_PENALTY = 0.2
_UP = frozenset({"increased", "increase", "elevated", "elevation", "high", "raised", "excessive", "excess"})
_DOWN = frozenset({"decreased", "decrease", "reduced", "reduction", "low", "lowered", "deficient", "deficiency"})
# Words of which a disease is one or the other: a fallback match that names another word of the
# mention's group drops ``POLARITY_PENALTY`` too ("intraoperative hemorrhage" is no "Postoperative
# Hemorrhage"); a mention that says none of the group takes any ("heart failure" is still "Chronic
# Heart Failure"). "non" is one of two with its absence: "Muscle-Invasive Bladder Cancer" is no
# "Non-Muscle Invasive Bladder Neoplasms", "non small cell" no "small cell".
_EXCLUSIVE = (
    frozenset({"preoperative", "intraoperative", "postoperative", "perioperative"}),
    frozenset({"acute", "chronic"}),
    frozenset({"benign", "malignant"}),
    frozenset({"congenital", "acquired"}),
    frozenset({"upper", "lower"}),
    frozenset({"left", "right"}),
    frozenset({"systolic", "diastolic"}),
    frozenset({"prenatal", "postnatal", "neonatal"}),
)
_OPEN = re.compile(r"\s*\(\s*")
_CLOSE = re.compile(r"\s*\)")
_COORD = re.compile(r"\s*(?:,\s*(?:and|or)\s+|\s+and/or\s+|\s+and\s+|\s+or\s+|,\s*|/)\s*", re.IGNORECASE)
# A composite's later part that is only the number its first part ends on ("caspase-3/7",
# "MMP-2/-9", "FGF-2, -3, and -18", "Erk 1/2", "CYP11B2/B1", "HIF-1/2α"): the first part's stem
# is shared.
_ENUMERATED = re.compile(r"-?\s*([A-Za-z]?\d+[A-Za-zα-ω]?)")
_ENDS_ON_NUMBER = re.compile(r"(.*?[A-Za-z][^\d]*?)(\d+[A-Za-z]?)")
_ENDS_ON_CODE = re.compile(r"(.*?[A-Za-z\d][^A-Za-z]*?)([A-Za-z]\d+[A-Za-z]?)")
# A word in the plural before such numbers ("matrix metalloproteinases 2/9"): each part is singular.
_PLURAL_WORD = re.compile(r"\b([a-z]{4,}[^s])s\b")
# A disease named by its adjective ("anginal", "encephalopathic"): the nouns its ending makes, tried
# for an exact name when the word itself is none.
_ADJECTIVE_NOUNS = (("tic", ("sis",)), ("ic", ("ia", "y")), ("ian", ("ism",)), ("al", ("a", "")), ("ive", ("ion",)))
_WORDY = re.compile(r"[A-Za-z]{4}")  # a composite's part the fallback may ground: a word, not "2" or "B1"


def _disease_nouns(form: str) -> list[str]:
    """The nouns a one-word disease adjective's ending makes ("encephalopathic" -> "encephalopathia",
    "encephalopathy"); none for a short word."""
    if len(form) < 6:
        return []
    return [form[: -len(end)] + noun for end, nouns in _ADJECTIVE_NOUNS if form.endswith(end) for noun in nouns]


def _variant_parts(m: Mention) -> list[Mention]:
    """A predicted variant whose form names no variant: the variants written inside it, each a
    mention of its own (``ontologies.variants.keyed_parts``), or the mention as it is."""
    parts = keyed_parts(m.text)
    if not parts:
        return [m]
    return [
        replace(
            m,
            start=m.start + a,
            end=m.start + b,
            text=m.text[a:b],
            groundings=(Grounding(variant_curie(key), m.text[a:b], 1.0, "medkg"),),
            composite=False,
        )
        for a, b, key in parts
    ]


def _share_stem(parts: list[str]) -> list[str]:
    """A composite's parts with the first part's stem given to each later part that is only a
    number or a letter and number ("caspase-3", "7" -> "caspase-3", "caspase-7"; "MMP-2", "-9" ->
    "MMP-2", "MMP-9"; "CYP11B2", "B1" -> "CYP11B2", "CYP11B1"); other parts as they are."""
    if len(parts) < 2:
        return parts
    out = [parts[0]]
    for part in parts[1:]:
        bare = _ENUMERATED.fullmatch(part)
        if bare is None:
            out.append(part)
            continue
        number = bare.group(1)
        ends = (_ENDS_ON_CODE if number[0].isalpha() else _ENDS_ON_NUMBER).fullmatch(parts[0])
        out.append(ends.group(1) + number if ends else part)
    return out


# A name with its short form in brackets inside it: "hypoxia-inducible factor (HIF)-1a",
# "cytochrome P450 isoenzyme (CYP) 2D6", "superior mesenteric vein (SMV) thrombosis".
_INNER_SHORT_FORM = re.compile(r"(?P<long>\S.*?) \((?P<short>[^\s()]{2,12})\)(?P<rest>\s?[^\s()].*)")


def _greek_joined(form: str) -> list[str]:
    """``form`` with each Greek letter's word joined to the word after it, then to the word before
    it, where that word has a letter: "nf kappa b" -> "nf kappab", "nfkappa b" (a lone number
    stays apart: "2 alpha" of "HIF-1/2α" is no "2alpha")."""
    words = form.split()
    greek = [i for i, w in enumerate(words) if w in _GREEK_WORDS]
    if not greek or len(words) < 2:
        return []
    out = []
    for step in (1, -1):
        joined = list(words)
        for i in reversed(greek) if step == 1 else greek:
            j = i + step
            if 0 <= j < len(words) and joined[i] and joined[j] and not joined[j].isdigit():
                joined[min(i, j)], joined[max(i, j)] = joined[min(i, j)] + joined[max(i, j)], ""
        candidate = " ".join(w for w in joined if w)
        if candidate != form and candidate not in out:
            out.append(candidate)
    return out


def _without_inner_short_form(text: str) -> list[str]:
    """The two names a mention with its short form in brackets inside it stands for: the long one
    and the short one, each with the words after the brackets ("hypoxia-inducible factor-1a",
    "HIF-1a"); none for other mentions."""
    found = _INNER_SHORT_FORM.fullmatch(text.strip())
    if found is None or not any(c.isupper() for c in found["short"]):
        return []
    return [found["long"] + found["rest"], found["short"] + found["rest"]]


class Normalizer:
    """Type-aware normalization over one ``TermIndex`` (injected: nothing is downloaded).

    >>> normalizer = Normalizer(index)  # doctest: +SKIP
    >>> normalizer.normalize("breast and ovarian cancers", "Disease")  # doctest: +SKIP
    [Grounding(curie='MESH:D001943', ...), Grounding(curie='MESH:D010051', ...)]
    """

    def __init__(
        self,
        index: TermIndex,
        *,
        threshold: float = 0.55,
        top_k: int = 5,
        dense_weight: float = DENSE_WEIGHT,
        encoder: NameEncoder | None = None,
        context_bonus: float = CONTEXT_BONUS,
        shared_abbreviations: bool = True,
        query_encoder: str = "static",
    ) -> None:
        """``dense_weight``: the share of the embedding cosine in the fallback's score when the
        index has name embeddings (0: TF-IDF only). ``query_encoder``: what embeds mentions,
        "static" (the index's distilled ``StaticQueryEncoder``, where it has one: about twice the
        mentions/s on NCBI-disease dev, accuracy within a few mentions; BENCHMARKS.md) or "full"
        (the encoder the names were embedded with; also what an index without a static encoder
        uses). ``encoder``: that full encoder, when already loaded; otherwise it is loaded from
        the index's record on the first mention that needs it.
        ``context_bonus``: added in the fallback to a concept that another mention of the same
        document matched exactly ("renal impairment" where "renal insufficiency" was named).
        ``shared_abbreviations``: in ``normalize_documents``, a short form a document does not
        define takes the long form the other documents of the batch define for it."""
        if not 0.0 <= dense_weight <= 1.0:
            raise ConfigError(f"dense_weight must be within [0, 1], not {dense_weight}")
        if query_encoder not in QUERY_ENCODERS:
            raise ConfigError(f"query_encoder must be one of {', '.join(QUERY_ENCODERS)}, not {query_encoder!r}")
        self.query_encoder = query_encoder
        self.index = index
        self.threshold = threshold
        self.top_k = top_k
        self.dense_weight = dense_weight
        self.encoder = encoder
        self._dense_tensors: dict[str, Any] = {}
        self._concept_rows: dict[str, dict[int, Any]] = {}
        self.context_bonus = context_bonus
        self._gene_names: dict[int, list[str]] | None = None  # each gene's exact name forms, on first use
        self._covered: frozenset[str] | None = None  # the species a gene vocabulary covers, on first use
        self._gene_species: frozenset[str] | None = None  # the species the index knows genes of, on first use
        self.shared_abbreviations = shared_abbreviations

    @staticmethod
    def _category(label: str) -> str:
        return entity_type(label).label

    def _grounding(self, i: int, score: float) -> Grounding:
        curie = self.index.curies[i]
        return Grounding(curie, self.index.names[i], round(float(score), 4), "medkg", self.index.taxa.get(curie, ""))

    def _exact(self, text: str, category: str, form: str | None = None) -> list[Grounding]:
        """``form``: ``normalize(text)`` when the caller has it already."""
        form = form if form is not None else normalize(text)
        hits = self.index.exact.get((category, form))
        if category in JOINED_NUMBERS:
            forms = [form]
            if " " in form and _LONE_LATIN.search(form):  # a letter next to a name, never alone ("d")
                forms.append(_LONE_LATIN.sub(lambda x: _LATIN_GREEK[x.group()], form))
            forms += [_NUMBER_GAP.sub("", f) for f in forms if _NUMBER_GAP.search(f)]
            found = [i for f in forms for i in self.index.exact.get((category, f), ())]
            if not found:
                found = [
                    i
                    for f in forms
                    for joined in _greek_joined(f)
                    for i in self.index.exact.get((category, joined), ())
                ]
            hits = list(dict.fromkeys(found)) or None
        if hits:
            return [self._grounding(i, 1.0) for i in hits[: self.top_k]]
        hits = self.index.unordered.get((category, sorted_key(text)))
        return [self._grounding(i, 0.95) for i in hits[: self.top_k]] if hits else []

    def _first_exact(self, forms: Sequence[str], category: str) -> list[Grounding]:
        """The exact matches of the first of ``forms`` that has any; [] when none has."""
        return next((found for form in forms if (found := self._exact(form, category))), [])

    def _defined_as_other_type(self, long_form: str, category: str) -> bool:
        """``long_form`` ends in a name of the other type of ``OTHER_TYPE`` (the longest of its
        word endings that names a chemical or a disease exactly names one of that type): "human
        cutaneous leishmaniasis" for a chemical, not "tetrazolium chloride" or "cyclosporine-based
        immunosuppression" (a procedure)."""
        other = OTHER_TYPE.get(category)
        if other is None:
            return False
        words = long_form.split()
        for k in range(len(words)):
            form = normalize(" ".join(words[k:]))
            if (category, form) in self.index.exact:
                return False
            if (other, form) in self.index.exact:
                return True
        return False

    def _composite(self, text: str, category: str, fallback: bool = False) -> list[Grounding]:
        """The parts of a composite mention, each matched exactly; with ``fallback``, a disease part
        no name matches takes the fallback's concept where another part is named."""
        parts = _share_stem([p for p in _COORD.split(text) if p])
        if len(parts) < 2:
            return []
        # Distribute the shared head or modifier: "breast and ovarian cancers" -> "breast cancers",
        # "ovarian cancers"; "colon or rectal cancer" likewise; the longest of the last part's word
        # endings that makes a name ("cardiovascular and central nervous system toxicity").
        words = parts[-1].split()
        tails = [" ".join(words[k:]) for k in range(1, len(words))]
        named: list[Grounding | None] = []  # each part's exact match; None where the fallback may name it
        unnamed: list[str] = []
        for p in parts:
            # with the head first where that is a name: "D1/D2 receptor" is the D1 receptor, not "D1"
            found = self._first_exact([f"{p} {t}" for t in tails if not p.endswith(t)] + [p], category)
            if not found and _PLURAL_WORD.search(p):  # "matrix metalloproteinases 2" -> "... metalloproteinase 2"
                found = self._exact(_PLURAL_WORD.sub(r"\1", p), category)
            if found:
                named.append(found[0])
            elif fallback and category in _COORDINATED and tails and _WORDY.search(p):
                named.append(None)
                unnamed.append(p if p.endswith(tails[-1]) else f"{p} {tails[-1]}")
            else:
                return []
        if unnamed:
            # A disease part no name matches exactly ("gastrointestinal toxicities" of "hematological
            # and gastrointestinal toxicities") takes the fallback's best concept above the threshold
            # where another part is named exactly: the whole mention's fallback match would be one
            # concept for two.
            if len(unnamed) == len(parts):
                return []
            found_parts = iter(self._fuzzy(unnamed, category))
            for n, g in enumerate(named):
                if g is None:
                    ranked = next(found_parts)
                    if not ranked:
                        return []
                    named[n] = ranked[0]
        out: list[Grounding] = []
        for g in named:
            if g is not None and g.curie not in {o.curie for o in out}:
                out.append(g)
        return out if len(out) > 1 else []

    def _fuzzy(
        self, texts: Sequence[str], category: str, context: Sequence[set[int]] | None = None
    ) -> list[list[Grounding]]:
        """Rank every name of the type by ``dense_weight`` x embedding cosine + the rest x 3-gram
        TF-IDF cosine (TF-IDF alone when the index has no embeddings), less the namespace prior.
        Scores and the top-k run in torch: its top-k is 10x numpy's argpartition here."""
        import torch

        vec = self.index.vectorizers.get(category)
        if vec is None or not texts:
            return [[] for _ in texts]
        forms = [normalize(t) for t in texts]
        sims = (vec.transform(forms) @ self.index.matrices[category]).tocsr()
        weight = self.dense_weight if category in self.index.dense else 0.0
        queries = torch.from_numpy(self._encode(forms)) if weight > 0 else None
        if queries is not None:
            # A mention shares a 3-gram ("ase", "ia ") with a third of all names; cosines under
            # _TFIDF_FLOOR move a blended score by under 0.015: dropped (BC5CDR dev: the same
            # answers, about 4,500 -> 5,500 mentions/s).
            sims.data[sims.data < _TFIDF_FLOOR] = 0.0
            sims.eliminate_zeros()
        k = min(4 * self.top_k, len(self.index.row_prior[category]))
        # TF-IDF alone: a name that shares no 3-gram with the mention scores at most the context
        # bonus less its prior; under the threshold, only the non-zero cosines can rank.
        if queries is None and self.context_bonus - float(self.index.row_prior[category].min()) < self.threshold:
            return self._fuzzy_sparse(forms, sims, category, k, context)
        prior = torch.from_numpy(self.index.row_prior[category])
        out: list[list[Grounding]] = []
        for start in range(0, len(forms), _CHUNK):
            chunk = sims[start : start + _CHUNK]
            if queries is None:
                scores = torch.from_numpy(chunk.toarray())
            else:  # the embedding cosines, then the TF-IDF ones added where they are not zero
                scores = (queries[start : start + _CHUNK] @ self._dense_rows(category).T).mul_(weight)
                coo = chunk.tocoo()
                where = (torch.from_numpy(coo.row.astype(np.int64)), torch.from_numpy(coo.col.astype(np.int64)))
                scores.index_put_(where, torch.from_numpy(coo.data).mul_(1.0 - weight), accumulate=True)
            scores.sub_(prior)
            if context is not None and self.context_bonus:
                self._add_context(scores, context[start : start + _CHUNK], category)
            top_scores, top = torch.topk(scores, k, dim=1)
            for n, (best, vals) in enumerate(zip(top.numpy(), top_scores.numpy())):
                vals = self._against_polarity(forms[start + n], best, vals, category)
                order = np.lexsort((best, -vals))  # ties by row: deterministic
                out.append(self._ranked(best[order], vals[order], category))
        return out

    def _fuzzy_sparse(
        self, forms: Sequence[str], sims: Any, category: str, k: int, context: Sequence[set[int]] | None
    ) -> list[list[Grounding]]:
        """``_fuzzy`` by TF-IDF alone, read from each mention's non-zero cosines: where a name that
        shares no 3-gram scores under ``threshold`` (``_fuzzy`` checks), the ranking above it is
        the same as over every name, without a dense row of every name of the type (400,000 gene
        names: 1.2 GB for 256 mentions; BC5CDR dev normalized 3x faster, BENCHMARKS.md, session 40)."""
        prior = self.index.row_prior[category]
        concepts = self.index.row_concepts[category]
        out: list[list[Grounding]] = []
        for n, form in enumerate(forms):
            cols = sims.indices[sims.indptr[n] : sims.indptr[n + 1]]
            vals = sims.data[sims.indptr[n] : sims.indptr[n + 1]] - prior[cols]
            if context is not None and self.context_bonus and context[n]:
                vals = vals + np.isin(concepts[cols], list(context[n])) * self.context_bonus
            if len(cols) > k:
                keep = np.argpartition(-vals, k - 1)[:k]
                cols, vals = cols[keep], vals[keep]
            vals = self._against_polarity(form, cols, vals, category)
            order = np.lexsort((cols, -vals))  # ties by row: deterministic
            out.append(self._ranked(cols[order], vals[order], category))
        return out

    def _against_polarity(self, form: str, rows: np.ndarray, scores: np.ndarray, category: str) -> np.ndarray:
        """``scores`` less ``POLARITY_PENALTY`` for each name that says the opposite direction of
        the mention ("increased cardiac output" is no "Cardiac Output, Low") or another word of
        one of its ``_EXCLUSIVE`` groups ("intraoperative" against "postoperative", "non" against
        none)."""
        words = set(form.split())
        up, down = bool(words & _UP), bool(words & _DOWN)
        opposite = (_DOWN if up else _UP) if up != down else frozenset()
        others = [g - words for g in _EXCLUSIVE if words & g]
        if not opposite and not others and category != "Disease":  # a disease is also checked for "non"
            return scores
        names = self.index.row_forms[category]

        def against(name: str) -> bool:
            said = set(name.split())
            if said & opposite or any(said & g for g in others):
                return True
            return category == "Disease" and ("non" in said) != ("non" in words)

        return np.array(
            [v - POLARITY_PENALTY if against(names[r]) else v for r, v in zip(rows.tolist(), scores)],
            dtype=scores.dtype,
        )

    def _add_context(self, scores: Any, context: Sequence[set[int]], category: str) -> None:
        """``context_bonus`` onto the names of the concepts each mention's document matched."""
        rows_of = self._rows_of(category)
        for r, concepts in enumerate(context):
            for c in concepts:
                rows = rows_of.get(c)
                if rows is not None:
                    scores[r, rows] += self.context_bonus

    def _ranked(self, rows: np.ndarray, scores: np.ndarray, category: str) -> list[Grounding]:
        """Groundings of the best rows, one per concept, down to the threshold."""
        concepts = self.index.row_concepts[category]
        ranked: list[Grounding] = []
        seen: set[int] = set()
        for row, score in zip(rows.tolist(), scores.tolist()):
            concept = int(concepts[row])
            if score < self.threshold:
                break
            if concept in seen:
                continue
            seen.add(concept)
            ranked.append(self._grounding(concept, score))
            if len(ranked) == self.top_k:
                break
        return ranked

    def _rows_of(self, category: str) -> dict[int, Any]:
        """Concept -> the TF-IDF rows of its names (a tensor), built once per type."""
        found = self._concept_rows.get(category)
        if found is None:
            import torch

            by: dict[int, list[int]] = {}
            for r, c in enumerate(self.index.row_concepts[category].tolist()):
                by.setdefault(c, []).append(r)
            found = self._concept_rows[category] = {c: torch.tensor(rs) for c, rs in by.items()}
        return found

    def _dense_rows(self, category: str) -> Any:
        """The name embeddings of a type as a float32 tensor (converted once; a bf16 matmul was 10%
        faster here but moved scores enough to change a BC5CDR dev answer)."""
        rows = self._dense_tensors.get(category)
        if rows is None:
            import torch

            rows = self._dense_tensors[category] = torch.from_numpy(self.index.dense[category].astype(np.float32))
        return rows

    def load_encoder(self) -> Normalizer:
        """Load what embeds mentions now (by default it loads on the first mention that needs
        the dense fallback): for services and benchmarks that should not pay it later."""
        if self.index.dense_encoder:
            found = self._mention_encoder()
            if isinstance(found, StaticQueryEncoder):
                found.load()
        return self

    def _mention_encoder(self) -> NameEncoder | StaticQueryEncoder:
        if self.query_encoder == "static" and self.index.query_encoder is not None:
            return self.index.query_encoder
        if self.encoder is None:
            self.encoder = NameEncoder(self.index.dense_encoder or "")
        return self.encoder

    def _encode(self, forms: Sequence[str]) -> np.ndarray:
        encoder = self._mention_encoder()
        if encoder.name != self.index.dense_encoder:
            raise OntologyError(
                f"the index was embedded with {self.index.dense_encoder!r}, not {encoder.name!r}; "
                "pass the same encoder or rebuild the index"
            )
        unique = list(dict.fromkeys(forms))
        found = encoder.encode(unique)
        where = {f: k for k, f in enumerate(unique)}
        return found[[where[f] for f in forms]]

    def _named(
        self, text: str, long_form: str | None, category: str, fallback_parts: bool = False
    ) -> tuple[list[Grounding], bool] | None:
        """Everything but the fallback: a training-corpus composite name, an exact or word-order
        match (of the long form first), a supplementary name, a split composite mention (with
        ``fallback_parts``, one whose disease parts the fallback may ground: ``_composite``); None
        when none applies. Without ``fallback_parts``, every grounding is a name match."""
        first = long_form or text
        form = normalize(first)
        named = self.index.composites.get((category, form))
        if named and not self._one_documents_family(category, form, named):
            return [self._grounding(i, 1.0) for i in named], True
        found = self._exact(first, category, form)
        if not found and category == "Disease" and long_form is None and " " not in form:
            found = self._first_exact(_disease_nouns(form), category)
        if found:
            return found, False
        if long_form:
            # A short form the document defines as the other entity type ("human cutaneous
            # leishmaniasis (HCL)" for a mention typed chemical) names nothing of this type, not
            # what the vocabularies call the letters (hydrogen chloride).
            if self._defined_as_other_type(long_form, category):
                return [], False
            found = self._exact(text, category)  # the long form's words may be no name ("pentetrazol (PTZ)")
            if found:
                return found, False
        for name_form in (form, normalize(text)) if long_form else (form,):
            found = self._supplementary(name_form, category)
            if found:
                return found, False
        parts = self._composite(first, category, fallback_parts)
        return (parts, True) if parts else None

    def _one_documents_family(self, category: str, form: str, parts: Sequence[int]) -> bool:
        """A training corpus's gene composite named without a number whose parts are several genes
        of one species ("chemokine": six chemokines, "smad", "cyclooxygenase"): the members of a
        family one document meant. Over BioRED train and dev, each document that names such a
        family again means other members (13 of 13, leaving the composite's own document out;
        BENCHMARKS.md, session 40), so the name is read as any other. Numbered composites
        ("ERK1/2") and one gene's orthologs ("vimentin") stay."""
        if category != "Gene" or any(c.isdigit() for c in form):
            return False
        return len({self.index.taxa.get(self.index.curies[i]) for i in parts}) < len(parts)

    def _supplementary(self, form: str, category: str) -> list[Grounding]:
        """The one concept whose supplementary name is ``form`` (normalized; ``TermIndex.supplementary``:
        "pazopanib", "gartanin"); none where several share it."""
        hits = self.index.supplementary.get((category, form), [])
        return [self._grounding(hits[0], 1.0)] if len(hits) == 1 else []

    def normalize_many(
        self,
        items: Sequence[tuple[str, str]],
        abbreviations: dict[str, str] | Sequence[dict[str, str]] | None = None,
        documents: Sequence[int] | None = None,
    ) -> list[tuple[list[Grounding], bool]]:
        """For each ``(text, label)``: the groundings, best first, and whether they are the parts
        of a composite mention. An empty list means NIL. ``abbreviations`` is one short -> long
        form table for all items, or one table per item; ``documents``, the document number of
        each item, lets the fallback favour concepts matched exactly in the same document."""
        tables = abbreviations if isinstance(abbreviations, Sequence) else [abbreviations or {}] * len(items)
        results: list[tuple[list[Grounding], bool] | None] = [None] * len(items)
        misses: dict[str, list[tuple[int, str]]] = {}
        symbols: list[int] = []  # chemicals too short to ground alone (``SHORTEST_CHEMICAL``)
        for n, ((text, label), table) in enumerate(zip(items, tables, strict=True)):
            category = self._category(label)
            long_form = table.get(text.strip())
            if category == "Chemical" and long_form is None and len(text.strip()) < SHORTEST_CHEMICAL:
                results[n] = ([], False)
                if documents is not None:
                    symbols.append(n)
                continue
            if category == "Variant":  # by its form (ontologies.variants), else a name annotators gave it; never fuzzy
                key = variant_key(text)
                results[n] = (
                    [Grounding(variant_curie(key), text.strip(), 1.0, "medkg")] if key else self._exact(text, category),
                    False,
                )
                continue
            results[n] = self._named(text, long_form, category, fallback_parts=True)
            inner = _without_inner_short_form(text) if results[n] is None and long_form is None else []
            for form in inner:
                results[n] = self._named(form, None, category, fallback_parts=True)
                if results[n] is not None:
                    break
            if results[n] is None:
                misses.setdefault(category, []).append((n, long_form or text))
        found_in: dict[int, set[int]] = {}
        if documents is not None:
            for n, r in enumerate(results):
                if r is not None:
                    found_in.setdefault(documents[n], set()).update(
                        i for i in (self.index.by_curie.get(g.curie) for g in r[0]) if i is not None
                    )  # a variant's id is no index concept
        for n in symbols:  # "Pb" where the document names lead in full: lead
            in_document = found_in.get(documents[n], set()) if documents is not None else set()
            named = [g for g in self._exact(items[n][0], "Chemical") if self.index.by_curie.get(g.curie) in in_document]
            results[n] = (named[:1], False)
        for category, pending in misses.items():
            context = [found_in.get(documents[n], set()) for n, _ in pending] if documents is not None else None
            for (n, _), ranked in zip(pending, self._fuzzy([t for _, t in pending], category, context), strict=True):
                results[n] = (ranked, False)
        return [r if r is not None else ([], False) for r in results]

    def normalize(self, text: str, label: str, abbreviations: dict[str, str] | None = None) -> list[Grounding]:
        """Groundings of one mention, best first; [] when NIL."""
        return self.normalize_many([(text, label)], abbreviations)[0][0]

    def normalize_documents(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with every mention's ``groundings`` filled in (``composite`` set for split
        ones); all mentions go through one batched lookup."""
        items: list[tuple[str, str]] = []
        tables: list[dict[str, str]] = []
        documents: list[int] = []
        own = [find_abbreviations(doc.text) if doc.mentions else {} for doc in docs]
        # A short form a document uses without defining it takes the long form the other
        # documents of the batch define for it most often ("OAB" in one abstract, "overactive
        # bladder (OAB)" in another), as a corpus-wide abbreviation table (ADAM, Ab3P) would.
        defined: dict[str, Counter[str]] = {}
        for table in own:
            for short, long in table.items():
                defined.setdefault(short, Counter())[long] += 1
        shared = {short: longs.most_common(1)[0][0] for short, longs in defined.items()}
        for d, doc in enumerate(docs):
            table = {**shared, **own[d]} if self.shared_abbreviations else own[d]
            for m in doc.mentions:
                items.append((m.text, m.label))
                tables.append(self._with_ion(doc.text, m, table))
            documents.extend([d] * len(doc.mentions))
        results = iter(self.normalize_many(items, tables, documents))
        out = []
        for doc, short_forms in zip(docs, own, strict=True):
            mentions = []
            for m in doc.mentions:
                groundings, composite = next(results)
                mentions.append(replace(m, groundings=tuple(groundings), composite=composite or m.composite))
            out.append(replace(doc, mentions=tuple(self._in_context(doc.text, mentions, short_forms))))
        return out

    def _with_ion(self, text: str, m: Mention, table: dict[str, str]) -> dict[str, str]:
        """``table``, and for a chemical too short to ground alone that a charge follows ("Na+"),
        its own text as its long form, so it is looked up by name."""
        short = m.text.strip()
        if (
            len(short) >= SHORTEST_CHEMICAL
            or short in table
            or self._category(m.label) != "Chemical"
            or not _CHARGE.match(text, m.end)
        ):
            return table
        return {**table, short: short}

    def _in_context(self, text: str, mentions: list[Mention], short_forms: dict[str, str]) -> list[Mention]:
        """What a mention's document says about it: a gene named again in brackets takes the name
        the vocabulary knows (``_bracketed_synonyms``), a gene's candidates of the document's
        species come first (of the species the index knows genes of, the one it mentions most:
        "E. coli" expressing a mouse receptor does not hide the mice), then those of the species
        whose way of writing official symbols the document's genes follow most
        (``TermIndex.gene_cased``: "Sox2", "Nanog" and "Ctr9" in a paper on preimplantation
        embryos that names only yeast are mouse genes; human when none tells); a variant
        change written next to an rs id takes that id (``ontologies.variants.link_rs``), and so
        does one a training corpus gave a dbSNP id in a document about one of this document's
        genes (``TermIndex.variant_genes``); last, a gene family named without a number is the
        members the document names with one (``_families``)."""
        kinds = [self._category(m.label) for m in mentions]
        in_species = self._gene_order(mentions)
        variants = [i for i, k in enumerate(kinds) if k == "Variant"]
        linked = link_rs(
            [mentions[i].text for i in variants], [(mentions[i].start, mentions[i].end) for i in variants], text
        )
        out = _bracketed_synonyms(text, list(mentions), kinds)
        for i, key in zip(variants, linked, strict=True):
            m = out[i]
            if key and (not m.groundings or m.groundings[0].curie != variant_curie(key)):
                out[i] = replace(m, groundings=(Grounding(variant_curie(key), m.text, 1.0, "medkg"),))
        variant_genes = self.index.variant_genes
        genes = {m.groundings[0].curie for m, k in zip(mentions, kinds, strict=True) if k == "Gene" and m.groundings}
        for i in variants:
            m = out[i]
            if m.groundings and m.groundings[0].curie.startswith("dbSNP:"):
                continue
            ids = variant_genes.get(normalize(m.text), {})
            shared = max(ids.items(), key=lambda kv: (len(kv[1] & genes), kv[0]), default=None)
            if shared and shared[1] & genes:  # "V175M" in an abstract about the gene it was rs7946 in
                out[i] = replace(m, groundings=(Grounding(shared[0], m.text, 1.0, "medkg"),))
        for i, k in enumerate(kinds):
            if k == "Gene" and out[i].groundings and self.index.taxa:
                out[i] = in_species(out[i])
        return _families(out, kinds, short_forms)

    def _gene_order(self, mentions: Sequence[Mention]) -> Callable[[Mention], Mention]:
        """How a gene mention of the document with ``mentions`` orders its candidates
        (``_in_context``): those of the species the document names most (of the species the
        index knows genes of), then those of the species the casing of its genes' names tells,
        an ortholog of the named species first where no candidate is of it, and the nearest gene
        of the named species (``_nearest_in``) where the first is only a training corpus's gene of
        a species the document does not name."""
        kinds = [self._category(m.label) for m in mentions]
        if self._gene_species is None:
            self._gene_species = frozenset(self.index.taxa.values())
        species = Counter(
            m.groundings[0].curie
            for m, k in zip(mentions, kinds, strict=True)
            if k == "Species" and m.groundings and m.groundings[0].curie in self._gene_species
        )
        # The species the casing of the genes' names tells, where it tells one ("Sox2"); a name that
        # is a gene of a named species tells nothing about the others (HIV's "Tat" is no mouse vote).
        cased = Counter(
            self.index.gene_cased[m.text.strip()]
            for m, k in zip(mentions, kinds, strict=True)
            if k == "Gene"
            and m.text.strip() in self.index.gene_cased
            and not any(self.index.taxa.get(g.curie) in species for g in m.groundings)
        )
        told = max(cased, key=lambda t: (cased[t], t == HUMAN)) if cased else HUMAN
        document_species = max(species, key=lambda t: (species[t], t == HUMAN)) if species else told
        named_with = self._named_with_species(mentions, kinds)
        covered = self._covered_species()

        def ordered(m: Mention) -> Mention:
            target = named_with.get(m.text.strip().lower(), document_species)

            def species_first(g: Grounding) -> tuple[bool, bool]:  # the named species' genes, then the told one's
                taxon = self.index.taxa.get(g.curie, HUMAN)
                return taxon != target, taxon != told

            if m.composite and len(m.groundings) > 1:
                # each part the gene of the named species: "Erk 1/2" in mice is two mouse genes, and
                # a training corpus's human-and-mouse "vimentin" one gene of this document's species
                parts: dict[str, Grounding] = {}
                for g in m.groundings:
                    if self.index.taxa.get(g.curie, HUMAN) != target:
                        g = next(iter(self._orthologs(g, target)), g)
                    parts.setdefault(g.curie, g)
                return replace(m, groundings=tuple(parts.values()), composite=len(parts) > 1)
            ranked = sorted(m.groundings, key=species_first)
            if self.index.taxa.get(ranked[0].curie, HUMAN) != target:
                ranked = [*self._orthologs(ranked[0], target), *ranked]
            first = self.index.taxa.get(ranked[0].curie, HUMAN)
            if species and first not in species and first not in covered and target in covered:
                ranked = [*self._nearest_in(m.text, set(species)), *ranked]
            return replace(m, groundings=tuple(ranked))

        return ordered

    def _covered_species(self) -> frozenset[str]:
        """The species a gene vocabulary covers: those the index knows thousands of genes of (a
        vocabulary lists every gene of its species; the training corpora name a few hundred genes
        of the others, BioRED's rat genes 131)."""
        if self._covered is None:
            counts = Counter(self.index.taxa.values())
            self._covered = frozenset(t for t, n in counts.items() if n >= COVERED_GENES)
        return self._covered

    def _nearest_in(self, text: str, species: set[str]) -> list[Grounding]:
        """The gene of ``species`` the fallback ranks first for ``text``, when it ranks it at
        ``NEAREST_OF_SPECIES`` or above; none otherwise."""
        ranked = self._fuzzy([text], "Gene")[0]
        return [g for g in ranked if self.index.taxa.get(g.curie, HUMAN) in species and g.score >= NEAREST_OF_SPECIES][
            :1
        ]

    def _named_with_species(self, mentions: Sequence[Mention], kinds: Sequence[str]) -> dict[str, str]:
        """The genes a document names with their species right before them, by lower-cased
        name: "transgenic mice that express human liver-type fatty acid binding protein (L-FABP)"
        names a human gene, and so does its short form in brackets after it, wherever the
        document writes them. The species as a word for its kind ("human", "mouse", "HIV-1"), not
        its members ("in mice Sesn2 knockdown", of a paper on human cells, says where, not whose)."""
        species_ending = {
            m.end: m.groundings[0].curie
            for m, k in zip(mentions, kinds, strict=True)
            if k == "Species"
            and m.groundings
            and m.groundings[0].curie in (self._gene_species or ())
            and _names_a_kind(m.text)
        }
        named: dict[str, str] = {}
        before: tuple[Mention, str] | None = None
        for m, k in sorted(zip(mentions, kinds, strict=True), key=lambda x: x[0].start):
            if k != "Gene":
                continue
            taxon = species_ending.get(m.start - 1)  # "human TNF": one space between
            if taxon is None and before is not None and m.start - before[0].end == 2:  # "... protein (L-FABP)"
                taxon = before[1]
            if taxon is not None:
                named.setdefault(m.text.strip().lower(), taxon)
                before = (m, taxon)
        return named

    def _orthologs(self, gene: Grounding, taxon: str) -> list[Grounding]:
        """The genes of ``taxon`` that share a name with ``gene`` (the same gene in another
        species, as far as the vocabularies' names tell: mouse and rat genes are named only by
        the training corpus here), as good a match as ``gene``."""
        if self._gene_names is None:
            self._gene_names = defaultdict(list)
            for (category, form), rows in self.index.exact.items():
                if category == "Gene":
                    for r in rows:
                        self._gene_names[r].append(form)
        row = self.index.by_curie.get(gene.curie)
        if row is None:
            return []
        shared: Counter[int] = Counter(
            other
            for form in self._gene_names.get(row, ())
            for other in self.index.exact.get(("Gene", form), ())
            if other != row and self.index.taxa.get(self.index.curies[other], HUMAN) == taxon
        )
        if not shared:
            return []
        # the gene with the same symbol first (human DMD: mouse Dmd, not mouse Best1, which shares
        # only the alias "BMD"), then the one sharing the most names, then the first found
        symbol = normalize(self.index.names[row])
        first = min(shared, key=lambda o: (normalize(self.index.names[o]) != symbol, -shared[o]))
        return [self._grounding(first, gene.score)]

    def normalize_predicted(
        self,
        docs: Sequence[Document],
        *,
        floors: Mapping[str, float] = DROP_BELOW,
        one_word_floors: Mapping[str, float] = ONE_WORD_BELOW,
        retype: Mapping[str, Sequence[str]] = RETYPE,
        nil_below: Mapping[str, float] = NIL_BELOW,
        drugs: bool = True,
    ) -> list[Document]:
        """``normalize_documents`` for predicted mentions, as the pipeline uses it. A mention of a
        type in ``retype`` that names no concept of its type but names one of the others exactly
        takes the first such type (see ``RETYPE``; a gene's candidates then ordered by the
        document's species, as ``_in_context`` orders them), and so does a chemical grounded to a
        MeSH protein that names a gene (``PROTEIN_TREES``). Then, for the types in ``floors``: a mention that
        matches no name exactly but does with the word just before or after it (an exact,
        word-order or composite match; not the fallback) takes that span, unless it would overlap
        another mention (the tagger stopped one word short: "hepatitis" of
        "chronic hepatitis"); then a mention grounded below its type's floor (a one-word mention:
        below ``one_word_floors`` too), or NIL, is dropped:
        such "diseases" are mostly not diseases (BENCHMARKS.md). A mention of a type in ``nil_below``
        grounded below its value stays, without groundings (NIL). Last, with ``drugs``, a MeSH drug
        name no mention covers becomes a chemical mention (``ontologies.drugs``)."""
        out = []
        for doc in self.normalize_documents(docs):
            mentions: list[Mention] = []
            in_species: Callable[[Mention], Mention] | None = None
            for m in doc.mentions:
                category = self._category(m.label)
                if category in retype:
                    m = self._retyped(m, retype[category])
                    if category != "Gene" and self._category(m.label) == "Gene" and m.groundings and self.index.taxa:
                        in_species = in_species or self._gene_order(doc.mentions)
                        m = in_species(m)
                    category = self._category(m.label)
                if category in GUARDED and self._names_something_else(m):
                    continue
                if category == "Variant" and not m.groundings:
                    mentions += _variant_parts(m)
                    continue
                if category == "Chemical" and self._sequence_word(doc, m):
                    continue
                if category in nil_below and m.groundings and m.groundings[0].score < nil_below[category]:
                    m = replace(m, groundings=(), composite=False)
                gene = self._exact(m.text, "Gene") if category == "CellLine" and not m.groundings else []
                if gene:  # "CD4 cells": a gene's name and no known cell line
                    m, category = replace(m, label="Gene", groundings=tuple(gene)), "Gene"
                if category == "Gene":
                    pair = self._two_genes(doc, m)
                    if pair:
                        in_species = in_species or self._gene_order(doc.mentions)
                        mentions += [in_species(p) for p in pair]
                        continue
                if category in _COORDINATED and m.composite:
                    parts = self._coordinated(doc, m, category)
                    if parts:
                        mentions += parts
                        continue
                if category in LONGEST_NAME:
                    m = self._longest_name(doc, m, category, mentions)
                if category in _LONGER_EXACT and _named_exactly(m):
                    m = self._longer_exact_name(doc, m, category, mentions)
                if category == "Gene" and (
                    len(m.text.strip()) < SHORTEST_GENE or (not m.groundings and _PLAIN_WORD.fullmatch(m.text.strip()))
                ):
                    continue
                if category not in floors:
                    mentions.append(m)
                    continue
                if not _named_exactly(m):
                    for start, end in _one_word_longer(doc.text, m.start, m.end):
                        named = self._named(doc.text[start:end], None, category)
                        if named is None:
                            continue
                        others = [o for o in doc.mentions if o is not m] + mentions
                        if not any(o.start < end and start < o.end for o in others):
                            m = replace(
                                m,
                                start=start,
                                end=end,
                                text=doc.text[start:end],
                                groundings=tuple(named[0]),
                                composite=named[1],
                            )
                        break
                floor = floors[category]
                if len(m.text.split()) == 1:
                    floor = max(floor, one_word_floors.get(category, floor))
                if m.groundings and m.groundings[0].score >= floor:
                    mentions.append(m)
            if drugs:
                mentions += self._missed_drugs(doc, mentions)
            out.append(replace(doc, mentions=tuple(sorted(mentions, key=lambda m: (m.start, m.end)))))
        return out

    def _missed_drugs(self, doc: Document, mentions: Sequence[Mention]) -> list[Mention]:
        """Chemical mentions for the MeSH drug names of ``doc`` that no mention overlaps (``ontologies.drugs``),
        grounded as the name's exact match."""
        found = []
        for start, end, _ in find_drugs(doc.text, self.index.drugs):
            if any(m.start < end and start < m.end for m in mentions):
                continue
            groundings = self._exact(doc.text[start:end], "Chemical")
            if groundings:
                found.append(Mention(start, end, doc.text[start:end], "Chemical", 1.0, groundings=tuple(groundings)))
        return found

    def _longer_exact_name(self, doc: Document, m: Mention, category: str, kept: Sequence[Mention]) -> Mention:
        """``m`` with up to two words before and after it, or the "non-" right before it, where that
        longer span is itself a name of another concept of its type ("essential hypertension" for
        "hypertension", "mucopolysaccharidosis type VI", "non-insulin-dependent diabetes mellitus"
        for the insulin-dependent one) and overlaps no other mention; the longest such span."""
        text = doc.text
        before1, after1 = _words_around(text, m.start, m.end)
        before2 = _words_around(text, before1, m.end)[0] if before1 is not None else None
        after2 = _words_around(text, m.start, after1)[1] if after1 is not None else None
        starts = [x for x in (before2, before1, _non_before(text, m.start), m.start) if x is not None]
        ends = [x for x in (after2, after1, m.end) if x is not None]
        spans = sorted(
            ((a, b) for a in starts for b in ends if (a, b) != (m.start, m.end)), key=lambda ab: ab[0] - ab[1]
        )
        for start, end in spans:
            named = self._named(text[start:end], None, category)
            if not (named and named[0] and named[0][0].score >= _EXACT and not named[1]):
                continue
            if named[0][0].curie == m.groundings[0].curie:  # the same concept: the span is a corpus's choice
                continue
            if any(o is not m and o.start < end and start < o.end for o in (*doc.mentions, *kept)):
                continue
            return replace(m, start=start, end=end, text=text[start:end], groundings=tuple(named[0]), composite=False)
        return m

    def _coordinated(self, doc: Document, m: Mention, category: str) -> list[Mention]:
        """A composite mention whose coordinated parts are each a whole name of its type ("lymphoma
        and leukemia", "CRF or ESRD"): one mention each, as the corpora annotate them (BioRED,
        BC5CDR and NCBI-disease train: 596 such pairs written as two mentions, 18 as one); none
        where a part needs another's words ("breast and ovarian cancers")."""
        cuts = [(x.start(), x.end()) for x in _COORD.finditer(m.text)]
        bounds = [0, *(c for cut in cuts for c in cut), len(m.text)]
        spans = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
        if len(spans) < 2:
            return []
        last = m.text[spans[-1][0] : spans[-1][1]].split()
        tail = " ".join(last[1:])
        out = []
        for k, (a, b) in enumerate(spans):
            found = self._exact(m.text[a:b], category) if b > a else []
            if not found:
                return []
            # a part the last part's head completes: "diabetic and toxic neuropathy" (another concept
            # with the head), "colorectal or lung cancer" (one word that is no name without it)
            headed = self._headed(m.text[a:b], tail, category)
            if k < len(spans) - 1 and headed and (headed != found[0].curie or " " not in m.text[a:b]):
                return []
            start, end = m.start + a, m.start + b
            out.append(
                replace(m, start=start, end=end, text=doc.text[start:end], groundings=tuple(found), composite=False)
            )
        return out

    def _headed(self, part: str, tail: str, category: str) -> str | None:
        """The concept ``part`` with a composite's shared head (``tail``, the last part's words
        after its first) names exactly, if any: "diabetic" + "neuropathy", "D1" + "receptor"."""
        hits = self.index.exact.get((category, normalize(f"{part} {tail}")), []) if tail else []
        return self.index.curies[hits[0]] if hits else None

    def _two_genes(self, doc: Document, m: Mention) -> list[Mention]:
        """A predicted gene written as two gene names joined by a slash ("p62/SQSTM1", "PI3K/Akt"):
        one mention each, as BioRED annotates them (95 such pairs in its training split, against a
        few single mentions), each grounded by its name (the caller orders them by species); none
        where either side names no gene exactly or the second is a number ("ERK1/2", "ROCK-I/II": a
        composite)."""
        parts = m.text.split("/")
        if len(parts) != 2 or any(not p or p != p.strip() or p.count("(") != p.count(")") for p in parts):
            return []
        if parts[1][0].isdigit() or _ENUMERATED.fullmatch(parts[1]) or _ROMAN.fullmatch(parts[1]):
            return []  # "ERK1/2", "HIF-1/2α", "ROCK-I/II": one name numbered twice
        found = [self._exact(p, "Gene") for p in parts]
        headed = self._headed(parts[0], " ".join(parts[1].split()[1:]), "Gene")
        if not all(found) or (headed and headed != found[0][0].curie):
            return []  # "D1/D2 receptor": the D1 receptor, not what "D1" names alone
        at = m.start + len(parts[0]) + 1
        spans = ((m.start, m.start + len(parts[0])), (at, m.end))
        return [
            replace(m, start=a, end=b, text=doc.text[a:b], groundings=tuple(g), composite=False)
            for (a, b), g in zip(spans, found, strict=True)
        ]

    def _longest_name(self, doc: Document, m: Mention, category: str, kept: Sequence[Mention]) -> Mention:
        """``m`` run on over the number or the one to four words after it (``_NAME_RUNS_ON``) where
        that longer span is a vocabulary name of its type and overlaps no other mention."""
        for run in _NAME_RUNS_ON:
            found = run.match(doc.text, m.end)
            if not found:
                continue
            end = found.end()
            named = self._named(doc.text[m.start : end], None, category)
            if not (named and named[0] and named[0][0].score >= _EXACT and not named[1]):
                continue
            if any(o is not m and o.start < end and m.end < o.end for o in (*doc.mentions, *kept)):
                continue  # checked last: a document's mentions are many, longer names few
            return replace(m, end=end, text=doc.text[m.start : end], groundings=tuple(named[0]), composite=False)
        return m

    def fills_gap(self, doc: Document, m: Mention) -> bool:
        """Whether a later NER model's mention, where the earlier ones tagged nothing or only
        shorter mentions inside it, is kept (``FILL_GAPS``): it names a concept of its type
        exactly, and a short form ("TOF", "CS") only through the long form its document defines
        ("tetralogy of Fallot (TOF)", not "cesarean section (CS)")."""
        category = self._category(m.label)
        if category not in FILL_GAPS:
            return False
        text = m.text.strip()
        if not _WORD_OF_FIVE.search(text):
            text = _defined_short_forms(doc.text).get(text, "")
            if not text:
                return False
        named = self._named(text, None, category)  # name matches only, never the fallback
        return bool(named and named[0])

    def _sequence_word(self, doc: Document, m: Mention) -> bool:
        """A chemical mention that is a word of a sequence feature's name, or "SNP" in a document
        about genetic variation (``SEQUENCE_TREES``, ``SEQUENCE_SHORT_FORMS``)."""
        if m.text.strip() in SEQUENCE_SHORT_FORMS and (
            _GENETICS.search(doc.text) or any(self._category(o.label) == "Variant" for o in doc.mentions)
        ):
            return True
        before, after = _words_around(doc.text, m.start, m.end)
        starts = [m.start, *([before] if before is not None else [])]
        ends = [m.end, *([after] if after is not None else [])]
        for start in starts:
            for end in ends:
                if (start, end) == (m.start, m.end):
                    continue
                for guard in GUARD_CATEGORIES:
                    for g in self._exact(doc.text[start:end], guard):
                        if any(t.startswith(SEQUENCE_TREES) for t in self.index.trees.get(g.curie, ())):
                            return True
        return False

    def _names_something_else(self, m: Mention) -> bool:
        """The mention matches no name of its type exactly but names a guard type's concept."""
        if _named_exactly(m):
            return False
        return any(self._exact(m.text, guard) for guard in GUARD_CATEGORIES)

    def _retyped(self, m: Mention, others: Sequence[str]) -> Mention:
        if len(m.text) <= 4 or m.text.isupper():
            return m
        if _named_exactly(m):
            if "Gene" not in others or not self._protein(m.groundings[0].curie):
                return m
            others = ("Gene",)
        for other in others:
            named = self._named(m.text, None, other)
            if named is not None:
                return replace(m, label=other, groundings=tuple(named[0]), composite=named[1])
        return m

    def _protein(self, curie: str) -> bool:
        """Whether a MeSH descriptor is a protein and nothing else (``PROTEIN_TREES``)."""
        trees = self.index.trees.get(curie, ())
        return bool(trees) and all(t.startswith(PROTEIN_TREES) for t in trees)


@lru_cache(maxsize=64)
def _defined_short_forms(text: str) -> dict[str, str]:
    """The short forms a document defines (``kg.text.find_abbreviations``), for the mentions of
    one document asked one after another."""
    return find_abbreviations(text)


def _named_exactly(m: Mention) -> bool:
    """The mention's best grounding is a name match (exact or word order), not the fallback."""
    return bool(m.groundings) and m.groundings[0].score >= _EXACT


def _bracketed_synonyms(text: str, mentions: list[Mention], kinds: Sequence[str]) -> list[Mention]:
    """``mentions`` where a mention of a ``BRACKETED_SYNONYMS`` type and the one of the same type
    in brackets right after it are two names of one concept: when one matched a vocabulary name
    and the other did not, the other (and every mention of the document with its text) takes the
    matched one's groundings."""
    taken: dict[tuple[str, str], Mention] = {}
    for a, b in pairwise(range(len(mentions))):
        first, second = mentions[a], mentions[b]
        if kinds[a] != kinds[b] or kinds[a] not in BRACKETED_SYNONYMS:
            continue
        opened = _OPEN.fullmatch(text, first.end, second.start)
        if not opened or not _CLOSE.match(text, second.end):
            continue
        if _named_exactly(first) and not _named_exactly(second):
            taken.setdefault((kinds[b], normalize(second.text)), first)
        elif _named_exactly(second) and not _named_exactly(first):
            taken.setdefault((kinds[a], normalize(first.text)), second)
    if not taken:
        return mentions
    out = []
    for m, kind in zip(mentions, kinds, strict=True):
        source = taken.get((kind, normalize(m.text)))
        if source is not None and not _named_exactly(m):
            m = replace(m, groundings=source.groundings, composite=source.composite)
        out.append(m)
    return out


def _families(mentions: list[Mention], kinds: Sequence[str], short_forms: dict[str, str]) -> list[Mention]:
    """``mentions`` where a gene family named without a number ("MMPs", "TIM", "fibroblast growth
    factors (FGFs)") is the members of it the document names with one ("MMP-2", "MMP-9", the parts
    of "FGF-2, -3, -4, -7, and -18"), where it names two or more: a composite of them, as BioRED's
    annotators ground such names. A family with one named member, or none, keeps its groundings.
    ``short_forms``: the document's short -> long forms (``kg.text.find_abbreviations``)."""
    members: dict[str, dict[str, Grounding]] = {}
    for m, kind in zip(mentions, kinds, strict=True):
        if kind != "Gene" or not m.groundings:
            continue
        named = _FAMILY_MEMBER.fullmatch(m.text.strip())
        if named and not m.composite:
            members.setdefault(named.group(1).lower(), {}).setdefault(m.groundings[0].curie, m.groundings[0])
        listed = _FAMILY_LIST.match(m.text.strip())
        if listed and m.composite:
            for g in m.groundings:
                members.setdefault(listed.group(1).lower(), {}).setdefault(g.curie, g)
    if not any(len(found) > 1 for found in members.values()):
        return mentions
    defined = {
        form: short for short, long in short_forms.items() for form in (long.lower(), long.lower().removesuffix("s"))
    }
    out = []
    for m, kind in zip(mentions, kinds, strict=True):
        name = m.text.strip()
        if kind == "Gene" and not _FAMILY_MEMBER.fullmatch(name):
            family = _FAMILY_NAME.fullmatch(name) or _FAMILY_NAME.fullmatch(
                defined.get(name.lower()) or defined.get(name.lower().removesuffix("s")) or ""
            )
            found = members.get(family.group(1).lower(), {}) if family else {}
            if len(found) > 1:
                m = replace(m, groundings=tuple(found.values()), composite=True)
        out.append(m)
    return out


def _words_around(text: str, start: int, end: int) -> tuple[int | None, int | None]:
    """Where the word right before the span starts and where the word right after it ends (only
    spaces between); None where there is none."""
    before = _WORD_BEFORE.search(text, max(0, start - 64), start)
    after = _WORD_AFTER.match(text, end)
    return (before.start(1) if before else None), (after.end(1) if after else None)


def _non_before(text: str, start: int) -> int | None:
    """Where a "non-" written right before the span starts ("non-" + "small cell lung cancer"); None
    where there is none."""
    found = _NON_BEFORE.search(text, max(0, start - 5), start)
    return found.start(1) if found else None


def _one_word_longer(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span with the word right before it, then with the word right after it, where there is one."""
    before, after = _words_around(text, start, end)
    return [*([(before, end)] if before is not None else []), *([(start, after)] if after is not None else [])]


def evaluate(normalizer: Normalizer, docs: Sequence[Document], *, label_filter: str | None = None) -> dict[str, object]:
    """Accuracy@1 and @5 on gold mentions with ids; the ceiling (gold ids absent from the index).

    A gold mention with alternatives (``a|b``) is right when any matches; a composite one when
    each of its concepts is among the predicted groundings.
    """
    import time

    index = normalizer.index
    total = hit1 = hit5 = absent = 0
    t0 = time.perf_counter()
    normalized = normalizer.normalize_documents(docs)
    seconds = time.perf_counter() - t0
    for doc in normalized:
        for m in doc.mentions:
            if not m.ids or (label_filter and entity_type(m.label).label != label_filter):
                continue
            total += 1
            gold = [index.canonical(c) or c for c in m.ids]
            if not any(index.canonical(c) for c in m.ids):
                absent += 1
            predicted = [g.curie for g in m.groundings]
            if m.composite and len(gold) > 1:
                ok1 = ok5 = set(gold) <= set(predicted)
            else:
                ok1 = bool(predicted) and predicted[0] in gold
                ok5 = any(p in gold for p in predicted[:5])
            hit1 += ok1
            hit5 += ok5
    mentions = sum(len(d.mentions) for d in docs)
    return {
        "mentions_with_ids": total,
        "accuracy_at_1": round(100 * hit1 / total, 2) if total else 0.0,
        "accuracy_at_5": round(100 * hit5 / total, 2) if total else 0.0,
        "absent_from_index": round(100 * absent / total, 2) if total else 0.0,
        "ceiling": round(100 * (total - absent) / total, 2) if total else 0.0,
        "mentions_per_s": round(mentions / seconds) if seconds else None,
    }


# Members of a species, not the species as a kind of gene (``Normalizer._named_with_species``).
_MEMBERS = frozenset("mice rats patients people children men women persons individuals subjects participants".split())  # noqa: SIM905


def _names_a_kind(species: str) -> bool:
    """Whether a species mention names its kind ("human", "murine", "HIV-1") rather than members
    of it ("mice", "humans", "patients")."""
    word = species.strip().lower()
    return word not in _MEMBERS and not (word.endswith("s") and not word.endswith(("us", "ss")))
