"""Disease -> phenotype knowledge read from curated definitions, for the common diseases that
neither HPO's annotations nor DOID's symptom table covers (issue 20): the common cold "generally
involves a runny nose, nasal congestion, and sneezing" (its MeSH scope note, as CTD MEDIC ships
it), gout is "characterized by recurrent acute arthritis, hyperuricemia..."; tinea pedis
"has_symptom fissures, has_symptom scaling" (its definition in the Disease Ontology's infectious
disease slim).

- Each definition, after the disease's name, is tagged with the HPO dictionary
  (``PhenotypeTagger`` without the dense matcher: definitions are written in clinical words);
  every phenotype found and not negated becomes an annotation of source ``MeSH definition`` or
  ``DOID definition``.
- A disease whose name or a synonym *is* an HPO phenotype's label or synonym has that phenotype
  ("Insomnia" for Sleep Initiation and Maintenance Disorders, "Conjunctivitis").
- A MeSH disease that DOID maps to exactly one DOID disease is keyed by that DOID id, so that DOID's
  symptoms and both definitions meet on one disease node; other MeSH diseases keep their MeSH id.
- A sign's own MeSH scope note, read the other way (``sign_definitions``): Polyuria is "commonly
  seen in diabetes (DIABETES MELLITUS; DIABETES INSIPIDUS)", so both have polyuria (118 MeSH
  diseases gain a sign this way; BENCHMARKS.md, session 58).
- A disease HPO's annotations already describe (one of their diseases has its id as an xref) is
  left to them: a second node for Marfan syndrome with the three phenotypes of its definition
  would only compete with the one that has a hundred.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.schema import ENTITY_TYPES
from kg.types import Entity, PhenotypeAnnotation
from ontologies.loaders import (
    load_ctd_definitions,
    load_ctd_diseases,
    load_doid_mesh,
    load_doid_tsv,
    load_obo,
    load_obo_definitions,
)
from ontologies.text import normalize

MESH_DEFINITION = "MeSH definition"
DOID_DEFINITION = "DOID definition"
WORDNET_DEFINITION = "WordNet definition"
# Which source keeps a pair several definitions state (the graph holds one edge per pair): the
# vocabularies' own before WordNet's (``ontologies.wordnet``).
DEFINITION_SOURCES = (DOID_DEFINITION, MESH_DEFINITION, WORDNET_DEFINITION)


@dataclass(frozen=True, slots=True)
class Definition:
    """A disease as a vocabulary defines it."""

    curie: str
    name: str
    text: str  # may be empty: the name and synonyms still count
    source: str  # one of DEFINITION_SOURCES
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DefinitionRecords:
    """The diseases with phenotypes from their definitions, ready for ``GraphStore``."""

    entities: list[Entity]
    annotations: list[PhenotypeAnnotation]
    read: dict[str, int] = field(default_factory=dict)  # source -> definitions read
    described: dict[str, int] = field(default_factory=dict)  # source -> diseases given a phenotype
    skipped: int = 0  # diseases left to HPO's annotations


def medic_definitions(ctd: str | Path) -> list[Definition]:
    """CTD MEDIC's MeSH diseases with their scope notes (4,691 of 11,865 have one)."""
    terms, _ = load_ctd_diseases(ctd)
    text = load_ctd_definitions(ctd)
    return [
        Definition(t.curie, t.name, text.get(t.curie, ""), MESH_DEFINITION, t.synonyms, t.xrefs)
        for t in terms
        if t.curie.startswith("MESH:")
    ]


def doid_definitions(obo: str | Path) -> list[Definition]:
    """The diseases of a DOID OBO file (the infectious disease slim) with their definitions."""
    terms, _ = load_obo(obo, "Disease", prefixes=("DOID:",))
    text = load_obo_definitions(obo, prefixes=("DOID:",))
    return [
        Definition(t.curie, t.name, text.get(t.curie, ""), DOID_DEFINITION, t.synonyms, t.xrefs)
        for t in terms
        if not t.obsolete
    ]


def doid_keys(
    doid_mesh: str | Path,
    doid_tree: str | Path | None = None,
    mesh_files: tuple[str | Path, str | Path] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """MeSH id -> its DOID id where ``MESHinDO.tsv`` gives exactly one (corrected as the term index
    corrects it when ``mesh_files``, MeSH trees and entry terms, are given); and DOID names (from
    ``HumanDO.tsv`` when given, else from the mapping file)."""
    by_mesh: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for t in load_doid_mesh(doid_mesh, *(mesh_files or (None, None))):
        names[t.curie] = t.name
        for x in t.xrefs:
            if x.startswith("MESH:"):
                by_mesh[x].add(t.curie)
    if doid_tree is not None:
        names.update((t.curie, t.name) for t in load_doid_tsv(doid_tree)[0])
    return {m: next(iter(d)) for m, d in by_mesh.items() if len(d) == 1}, names


def definition_phenotypes(
    definitions: Iterable[Definition],
    tagger: Any,
    *,
    doid_of_mesh: dict[str, str] | None = None,
    doid_names: dict[str, str] | None = None,
    described: set[str] | frozenset[str] = frozenset(),
    existing: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    canonical: Callable[[str], str | None] | None = None,
) -> DefinitionRecords:
    """Tag each definition with ``tagger`` (a ``diagnosis.context.PhenotypeTagger``) and return the
    diseases that have a phenotype, keyed as the module says. ``described``: the disease ids (and
    xrefs) HPO's annotations already cover, left out. ``existing``: the (disease, phenotype) pairs
    another source (DOID's symptoms) already states: the graph holds one edge per pair, and a
    definition must not relabel it. A pair both definitions state is kept once (DOID's)."""
    doid_of_mesh, doid_names = doid_of_mesh or {}, doid_names or {}
    by_name: dict[str, str] = {}
    for curie in sorted(tagger.phrases):
        by_name.setdefault(normalize(tagger.names[curie]), curie)
    for curie in sorted(tagger.phrases):
        for n in sorted(tagger.phrases[curie]):
            by_name.setdefault(normalize(n), curie)
    found: dict[tuple[str, str], set[str]] = defaultdict(set)  # (disease, source) -> phenotypes
    names: dict[str, str] = {}
    xrefs: dict[str, set[str]] = defaultdict(set)
    read: dict[str, int] = defaultdict(int)
    skipped: set[str] = set()
    for d in definitions:
        read[d.source] += 1
        same = {d.curie, *d.xrefs}
        if same & described:
            skipped.add(d.curie)
            continue
        key = doid_of_mesh.get(d.curie, d.curie)
        phenotypes = {by_name[n] for n in map(normalize, (d.name, *d.synonyms)) if n in by_name}
        text = f"{d.name}. {d.text}" if d.text else d.name
        phenotypes |= {f.curie for f in tagger.tag(text) if not f.negated}
        if not phenotypes:
            continue
        found[(key, d.source)] |= phenotypes
        names.setdefault(key, doid_names.get(key, d.name))
        xrefs[key] |= {x for x in same if x.startswith("MESH:") and x != key}
    annotations: list[PhenotypeAnnotation] = []
    seen = set(existing)
    for (disease, source), ps in sorted(found.items(), key=lambda kv: (kv[0][0], DEFINITION_SOURCES.index(kv[0][1]))):
        annotations += [PhenotypeAnnotation(disease, p, None, source) for p in sorted(ps) if (disease, p) not in seen]
        seen |= {(disease, p) for p in ps}
    count: dict[str, set[str]] = defaultdict(set)
    for a in annotations:
        count[a.source].add(a.disease)
    category = ENTITY_TYPES["Disease"].category
    entities = []
    for key in sorted({a.disease for a in annotations}):
        same = set(xrefs[key])
        if canonical is not None and (c := canonical(key)) and c != key:
            same.add(c)
        entities.append(Entity(key, names[key], category, xrefs=tuple(sorted(same))))
    return DefinitionRecords(
        entities, annotations, dict(read), {s: len(v) for s, v in sorted(count.items())}, len(skipped)
    )


def wordnet_definitions(glosses: Any, definitions: Iterable[Definition]) -> list[Definition]:
    """The diseases of ``definitions`` (MeSH's, DOID's) that WordNet defines
    (``ontologies.wordnet.Glosses``), found by their name: the gloss as a definition of source
    ``WORDNET_DEFINITION``, once per disease id. Not by a synonym: MeSH's entry terms include
    narrower concepts (Dystonic Disorders would be defined as writer's cramp)."""
    found: dict[str, Definition] = {}
    for d in definitions:
        if d.curie not in found and (gloss := glosses.get(d.name)):
            found[d.curie] = Definition(d.curie, d.name, gloss, WORDNET_DEFINITION, (), d.xrefs)
    return list(found.values())


# A MeSH scope note names another descriptor in capitals (MeSH's cross-references): a run of
# capitalized words, parentheses and semicolons kept apart ("(DIABETES MELLITUS; DIABETES INSIPIDUS)").
_CROSS_REFERENCE = re.compile(r"\b[A-Z][A-Z0-9'\-]*(?:[ ,]+[A-Z0-9][A-Z0-9'\-]*)*\b")


# Words before a capitalized disease in a sign's note that make it the sign's cause or setting
# ("commonly seen in", "often associated with", "a complication of"), not what the sign is made of
# (Horner Syndrome "characterized by ... mild BLEPHAROPTOSIS").
_CAUSE_CUE = re.compile(
    r"\b(?:(?:seen|found|observed|occurs?|occurring|common|present) in|associated with|characteristic of|"
    r"(?:symptom|sign|manifestation|feature|complication|consequence|result)s? of|caused by|due to|"
    r"resulting from|secondary to|such as|including|accompan\w+|indicat\w+)\b",
    re.IGNORECASE,
)


def sign_definitions(definitions: Iterable[Definition], signs: Collection[str]) -> list[Definition]:
    """What MeSH's scope notes of signs and symptoms say the other way round: Polyuria is "commonly
    seen in diabetes (DIABETES MELLITUS; DIABETES INSIPIDUS)", Dysuria "often associated with
    infections of the lower URINARY TRACT", Photophobia's note names MIGRAINE DISORDERS and
    MENINGITIS. For each MeSH definition of a descriptor in ``signs`` (MeSH ids filed under signs
    and symptoms, ``diagnosis.familiarity.signs_and_symptoms``), each disease its note names in
    capitals (by its MeSH name or an entry term; never another sign: "Pain" in Myalgia's note is no
    disease) gets a definition of source ``MESH_DEFINITION`` whose text is the sign's name, which
    ``definition_phenotypes`` tags as any other. A capitalized span names the descriptor whole, or
    in its parts between commas ("MYOCARDIAL ISCHEMIA, ANGINA")."""
    mesh = [d for d in definitions if d.source == MESH_DEFINITION and d.curie.startswith("MESH:")]
    by_name: dict[str, Definition] = {}
    for d in mesh:
        by_name.setdefault(normalize(d.name), d)
    for d in mesh:
        for s in d.synonyms:
            by_name.setdefault(normalize(s), d)
    found: dict[str, set[str]] = defaultdict(set)  # disease -> the signs' names
    for sign in mesh:
        if sign.curie not in signs or not sign.text:
            continue
        for m in _CROSS_REFERENCE.finditer(sign.text):
            span = m.group(0)
            if not any(c.isalpha() for c in span) or len(span) < 4:
                continue
            sentence = sign.text[: m.start()].rsplit(". ", 1)[-1]
            if not _CAUSE_CUE.search(sentence):
                continue
            for part in (span, *(p for p in span.split(",") if "," in span)):
                named = by_name.get(normalize(part))
                if named is not None and named.curie not in signs and named.curie != sign.curie:
                    found[named.curie].add(sign.name)
    of = {d.curie: d for d in mesh}
    return [
        Definition(c, of[c].name, ". ".join(sorted(names)), MESH_DEFINITION, (), of[c].xrefs)
        for c, names in sorted(found.items())
    ]
