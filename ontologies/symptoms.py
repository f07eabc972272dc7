"""Disease -> symptom knowledge beyond HPO's annotations, for the common diseases HPO does not
annotate (dengue, typhoid fever, asthma, migraine...): the Disease Ontology's symptom table
(``doid/disease-symptom.tsv``: DOID disease -> SYMP symptom), each SYMP term mapped to the HPO term
of the same meaning, so that one phenotype similarity ranks HPO's diseases and DOID's together.

The mapping is by name, most exact first: a SYMP label or synonym that is an HPO label or
synonym; the same without a severity or course word ("high fever" -> Fever, "severe headache"
-> Headache); else the SYMP term's nearest ancestor that maps ("maculopapular rash" -> Rash).
Nothing is guessed beyond that: a symptom that does not map is reported, not linked.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.schema import ENTITY_TYPES
from kg.types import Entity, PhenotypeAnnotation
from ontologies.loaders import load_doid_mesh, load_doid_tsv, load_owl, open_text
from ontologies.terms import SourceInfo, Term
from ontologies.text import normalize

# Words that grade a symptom without changing what it is.
MODIFIERS = frozenset(
    {
        "severe",
        "high",
        "acute",
        "chronic",
        "progressive",
        "mild",
        "persistent",
        "recurrent",
        "sudden",
        "intermittent",
        "generalized",
        "general",
        "moderate",
        "intense",
        "marked",
        "frequent",
        "symptom",
    }
)


def _stripped(name: str) -> str:
    return " ".join(w for w in normalize(name).split() if w not in MODIFIERS)


@dataclass(frozen=True, slots=True)
class SymptomRecords:
    """The DOID diseases with symptoms, ready for ``GraphStore.load_entities``; their symptoms as
    disease -> HPO phenotype annotations (source ``DOID``); how each SYMP term was mapped."""

    entities: list[Entity]
    annotations: list[PhenotypeAnnotation]
    mapping: dict[str, str]  # SYMP -> HP
    how: dict[str, str]  # SYMP -> "name", "stripped", "ancestor"
    unmapped: dict[str, int] = field(default_factory=dict)  # SYMP label -> table rows it leaves out
    sources: list[SourceInfo] = field(default_factory=list)


def map_symptoms(symptoms: Sequence[Term], phenotypes: Iterable[Term]) -> tuple[dict[str, str], dict[str, str]]:
    """SYMP curie -> HPO curie, and how each was found (see the module's docstring). HPO labels
    win over HPO synonyms; among synonyms the first term in id order wins."""
    by_name: dict[str, str] = {}
    by_stripped: dict[str, str] = {}
    hpo = sorted((t for t in phenotypes if not t.obsolete), key=lambda t: t.curie)
    for t in hpo:
        by_name.setdefault(normalize(t.name), t.curie)
        by_stripped.setdefault(_stripped(t.name), t.curie)
    for t in hpo:
        for syn in t.synonyms:
            by_name.setdefault(normalize(syn), t.curie)
            by_stripped.setdefault(_stripped(syn), t.curie)
    mapping: dict[str, str] = {}
    how: dict[str, str] = {}
    for s in symptoms:
        names = (s.name, *s.synonyms)
        hit = next((by_name[normalize(n)] for n in names if normalize(n) in by_name), None)
        if hit is not None:
            mapping[s.curie], how[s.curie] = hit, "name"
            continue
        hit = next((by_stripped[_stripped(n)] for n in names if _stripped(n) and _stripped(n) in by_stripped), None)
        if hit is not None:
            mapping[s.curie], how[s.curie] = hit, "stripped"
    parents = {s.curie: s.parents for s in symptoms}

    def ancestor(curie: str, seen: frozenset[str] = frozenset()) -> str | None:
        for p in parents.get(curie, ()):
            if p in seen:
                continue
            if how.get(p) in ("name", "stripped"):
                return mapping[p]
            found = ancestor(p, seen | {curie})
            if found is not None:
                return found
        return None

    for s in symptoms:
        if s.curie not in mapping:
            hit = ancestor(s.curie)
            if hit is not None:
                mapping[s.curie], how[s.curie] = hit, "ancestor"
    return mapping, how


# The source of a symptom a disease has through its DOID subtypes ("epilepsy" from its epilepsy syndromes).
SUBTYPES = "DOID subtypes"

# A disease without symptoms of its own inherits a symptom when at least this share of its
# descendants with symptoms have it. The union of all of them (before session 19) gave DOID's
# organizing classes every symptom below them ("disease of anatomical entity": 132 phenotypes from
# 347 diseases, "disease by infectious agent": 135), and they came first on real cases.
SUBTYPE_SHARE = 1 / 3


def _from_subtypes(rows: set[tuple[str, str]], doid_tree: str | Path, names: dict[str, str]) -> set[tuple[str, str]]:
    """For each DOID disease without symptoms of its own, the symptoms that at least
    ``SUBTYPE_SHARE`` of its descendants with symptoms have: a general disease (urinary tract
    infection, tuberculosis, glaucoma) presents as most of its subtypes do; a class that groups
    unlike diseases ("disease of anatomical entity", "syndrome") shares no symptom and is left
    out. ``names`` gains the names of the diseases added."""
    tree = load_doid_tsv(doid_tree)[0]
    children: dict[str, set[str]] = {}
    for t in tree:
        for p in t.parents:
            children.setdefault(p, set()).add(t.curie)
    own: dict[str, set[str]] = {}
    for d, p in rows:
        own.setdefault(d, set()).add(p)
    below: dict[str, frozenset[str]] = {}

    def symptomatic_below(d: str) -> frozenset[str]:
        """The descendants of ``d`` that have symptoms of their own (each once, whatever the paths)."""
        if d not in below:
            below[d] = frozenset()  # a guard against cycles
            found: set[str] = set()
            for c in children.get(d, ()):
                found |= ({c} if c in own else set()) | symptomatic_below(c)
            below[d] = frozenset(found)
        return below[d]

    out: set[tuple[str, str]] = set()
    for t in tree:
        if t.curie in own or not (subtypes := symptomatic_below(t.curie)):
            continue
        votes = Counter(p for s in subtypes for p in own[s])
        need = max(1, math.ceil(SUBTYPE_SHARE * len(subtypes)))
        if shared := [p for p, n in votes.items() if n >= need]:
            names.setdefault(t.curie, t.name)
            out.update((t.curie, p) for p in shared)
    return out


# The source of a phenotype a disease has through its subtypes in MeSH's disease tree
# (hyperthyroidism the weight loss and sweating of Graves disease, which HPO annotates).
MESH_SUBTYPES = "MeSH subtypes"


def mesh_subtype_phenotypes(
    profiles: Mapping[str, set[str]],
    mesh_ids: Mapping[str, set[str]],
    trees: Mapping[str, Sequence[str]],
    heirs: Iterable[str] | None = None,
) -> set[tuple[str, str]]:
    """For each disease of ``heirs`` (default: all), the phenotypes at least ``SUBTYPE_SHARE`` of
    its descendants in MeSH's disease (C) and psychiatric (F) trees have, beyond its own.
    ``profiles``: every disease's own phenotypes (HPO, DOID, definitions); ``mesh_ids``: each
    disease's MeSH descriptors (its own CURIE or its xrefs); ``trees``: MeSH tree numbers by
    descriptor (``load_mesh_trees``).

    A common disease the annotations know only by name (hypothyroidism: "Hypothyroidism" and
    "Edema" from its definition) presents as most of its subtypes do, whose HPO annotations
    come from OMIM and Orphanet; a descendant that shares a MeSH id with the disease is the same
    disease, not a subtype. The vote is the DOID one (``_from_subtypes``), so an organizing
    class ("Thyroid Diseases") gets only what most of what lies below it shares."""
    node_trees = {d: {t for m in mesh_ids.get(d, ()) for t in trees.get(m, ()) if t[:1] in "CF"} for d in profiles}
    by_tree: dict[str, set[str]] = {}
    for d, ts in node_trees.items():
        for t in ts:
            by_tree.setdefault(t, set()).add(d)
    ordered = sorted(by_tree)
    out: set[tuple[str, str]] = set()
    wanted = set(profiles) if heirs is None else set(heirs)
    for d, ts in node_trees.items():
        if d not in wanted:
            continue
        below: set[str] = set()
        for t in ts:
            i = bisect.bisect_left(ordered, t + ".")
            while i < len(ordered) and ordered[i].startswith(t + "."):
                below |= by_tree[ordered[i]]
                i += 1
        own_ids = mesh_ids.get(d, set())
        subtypes = [x for x in below if profiles[x] and not (mesh_ids.get(x, set()) & own_ids)]
        if not subtypes:
            continue
        votes = Counter(p for x in subtypes for p in profiles[x])
        need = max(1, math.ceil(SUBTYPE_SHARE * len(subtypes)))
        out.update((d, p) for p, n in votes.items() if n >= need and p not in profiles[d])
    return out


def load_doid_symptoms(
    table: str | Path,
    symp_owl: str | Path,
    phenotypes: Iterable[Term],
    *,
    doid_mesh: str | Path | None = None,
    doid_tree: str | Path | None = None,
    canonical: Callable[[str], str | None] | None = None,
    mesh_files: tuple[str | Path, str | Path] | None = None,
) -> SymptomRecords:
    """Read DOID's disease -> symptom table and the Symptom Ontology, map the symptoms to HPO and
    return the diseases (each with its MeSH id from ``MESHinDO.tsv`` and the literature concept
    ``canonical`` gives as xrefs) and their annotations (source ``DOID``). With ``doid_tree``
    (``HumanDO.tsv``), a disease without symptoms of its own gets its subtypes' (source
    ``DOID subtypes``). ``mesh_files`` (MeSH trees and entry terms) correct ``MESHinDO.tsv`` as the
    term index does (``ontologies.loaders.load_doid_mesh``)."""
    table = Path(table)
    symptoms, symp_info = load_owl(symp_owl, "Phenotype")
    symptoms = [s for s in symptoms if s.curie.startswith("SYMP:")]
    mapping, how = map_symptoms(symptoms, phenotypes)
    label = {s.curie: s.name for s in symptoms}
    mesh: dict[str, set[str]] = {}
    if doid_mesh is not None:
        for t in load_doid_mesh(doid_mesh, *(mesh_files or (None, None))):
            mesh.setdefault(t.curie, set()).update(x for x in t.xrefs if x.startswith("MESH:"))
    names: dict[str, str] = {}
    rows: set[tuple[str, str]] = set()
    unmapped: dict[str, int] = {}
    with open_text(table) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            disease, symptom = row["disease_id"].strip(), row["symptom_id"].strip()
            names.setdefault(disease, row["disease_label"].strip())
            hp = mapping.get(symptom)
            if hp is None:
                name = label.get(symptom, row.get("symptom_label", symptom))
                unmapped[name] = unmapped.get(name, 0) + 1
            else:
                rows.add((disease, hp))
    inherited = _from_subtypes(rows, doid_tree, names) if doid_tree is not None else set()
    category = ENTITY_TYPES["Disease"].category
    entities = []
    for curie in sorted({d for d, _ in rows | inherited}):
        same = set(mesh.get(curie, ()))
        if canonical is not None and (c := canonical(curie)) and c != curie:
            same.add(c)
        entities.append(Entity(curie, names[curie], category, xrefs=tuple(sorted(same))))
    annotations = [PhenotypeAnnotation(d, p, None, "DOID") for d, p in sorted(rows)]
    annotations += [PhenotypeAnnotation(d, p, None, SUBTYPES) for d, p in sorted(inherited)]
    info = SourceInfo(str(table), "doid-symptoms", symp_info.version, len(annotations))
    return SymptomRecords(
        entities, annotations, mapping, how, dict(sorted(unmapped.items(), key=lambda x: -x[1])), [symp_info, info]
    )
