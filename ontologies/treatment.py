"""Cause is not treatment: chemical -> disease pairs a cause model (BC5CDR's CID) linked, moved to
``treats`` when the chemical's pharmacology or the evidence sentence says treatment.

A CID model learned "this chemical and this disease are related in a way annotators called
induced"; on general literature most chemical-disease co-mentions are treatments (quinine and
malaria, levetiracetam and epilepsy), and the model cannot tell them apart. Two signals can:

- **Pharmacology.** A MeSH pharmacological action that treats a disease class (``TREATS_BY_ACTION``:
  Antimalarials -> Malaria, Anticonvulsants -> Epilepsy and Seizures...), or one under such an
  action in MeSH's tree of actions (Analgesics, Opioid under Analgesics), joined with the disease's
  MeSH tree numbers. Hand-written from the MeSH action names and the disease classes they are
  named for; an action whose class a drug also famously causes (antiarrhythmics and arrhythmia,
  antineoplastics and secondary cancers) is left out, since BC5CDR's own CID pairs show those
  (``bench/treatment_actions.py`` counts the annotated pairs the rule moves).
- **Wording.** The sentence that carries the pair says the chemical treats, prevents or controls
  the disease ("X in the treatment of Y", "Y was treated with X", "X prevented Y").

BioRED's relation model (``Negative_Correlation``: the chemical lowers the disease) once moved a
cause it called a negative correlation too. Its lexical successor (``extractors.lexical_relations``)
calls many more chemical-disease pairs negative, and where it disagrees with the CID model and
the cause check, they were right: on BioRED dev the move took 4 annotated causes
(Positive_Correlation) and no treatment out of ``CAUSES``, and on the MEDLINE census it moved
nothing (BENCHMARKS.md, session 28). Both edges now stay, each with its evidence.

A moved relation keeps its evidence under ``biolink:treats`` (the graph's ``TREATS`` edges), so
researchers can query it and nothing the model found is lost; ``CAUSES`` keeps only the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from kg.schema import entity_type, predicate
from kg.text import CAUSE_WORDING_AFTER, coordinated
from kg.types import Document, Relation

# Infections MeSH files by where or how they arise, not by their agent (C01's children other than
# the organism classes): what an antibiotic is given for ("imipenem/cilastatin for urinary tract,
# respiratory tract and intra-abdominal infections"; BENCHMARKS.md, session 53).
INFECTIONS_BY_SITE = (
    "C01.100",  # Arthritis, Infectious
    "C01.160",  # Bone Diseases, Infectious
    "C01.190",  # Cardiovascular Infections
    "C01.195",  # Catheter-Related Infections
    "C01.248",  # Cross Infection
    "C01.463",  # Intraabdominal Infections
    "C01.635",  # Pelvic Infection
    "C01.685",  # Prosthesis-Related Infections
    "C01.748",  # Respiratory Tract Infections
    "C01.757",  # Sepsis
    "C01.800",  # Skin Diseases, Infectious
    "C01.820",  # Soft Tissue Infections
    "C01.830",  # Suppuration
    "C01.915",  # Urinary Tract Infections
    "C01.947",  # Wound Infection
)
# MeSH pharmacological action -> MeSH tree prefixes of the diseases it treats.
TREATS_BY_ACTION: dict[str, tuple[str, ...]] = {
    "Antimalarials": ("C01.610.752.530", "C01.920.852.750"),
    "Anticonvulsants": ("C10.228.140.490", "C10.597.742", "C23.888.592.742"),
    "Antihypertensive Agents": ("C14.907.489",),
    "Hypoglycemic Agents": ("C18.452.394.750", "C19.246"),
    "Antipsychotic Agents": ("F03.700",),
    "Anti-Anxiety Agents": ("F03.080",),
    "Antidepressive Agents": ("F03.600.300",),
    "Antidepressive Agents, Tricyclic": ("F03.600.300",),
    "Antidepressive Agents, Second-Generation": ("F03.600.300",),
    "Antimanic Agents": ("F03.600.150",),
    "Anti-Ulcer Agents": ("C06.405.469.275.800", "C06.405.748.586"),
    "Cardiotonic Agents": ("C14.280.434",),
    "Anti-Asthmatic Agents": ("C08.127.108", "C08.381.495.108", "C08.674.095"),
    "Bronchodilator Agents": ("C08.127.108", "C08.381.495.108", "C08.674.095", "C08.381.495.389"),
    "Anticoagulants": ("C14.907.355.830", "C14.907.355.350", "C14.280.067.198", "C23.550.073.198"),
    "Fibrinolytic Agents": ("C14.907.355.830", "C14.907.355.350"),
    "Anti-HIV Agents": ("C01.221.250.875", "C01.925.813.400", "C01.778.640.400", "C20.673.480"),
    "Anti-Retroviral Agents": ("C01.221.250.875", "C01.925.813.400", "C01.778.640.400", "C20.673.480"),
    "Antiviral Agents": ("C01.925",),
    "Anti-Bacterial Agents": ("C01.150.252", *INFECTIONS_BY_SITE),
    "Antitubercular Agents": ("C01.150.252.410.040.552.846",),
    "Antibiotics, Antitubercular": ("C01.150.252.410.040.552.846",),
    "Leprostatic Agents": ("C01.150.252.410.040.552.475.371",),
    "Antifungal Agents": ("C01.150.703",),
    "Antiprotozoal Agents": ("C01.610.752",),
    "Trypanocidal Agents": ("C01.610.752.300.900",),
    "Antitrichomonal Agents": ("C01.610.752.890",),
    "Anthelmintics": ("C01.610.335",),
    "Antinematodal Agents": ("C01.610.335.508",),
    "Antiparasitic Agents": ("C01.610",),
    "Hypolipidemic Agents": ("C18.452.584.500.500",),
    "Anticholesteremic Agents": ("C18.452.584.500.500.396",),
    "Antiemetics": ("C23.888.821.937", "C23.888.821.712"),
    "Antiparkinson Agents": ("C10.228.140.079.862.500", "C10.228.662.600.400", "C10.574.928.750"),
    "Antirheumatic Agents": ("C05.550.114.154", "C05.799.114", "C05.550.114"),
    "Gout Suppressants": ("C05.550.114.423", "C05.799.414"),
    "Uricosuric Agents": ("C05.550.114.423", "C05.799.414", "C23.550.449"),
    "Antitussive Agents": ("C08.618.248", "C23.888.852.293"),
    "Antithyroid Agents": ("C19.874.397",),
    "Anti-Obesity Agents": ("C18.654.726.750.500", "C23.888.144.699.500"),
    "Appetite Depressants": ("C18.654.726.750.500", "C23.888.144.699.500"),
    "Antipruritics": ("C17.800.685", "C23.888.885.625"),
    "Antidiarrheals": ("C23.888.821.214",),
    "Cathartics": ("C23.888.821.150",),
    "Bone Density Conservation Agents": ("C05.116.198.579", "C18.452.104.579"),
    "Antipyretics": ("C23.888.119.344",),
    "Vasoconstrictor Agents": ("C14.907.514",),
    "Antisickling Agents": ("C15.378.050.141.150.150", "C15.378.420.155"),
    "Iron Chelating Agents": ("C18.452.565.500",),
    "Hematinics": ("C15.378.050",),
    "Tocolytic Agents": ("C12.050.703.420.491",),
    "Anti-Allergic Agents": ("C20.543",),
    "Analgesics": ("C23.888.592.612",),
}

# The evidence sentence says the chemical treats, prevents or controls something: "in the
# treatment of", "was treated with", "therapy for", "prevented", "effective against", "did not
# respond to", "given to suppress"... (the last two, session 15: on the chemical-disease pairs of
# BioRED train+dev and BC5CDR train+dev they move 16 more annotated treatments and 2 more causes;
# `python bench/treatment_cues.py`)
_TREAT_CUE = re.compile(
    r"\b(?:treatment|therapy|management|prophylaxis|prevention|control)\s+(?:of|for|in|against)\b"
    r"|\brespond(?:s|ed|ing)?\s+(?:\w+\s+)?to\b"
    r"|\bto\s+(?:suppress|reduce|treat|prevent|relieve|lower|alleviate)\b"
    r"|\b(?:treated|managed|controlled)\s+(?:with|by|using)\b"
    r"|\b(?:prevent(?:s|ed|ing)?|protect(?:s|ed|ing)?\s+against|alleviat(?:e|es|ed|ing|ion)|ameliorat(?:e|es|ed|ing|ion)"
    r"|reliev(?:e|es|ed|ing)|attenuat(?:e|es|ed|ing)|revers(?:e|es|ed|ing)|improv(?:e|es|ed|ing)|cur(?:e|es|ed))\b"
    r"|\b(?:effective|efficacy|efficacious|beneficial)\s+(?:in|for|against|of)\b"
    r"|\banti(?:malarial|convulsant|epileptic|hypertensive|diabetic|asthmatic|psychotic|depressant|emetic|viral|biotic|retroviral)s?\b",
    re.IGNORECASE,
)
# ...unless it also says the chemical caused something: "X-induced", "caused by", "associated with".
_CAUSE_CUE = re.compile(
    r"induc(?:e|es|ed|ing|tion)\b|\bcaus(?:e|es|ed|ing)\b|\bprovok|\bprecipitat|\btoxicity\b|\bside[- ]effects?\b"
    r"|\badverse\b|\bafter (?:administration|ingestion|exposure)|\bdeveloped\b|\boccurr",
    re.IGNORECASE,
)

CAUSES = predicate("CID").curie
TREATS = predicate("treats").curie


@dataclass(frozen=True)
class TreatmentKnowledge:
    """What the separation needs of the vocabularies: each MeSH chemical's pharmacological
    actions and each MeSH disease's tree numbers (CURIE -> names / tree numbers), and the
    actions' own places in MeSH's tree of pharmacological actions (``action_trees``: action name
    -> its D27 tree numbers), so that an action inherits what a broader one treats: fentanyl's
    "Analgesics, Opioid" and ibuprofen's "Anti-Inflammatory Agents, Non-Steroidal" are
    "Analgesics", atorvastatin's "Hydroxymethylglutaryl-CoA Reductase Inhibitors" are
    "Anticholesteremic Agents" (BENCHMARKS.md, session 48)."""

    actions: Mapping[str, Sequence[str]]
    trees: Mapping[str, Sequence[str]]
    action_trees: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # action name -> the broader actions of TREATS_BY_ACTION it falls under (filled from action_trees)
    broader: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mapped = {a: self.action_trees.get(a, ()) for a in TREATS_BY_ACTION}
        broader = {
            action: tuple(
                m
                for m, prefixes in mapped.items()
                if m != action and any(t.startswith(p + ".") for t in numbers for p in prefixes)
            )
            for action, numbers in self.action_trees.items()
        }
        object.__setattr__(self, "broader", {a: b for a, b in broader.items() if b})

    def action_that_treats(self, chemical: str, disease: str) -> str | None:
        """The pharmacological action (of ``chemical``, or one broader than its own) whose disease
        class holds ``disease``."""
        disease_trees = self.trees.get(disease, ())
        if not disease_trees:
            return None
        for own in self.actions.get(chemical, ()):
            for action in (own, *self.broader.get(own, ())):
                for prefix in TREATS_BY_ACTION.get(action, ()):
                    if any(t == prefix or t.startswith(prefix + ".") for t in disease_trees):
                        return action
        return None


# Cause wording bound to another chemical of the sentence (``CAUSE_WORDING_AFTER``): "propofol to
# suppress fentanyl-induced cough" says fentanyl, not propofol, causes the cough; unless the pair's
# chemical shares that wording (``coordinated``): "pilocarpine- and kainic acid-induced", "caused by
# gold in one case and D-penicillamine in the other".
_OTHERS_CAUSE_BEFORE = re.compile(r"\b(?:induced|caused|provoked|precipitated)\s+by\s+(?:the\s+|a\s+)?$", re.IGNORECASE)


def says_treatment(sentence: str) -> bool:
    """The sentence words the pair as a treatment and not also as a cause."""
    return bool(_TREAT_CUE.search(sentence)) and not _CAUSE_CUE.search(sentence)


def treatment_text(doc: Document, span: tuple[int, int], chemical: str) -> str:
    """The evidence span of a ``chemical`` -> disease pair as ``says_treatment`` reads it: the
    cause wording that belongs to another chemical mention ("fentanyl-induced", "induced by
    fentanyl") cut out, so that it does not count as a cause of ``chemical``."""
    a, b = span
    cuts = []
    own = [m for m in doc.mentions if a <= m.start and m.end <= b and chemical in (*m.concepts(), *m.ids)]
    for m in doc.mentions:
        if m.start < a or m.end > b or entity_type(m.label).label != "Chemical" or m in own:
            continue
        if any(coordinated(doc, o, m) for o in own):
            continue
        after = CAUSE_WORDING_AFTER.match(doc.text, m.end, b)
        if after:
            cuts.append((m.end, after.end()))
        before = _OTHERS_CAUSE_BEFORE.search(doc.text[max(a, m.start - 40) : m.start])
        if before:
            cuts.append((m.start - len(before.group()), m.start))
    parts, pos = [], a
    for start, end in sorted(cuts):
        if start >= pos:
            parts.append(doc.text[pos:start])
            pos = end
    parts.append(doc.text[pos:b])
    return " ".join("".join(parts).split())


def says_treatment_of(doc: Document, span: tuple[int, int], chemical: str) -> bool:
    """The evidence ``span`` of a ``chemical`` -> disease pair words a treatment
    (``says_treatment`` on ``treatment_text``)."""
    return says_treatment(treatment_text(doc, span, chemical))


def separate_treatments(docs: Iterable[Document], knowledge: TreatmentKnowledge) -> list[Document]:
    """The documents with every ``causes`` relation that is a treatment by pharmacology or by the
    wording of its sentence turned into ``treats`` (same pair, score and evidence span)."""
    out = []
    for doc in docs:
        relations = []
        for r in doc.relations:
            if predicate(r.predicate).curie == CAUSES and _is_treatment(doc, r, knowledge):
                r = replace(r, predicate="treats")
            relations.append(r)
        out.append(replace(doc, relations=tuple(relations)))
    return out


def _is_treatment(doc: Document, r: Relation, knowledge: TreatmentKnowledge) -> bool:
    if knowledge.action_that_treats(r.subject, r.object):
        return True
    return r.span is not None and says_treatment_of(doc, r.span, r.subject)
