"""Wiring for diagnosis: HPO into the graph store, and the diagnoser built from the store, the HPO
terms and the trained models (used by the CLI and by ``medkg serve``)."""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diagnosis.definitions import DEFINITION_SOURCES, WORDNET_DEFINITION
from kg.errors import ConfigError
from kg.schema import ENTITY_TYPES
from kg.store import GraphStore, batched
from kg.types import Entity, PhenotypeAnnotation
from ontologies.symptoms import MESH_SUBTYPES
from ontologies.synthea import SOURCE as SYNTHEA
from wiring.progress import console, progress_bar, status
from wiring.settings import Settings


@dataclass
class HpoFiles:
    """HPO's ontology and annotations, and DOID's disease -> symptom table with the Symptom
    Ontology and DOID's MeSH mappings, and the diseases' definitions (the common diseases HPO does
    not annotate)."""

    obo: Path
    annotations: Path
    symptoms: Path | None = None
    symptom_ontology: Path | None = None
    doid_mesh: Path | None = None
    doid_tree: Path | None = None
    definitions: Path | None = None  # CTD MEDIC (MeSH scope notes)
    doid_definitions: Path | None = None  # a DOID OBO file with definitions
    mesh_trees: Path | None = None  # MeSH tree numbers: a disease inherits what most of its subtypes have
    mesh_terms: Path | None = None  # MeSH entry terms: the body parts' names, which alone name no finding
    wordnet: Path | None = None  # WordNet's glosses of diseases (``ontologies.wordnet``): everyday words
    synthea: Path | None = None  # Synthea's symptoms of common diseases (``ontologies.synthea``)

    @classmethod
    def of(cls, settings: Settings, *, fetch: bool = False) -> HpoFiles:
        """The files of ``settings``; WordNet's glosses and Synthea's symptoms fetched first when
        missing and ``fetch`` (what loading HPO does), else used when there."""
        return cls(
            **settings.layout.phenotypes(),
            wordnet=settings.wordnet_glosses(fetch=fetch),
            synthea=settings.synthea_symptoms(fetch=fetch),
        )


def load_hpo_into(
    store: GraphStore, files: HpoFiles, settings: Settings | None = None, *, reader: Settings | None = None
) -> dict[str, Any]:
    """Load HPO phenotypes, annotated diseases and their annotations (MERGE: a second load changes
    what the files changed, nothing else). With settings, each disease keeps the literature concept
    it is equivalent to as an xref. Synthea's symptoms are read as a patient's words are, with the
    dense matcher of ``reader`` (else of ``settings``; with neither, by the HPO dictionary alone)."""
    from ontologies.hpo import load_hpo

    canonical = _canonical(settings)
    with status(f"reading {files.obo.name} and {files.annotations.name}"):
        records = load_hpo(files.obo, files.annotations, canonical)
    _write(store, "HPO", records.entities, records.annotations)
    report: dict[str, Any] = {
        "entities": len(records.entities),
        "annotations": len(records.annotations),
        "versions": {s.kind: s.version for s in records.sources},
    }
    if files.symptoms is not None and files.symptoms.is_file():
        report["doid_symptoms"] = load_symptoms_into(store, files, records.terms, canonical)
    elif files.symptoms is not None:
        console.print(
            f"[yellow]{files.symptoms}: no DOID disease -> symptom table; common diseases HPO does not annotate are "
            "left out "
            "(--no-symptoms says this is intended)[/]"
        )
    if _has_definitions(files):
        disease = ENTITY_TYPES["Disease"].category
        described = {c for e in records.entities if e.category == disease for c in (e.curie, *e.xrefs)}
        report["definitions"] = load_definitions_into(store, files, records.terms, canonical, described)
    if files.synthea is not None and files.synthea.is_file():
        report["synthea"] = load_synthea_into(store, files.synthea, records.terms, canonical, reader or settings)
    elif store.phenotype_edge_count(SYNTHEA):  # without them now (MEDKG_SYNTHEA=false): an earlier load's go
        report["synthea"] = {"pruned": store.prune_phenotypes(SYNTHEA, set())}
    if files.mesh_trees is not None and files.mesh_trees.is_file():
        report["mesh_subtypes"] = load_mesh_subtypes_into(store, files.mesh_trees)
    return report


def _has_definitions(files: HpoFiles) -> bool:
    return any(p is not None and p.is_file() for p in (files.definitions, files.doid_definitions))


def _canonical(settings: Settings | None) -> Callable[[str], str | None] | None:
    if settings is None:
        return None
    with status("loading the term index (maps OMIM/ORPHA/DOID diseases to literature concepts)"):
        return settings.term_index().canonical


def _write(store: GraphStore, source: str, entities: Sequence[Any], annotations: Sequence[Any]) -> None:
    with progress_bar() as bar:
        parts: list[tuple[str, Sequence[Any], Callable[[Any], int]]] = [
            ("entities", entities, store.load_entities),
            ("annotations", annotations, store.load_phenotypes),
        ]
        for name, items, load in parts:
            if not items:
                continue
            task = bar.add_task(f"{source} {name}", total=len(items))
            for chunk in batched(items, 10_000):
                load(chunk)
                bar.advance(task, len(chunk))


def mesh_files_of(files: HpoFiles) -> tuple[Path, Path] | None:
    """MeSH's trees and entry terms when both are there: they correct DOID's MeSH mappings."""
    if files.mesh_trees and files.mesh_trees.is_file() and files.mesh_terms and files.mesh_terms.is_file():
        return files.mesh_trees, files.mesh_terms
    return None


def load_symptoms_into(
    store: GraphStore, files: HpoFiles, phenotypes: Sequence[Any], canonical: Callable[[str], str | None] | None
) -> dict[str, Any]:
    """DOID's diseases and their symptoms mapped to HPO (``ontologies.symptoms``), as disease ->
    phenotype edges of source DOID beside HPO's."""
    from ontologies.symptoms import SUBTYPES, load_doid_symptoms

    if files.symptoms is None or files.symptom_ontology is None:
        raise ConfigError("no DOID disease -> symptom table configured")
    with status(f"reading {files.symptoms.name} and {files.symptom_ontology.name}"):
        mesh = (
            files.doid_mesh if files.doid_mesh is not None and files.doid_mesh.is_file() else None
        )  # optional: the term index maps too
        tree = (
            files.doid_tree if files.doid_tree is not None and files.doid_tree.is_file() else None
        )  # optional: subtypes' symptoms
        records = load_doid_symptoms(
            files.symptoms,
            files.symptom_ontology,
            phenotypes,
            doid_mesh=mesh,
            doid_tree=tree,
            canonical=canonical,
            mesh_files=mesh_files_of(files),
        )
    _write(store, "DOID", records.entities, records.annotations)
    pairs = {(a.disease, a.phenotype) for a in records.annotations}
    pruned = sum(store.prune_phenotypes(source, pairs) for source in ("DOID", SUBTYPES))
    return {
        "diseases": len(records.entities),
        "pruned": pruned,
        "annotations": len(records.annotations),
        "from_subtypes": sum(1 for a in records.annotations if a.source == SUBTYPES),
        "symptoms_mapped": {
            how: sum(1 for h in records.how.values() if h == how) for how in ("name", "stripped", "ancestor")
        },
        "rows_unmapped": sum(records.unmapped.values()),
        "most_unmapped": dict(list(records.unmapped.items())[:5]),
    }


def load_definitions_into(
    store: GraphStore,
    files: HpoFiles,
    phenotypes: Sequence[Any],
    canonical: Callable[[str], str | None] | None,
    described: set[str] | None = None,
) -> dict[str, Any]:
    """The phenotypes the diseases' definitions name (``diagnosis.definitions``), as disease ->
    phenotype edges of the sources of ``DEFINITION_SOURCES``; with MeSH's trees, also the diseases a
    sign's MeSH note says the sign is seen in (``diagnosis.definitions.sign_definitions``).
    ``described``: the diseases HPO's annotations cover (read from the store when not given), left
    out."""
    from diagnosis.context import PhenotypeTagger
    from diagnosis.definitions import definition_phenotypes, doid_keys, sign_definitions

    rows = store.phenotype_annotations()
    if described is None:
        described = {c for r in rows if r["source"] == "HPO" for c in (r["disease"], *(r["xrefs"] or ()))}
    existing = {(r["disease"], r["phenotype"]) for r in rows if r["source"] not in DEFINITION_SOURCES}
    with status("reading the diseases' definitions"):
        definitions = read_definitions(files)
        if files.mesh_trees is not None and files.mesh_trees.is_file():
            from diagnosis.familiarity import SIGNS_PROPER, signs_and_symptoms

            signs = signs_and_symptoms(mesh_tree_numbers(files.mesh_trees), SIGNS_PROPER)
            definitions += sign_definitions(definitions, signs)
        keys, names = (
            doid_keys(
                files.doid_mesh,
                files.doid_tree if files.doid_tree and files.doid_tree.is_file() else None,
                mesh_files=mesh_files_of(files),
            )
            if files.doid_mesh is not None and files.doid_mesh.is_file()
            else ({}, {})
        )
        tagger = PhenotypeTagger(phenotypes)
    with progress_bar() as bar:
        task = bar.add_task("tagging definitions", total=len(definitions))
        records = definition_phenotypes(
            _advancing(definitions, bar, task),
            tagger,
            doid_of_mesh=keys,
            doid_names=names,
            described=described,
            existing=existing,
            canonical=canonical,
        )
    # A disease already in the graph (DOID's) keeps its name and xrefs: the store sets them on each load.
    known = {r["disease"]: (r["name"], tuple(r["xrefs"] or ())) for r in rows}
    entities = [
        dataclasses.replace(e, name=known[e.curie][0] or e.name, xrefs=tuple(sorted({*e.xrefs, *known[e.curie][1]})))
        if e.curie in known
        else e
        for e in records.entities
    ]
    _write(store, "definition", entities, records.annotations)
    # What an earlier load gave and this one does not (a definition changed or gone) goes.
    pruned = sum(
        store.prune_phenotypes(source, {(a.disease, a.phenotype) for a in records.annotations if a.source == source})
        for source in DEFINITION_SOURCES
    )
    return {
        "read": records.read,
        "diseases": records.described,
        "annotations": len(records.annotations),
        "left_to_hpo": records.skipped,
        "pruned": pruned,
    }


# How near a Synthea symptom that is no HPO name or synonym must be to one, by the offline encoder,
# to be read as it: 0.75 keeps "Sneezing Fits" (Sneeze, 0.97), "Urgent desire to urinate" (Urinary
# urgency, 0.75) and "Mood Swing" (Emotional lability, 0.77), and leaves out "urinary frequency"
# (Urinary hesitancy, 0.67), "Nipple Retraction" (Absent nipple, 0.66) and "Ear Pressure" (Abnormal
# ear physiology, 0.69): BENCHMARKS.md, session 55.
SYNTHEA_THRESHOLD = 0.75


def synthea_reader(phenotypes: Sequence[Any], settings: Settings | None) -> Callable[[str], set[str]]:
    """A symptom's words -> the HPO terms they name: the HPO dictionary, then (with ``settings``
    and its dense matcher on) the lay-phrase matcher with the offline encoder in float32, never a
    fine-tuned one, so the graph holds the same edges whichever phenotype encoder is installed and
    whichever CPU embeds (in bf16, "Urgent desire to urinate" scored under 0.75, in float32 over)."""
    from diagnosis.context import PhenotypeTagger
    from ontologies.dense import DEFAULT_ENCODER

    tagger = PhenotypeTagger(phenotypes)
    if settings is not None and settings.diagnosis_dense:
        use_dense_matcher(tagger, settings, DEFAULT_ENCODER, fp32=True, threshold=SYNTHEA_THRESHOLD)
    return lambda text: {f.curie for f in tagger.tag(text, lay=True) if not f.negated}


def load_synthea_into(
    store: GraphStore,
    path: Path,
    phenotypes: Sequence[Any],
    canonical: Callable[[str], str | None] | None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Synthea's symptoms of common diseases (``ontologies.synthea``), each read as a patient's
    words are (``synthea_reader``), as disease -> phenotype edges of source ``Synthea`` on every
    disease of the graph with that MeSH id (its own, or an xref: DOID's hypothyroidism), or on the
    MeSH disease when none has it. A disease HPO annotates keeps its curated profile alone (OMIM's
    "Asthma, susceptibility to", which MONDO maps to MeSH's asthma; DOID's asthma takes them); an
    edge another source already gives is not given twice. Those an earlier load gave and this one does
    not go."""
    from ontologies.synthea import read_symptoms, symptom_phrases

    rows = list(read_symptoms(path))
    read = synthea_reader(phenotypes, settings)  # embeds HPO's names once per encoder (a progress bar)
    meaning = {s: set().union(*(read(p) for p in symptom_phrases(s))) for s in sorted({r.symptom for r in rows})}
    nodes: dict[str, set[str]] = {}
    curated: set[str] = set()
    existing: set[tuple[str, str]] = set()
    for row in store.phenotype_annotations():
        for c in (row["disease"], *(row["xrefs"] or ())):
            nodes.setdefault(c, set()).add(row["disease"])
        if row["source"] == "HPO":
            curated.add(row["disease"])
        if row["source"] not in (SYNTHEA, MESH_SUBTYPES):
            existing.add((row["disease"], row["phenotype"]))
    disease = ENTITY_TYPES["Disease"].category
    entities: dict[str, Any] = {}
    pairs: set[tuple[str, str]] = set()
    left_to_hpo: set[str] = set()
    for r in rows:
        targets = (nodes.get(r.disease) or {r.disease}) - curated
        if not targets:
            left_to_hpo.add(r.name)
            continue
        for d in sorted(targets):
            if d == r.disease and r.disease not in nodes:
                same = canonical(d) if canonical is not None else None
                entities[d] = Entity(d, r.name, disease, xrefs=(same,) if same and same != d else ())
            pairs.update((d, p) for p in meaning[r.symptom] if (d, p) not in existing)
    annotations = [PhenotypeAnnotation(d, p, None, SYNTHEA) for d, p in sorted(pairs)]
    _write(store, SYNTHEA, list(entities.values()), annotations)
    return {
        "symptoms": len(meaning),
        "symptoms_unread": sorted(s for s, found in meaning.items() if not found),
        "diseases": len({d for d, _ in pairs}),
        "annotations": len(annotations),
        "left_to_hpo": sorted(left_to_hpo),
        "pruned": store.prune_phenotypes(SYNTHEA, pairs),
    }


def load_mesh_subtypes_into(store: GraphStore, mesh_trees: Path) -> dict[str, int]:
    """The phenotypes each disease shares with most of its subtypes in MeSH's disease tree
    (``ontologies.symptoms.mesh_subtype_phenotypes``), over every other source in the store but
    Synthea's, as edges of source ``MeSH subtypes``; those an earlier load gave and this one does
    not go. A
    disease HPO annotates inherits nothing: its profile is curated, and MONDO maps many OMIM
    entries to a broad MeSH class they are one case of (spinocerebellar ataxia 32 to
    "Spinocerebellar Ataxias", which then took chronic diarrhea from its other subtypes)."""
    from ontologies.loaders import load_mesh_trees
    from ontologies.symptoms import mesh_subtype_phenotypes

    with status(f"reading {mesh_trees.name} and the graph's disease -> phenotype edges"):
        trees = load_mesh_trees(mesh_trees)
        profiles: dict[str, set[str]] = {}
        mesh_ids: dict[str, set[str]] = {}
        curated: set[str] = set()
        synthea: set[tuple[str, str]] = set()
        for r in store.phenotype_annotations():
            if r["source"] == MESH_SUBTYPES:
                # An earlier load's inherited edges make no disease: one whose own sources are
                # gone (a definition keyed to a DOID id DOID has since retired) would otherwise
                # inherit again on every reload and never leave the graph.
                continue
            if r["source"] == SYNTHEA:
                # A class would take a common disease's Synthea profile and tie with it, first:
                # "rhinitis" above allergic rhinitis, "appendix disease" above appendicitis (the 48
                # lay dev cases' MRR 0.3838 without, 0.3699 with; BENCHMARKS.md, session 55). A
                # disease's own Synthea symptom is not inherited again either: the store holds one
                # edge per pair, and the later load's source would replace the other's.
                synthea.add((r["disease"], r["phenotype"]))
                continue
            d = r["disease"]
            mesh_ids.setdefault(d, {c for c in (d, *(r["xrefs"] or ())) if c.startswith("MESH:")})
            profiles.setdefault(d, set()).add(r["phenotype"])
            if r["source"] == "HPO":
                curated.add(d)
        pairs = mesh_subtype_phenotypes(profiles, mesh_ids, trees, heirs=set(profiles) - curated) - synthea
    annotations = [PhenotypeAnnotation(d, p, None, MESH_SUBTYPES) for d, p in sorted(pairs)]
    _write(store, MESH_SUBTYPES, [], annotations)
    return {
        "diseases": len({d for d, _ in pairs}),
        "annotations": len(annotations),
        "pruned": store.prune_phenotypes(MESH_SUBTYPES, pairs),
    }


def _advancing(items: Sequence[Any], bar: Any, task: Any) -> Any:
    for item in items:
        yield item
        bar.advance(task)


def ensure_hpo(store: GraphStore, settings: Settings) -> None:
    """Load HPO (and DOID's symptoms) into the store when it has no disease -> phenotype
    annotations of that source yet."""
    files = HpoFiles.of(settings, fetch=True)
    terms = functools.cache(lambda: hpo_terms(settings))  # each read at most once, whichever sources load
    canonical = functools.cache(lambda: _canonical(settings))
    if store.phenotype_edge_count("HPO") == 0:
        console.print("[bold]The graph has no HPO annotations yet[/]: loading them (once, about a minute).")
        load_hpo_into(store, files, settings)
    elif files.symptoms is not None and files.symptoms.is_file() and store.phenotype_edge_count("DOID") == 0:
        console.print("[bold]The graph has no DOID disease -> symptom annotations yet[/]: loading them (once).")
        load_symptoms_into(store, files, terms(), canonical())
    if _has_definitions(files):
        if not any(store.phenotype_edge_count(s) for s in DEFINITION_SOURCES):
            lacking = "no phenotypes from the diseases' definitions"
        elif files.wordnet is not None and store.phenotype_edge_count(WORDNET_DEFINITION) == 0:
            lacking = "no phenotypes from WordNet's definitions of diseases"  # a graph loaded before they came
        else:
            lacking = ""
        if lacking:
            console.print(f"[bold]The graph has {lacking} yet[/]: loading them (once).")
            load_definitions_into(store, files, terms(), canonical())
    subtypes_stale = False
    if files.synthea is not None and files.synthea.is_file() and store.phenotype_edge_count(SYNTHEA) == 0:
        console.print("[bold]The graph has no symptoms from Synthea's disease modules yet[/]: loading them (once).")
        load_synthea_into(store, files.synthea, terms(), canonical(), settings)
        subtypes_stale = True  # a class inherits what its subtypes now have
    if files.mesh_trees is not None and files.mesh_trees.is_file():
        missing = store.phenotype_edge_count(MESH_SUBTYPES) == 0
        if missing:
            console.print(
                "[bold]The graph has no phenotypes from the diseases' MeSH subtypes yet[/]: loading them (once)."
            )
        if missing or subtypes_stale:
            load_mesh_subtypes_into(store, files.mesh_trees)


def hpo_terms(settings: Settings) -> list[Any]:
    """HPO's current terms from hp.obo, parsed once per file version and then read from a cache
    under the home folder (about 6 s to parse with the layperson synonyms, 0.1 s to read: every
    `medkg diagnose` reads them)."""
    return list(_hpo_vocabulary(settings)["terms"])


def hpo_layperson_synonyms(settings: Settings) -> dict[str, tuple[str, ...]]:
    """HPO's layperson synonyms by term ("Itchy skin" for Pruritus), from the same cache as
    ``hpo_terms``."""
    return dict(_hpo_vocabulary(settings)["layperson"])


def _hpo_vocabulary(settings: Settings) -> dict[str, Any]:
    """``{"terms": [...], "layperson": {curie: synonyms}}`` of hp.obo, parsed once per file
    version and cached under the home folder (a cache without a part is parsed again)."""
    import os
    import pickle
    import zlib

    from ontologies.loaders import load_obo, load_obo_typed_synonyms
    from ontologies.terms import Term

    obo = HpoFiles.of(settings).obo
    stat = obo.stat()
    shape = zlib.crc32(",".join(f.name for f in dataclasses.fields(Term)).encode())  # a changed Term: a new file
    cache = settings.home / "cache" / f"hpo-terms-{shape:08x}-{stat.st_size}-{stat.st_mtime_ns}.pkl"
    try:
        with cache.open("rb") as saved:
            found = pickle.load(saved)
        if isinstance(found, dict) and found.get("obo") == str(obo.resolve()):
            return {"terms": list(found["terms"]), "layperson": dict(found["layperson"])}
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, KeyError, TypeError):
        pass  # no cache yet, or one this code cannot read: parse the file
    terms, _ = load_obo(obo, "Phenotype", prefixes=("HP:",))
    vocabulary = {
        "terms": [t for t in terms if not t.obsolete],
        "layperson": load_obo_typed_synonyms(obo, "layperson", prefixes=("HP:",)),
    }
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.partial")  # two processes never write one file
        with partial.open("wb") as out:
            pickle.dump({"obo": str(obo.resolve()), **vocabulary}, out, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cache)
        for old in cache.parent.glob("hpo-terms-*.pkl"):
            if old != cache:
                old.unlink(missing_ok=True)  # another hp.obo's
    except OSError:
        pass  # a read-only home: parse every time
    return vocabulary


def diagnosis_folder(settings: Settings) -> Path:
    return settings.home / "models" / "diagnosis"


def has_diagnosis_model(folder: Path) -> bool:
    """Whether ``folder`` holds a trained diagnosis model (its graph ranker)."""
    return (folder / "graph-ranker" / "medkg.json").is_file()


def phenotype_encoder_dir(settings: Settings) -> Path:
    return settings.models_dir / "phenotype-encoder"


def phenotype_encoder(settings: Settings, name: str | None = None, *, fp32: bool = False) -> Any:
    """The dense phenotype matcher's encoder: ``name`` (a model folder or Hugging Face id), else
    the fine-tuned phenotype encoder when one is installed (``medkg train phenotype-encoder``),
    else the offline all-MiniLM-L6-v2 (``fp32``: in float32 on every CPU)."""
    from ontologies.dense import DEFAULT_ENCODER, NameEncoder

    folder = phenotype_encoder_dir(settings)
    if name is None and (folder / "medkg.json").is_file():
        name = str(folder)
    return NameEncoder(name or DEFAULT_ENCODER, fp32=fp32)


def body_parts(settings: Settings) -> frozenset[str]:
    """MeSH's names of body parts (``ontologies.loaders.load_mesh_anatomy``), which the lay-phrase
    matcher never takes for a finding alone; none when the data folder lacks MeSH's files."""
    from ontologies.loaders import load_mesh_anatomy

    files = HpoFiles.of(settings)
    if files.mesh_trees is None or files.mesh_terms is None:
        return frozenset()
    if not (files.mesh_trees.is_file() and files.mesh_terms.is_file()):
        return frozenset()
    return load_mesh_anatomy(files.mesh_trees, files.mesh_terms)


def use_dense_matcher(
    tagger: Any, settings: Settings, name: str | None = None, *, fp32: bool = False, **options: Any
) -> Any:
    """``tagger`` with the dense matcher for lay phrases: the phenotype encoder (``name``, else the
    installed one; ``fp32``: in float32 on every CPU), its HPO embeddings cached under the home
    folder, MeSH's body parts, WordNet's adjectives with their nouns; ``options`` go to
    ``PhenotypeTagger.use_encoder`` (thresholds)."""
    from ontologies.wordnet import load_nominalizations

    nominalizations = settings.wordnet_nominalizations()
    return tagger.use_encoder(
        phenotype_encoder(settings, name, fp32=fp32),
        cache=settings.home / "cache",
        body_parts=body_parts(settings),
        forms=load_nominalizations(nominalizations) if nominalizations is not None else None,
        **options,
    )


def build_context(
    store: GraphStore, settings: Settings, *, ner: Any = None, normalizer: Any = None, dense: bool | None = None
) -> Any:
    """The disease graph read from the store, with the HPO phenotype dictionary, the diseases
    phenotypes name (MeSH's signs left out) and (``dense``, default ``settings.diagnosis_dense``)
    the dense matcher for lay phrases and the diseases' descriptions that the general setting
    ranks by as well."""
    from diagnosis.context import ContextBuilder, PhenotypeTagger
    from diagnosis.graph import DiseaseGraph

    with status("reading the disease graph from the store"):
        graph = DiseaseGraph.from_store(store)
    if not graph.diseases:
        raise ConfigError("the graph has no disease -> phenotype annotations; run `medkg load-hpo` first")
    with status("building the phenotype dictionary from hp.obo"):
        tagger = PhenotypeTagger(hpo_terms(settings))
    if settings.diagnosis_dense if dense is None else dense:
        with status("embedding HPO's names for the lay-phrase matcher (once per encoder, then cached)"):
            use_dense_matcher(tagger, settings)
        descriptions = disease_descriptions(graph, settings)
        familiarity = disease_familiarity(graph, settings)
    else:
        descriptions = familiarity = None
    return ContextBuilder(
        graph,
        tagger,
        ner=ner,
        normalizer=normalizer,
        descriptions=descriptions,
        familiarity=familiarity,
        named=graph.diseases_named(mesh_signs(settings)),
    )


def mesh_signs(settings: Settings) -> set[str]:
    """MeSH's descriptors filed under signs and symptoms (``diagnosis.familiarity.signs_and_symptoms``);
    empty where MeSH's trees are missing."""
    from diagnosis.familiarity import signs_and_symptoms

    trees = HpoFiles.of(settings).mesh_trees
    return signs_and_symptoms(mesh_tree_numbers(trees)) if trees is not None and trees.is_file() else set()


def mesh_tree_numbers(path: Path) -> Mapping[str, Sequence[str]]:
    """MeSH's tree numbers by descriptor (``ontologies.loaders.load_mesh_trees``), read once per
    file version: building the diagnosis context needs them twice (its signs, and the familiarity
    prior's). Read-only: callers share it."""
    stat = path.stat()
    return _read_mesh_trees(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2)
def _read_mesh_trees(path: str, mtime_ns: int, size: int) -> Mapping[str, Sequence[str]]:
    from ontologies.loaders import load_mesh_trees

    return load_mesh_trees(path)


def read_definitions(files: HpoFiles) -> list[Any]:
    """The diseases' definitions the files have (``diagnosis.definitions.Definition``): MeSH scope
    notes (CTD MEDIC), then DOID's, then WordNet's glosses of the diseases either names."""
    from diagnosis.definitions import doid_definitions, medic_definitions, wordnet_definitions
    from ontologies.wordnet import load_glosses

    definitions = []
    if files.definitions is not None and files.definitions.is_file():
        definitions += medic_definitions(files.definitions)
    if files.doid_definitions is not None and files.doid_definitions.is_file():
        definitions += doid_definitions(files.doid_definitions)
    if files.wordnet is not None and files.wordnet.is_file():
        definitions += wordnet_definitions(load_glosses(files.wordnet), definitions)
    return definitions


def definition_texts(files: HpoFiles) -> dict[str, str]:
    """The diseases' definition texts by CURIE (the first one a CURIE has), MeSH's and DOID's:
    WordNet's glosses, added to the descriptions, ranked the 48 lay dev cases worse (acc@20 56.2
    -> 50.0; BENCHMARKS.md, session 45)."""
    found: dict[str, str] = {}
    for d in read_definitions(dataclasses.replace(files, wordnet=None)):
        if d.text:
            found.setdefault(d.curie, d.text)
    return found


def disease_descriptions(graph: Any, settings: Settings) -> Any:
    """The general setting's description ranking (``diagnosis.descriptions``): each disease's
    name, definition and phenotypes, embedded with the offline sentence encoder (cached)."""
    from diagnosis.descriptions import MAX_TOKENS, DiseaseDescriptions
    from ontologies.dense import NameEncoder

    with status("embedding the diseases' descriptions (once per graph, then cached)"):
        return DiseaseDescriptions(
            graph,
            definition_texts(HpoFiles.of(settings)),
            NameEncoder(max_length=MAX_TOKENS),
            layperson=hpo_layperson_synonyms(settings),
            cache=settings.home / "cache",
        )


def mesh_names_and_signs(settings: Settings) -> tuple[dict[str, tuple[str, ...]], set[str]] | None:
    """Each MeSH descriptor's name and everyday entry terms (no eponym or abbreviation MeSH does not
    prefer), and the descriptors filed under signs and symptoms alone (``diagnosis.familiarity``);
    None where MeSH's trees or entry terms are missing."""
    from diagnosis.familiarity import NOT_EVERYDAY, only_signs
    from ontologies.loaders import load_mesh_entry_terms

    mesh = mesh_files_of(HpoFiles.of(settings))
    if mesh is None:
        return None
    terms, _ = load_mesh_entry_terms(*mesh, skip_tags=NOT_EVERYDAY)
    return {t.curie: (t.name, *t.synonyms) for t in terms}, only_signs(mesh_tree_numbers(mesh[0]))


def disease_familiarity(graph: Any, settings: Settings) -> Any:
    """The general setting's prior (``diagnosis.familiarity.prior``): how often each disease's
    name or MeSH entry terms are written in everyday English, from wordfreq. None, with a note,
    where MeSH's trees or entry terms are missing."""
    from diagnosis.familiarity import disease_familiarity as familiarity
    from diagnosis.familiarity import prior

    with status("weighing the diseases' names by how often English text names them (wordfreq)"):
        mesh = mesh_names_and_signs(settings)
        if mesh is not None:
            return prior(familiarity(graph, *mesh))
    console.print(
        "[yellow]no MeSH trees or entry terms: the general setting ranks without how familiar a disease is[/]"
    )
    return None


def train_phenotype_encoder_into(
    settings: Settings, out: Path, config: Any, *, progress: bool = True
) -> dict[str, Any]:
    """Fine-tune the phenotype encoder on HPO's labels, synonyms and definitions (shared data)."""
    from diagnosis.context import PhenotypeTagger
    from diagnosis.phenotype_encoder import train_phenotype_encoder
    from ontologies.loaders import load_obo_definitions

    files = HpoFiles.of(settings)
    with status(f"reading {files.obo.name}"):
        tagger = PhenotypeTagger(hpo_terms(settings), negation=False)
        definitions = load_obo_definitions(files.obo, prefixes=("HP:",)) if config.definitions else {}
    return train_phenotype_encoder(
        tagger.phrases, tagger.names, out, config, definitions=definitions, progress=progress
    )


def build_diagnoser(builder: Any, model_dir: Path, *, device: str = "auto", quantize: str | None = None) -> Any:
    """The diagnoser with the graph ranker of ``model_dir/graph-ranker``."""
    from diagnosis.diagnoser import Diagnoser
    from diagnosis.model import GraphRanker
    from diagnosis.training import DiagnosisConfig
    from extractors.configs import card_config
    from extractors.models import read_card

    folder = model_dir / "graph-ranker"
    if not has_diagnosis_model(model_dir):
        raise ConfigError(f"{folder}: no diagnosis model; train one with `medkg train diagnosis`")
    card = read_card(folder)
    config, margin = card_config(DiagnosisConfig, card), card.get("margin")
    return Diagnoser(
        builder,
        GraphRanker.load(folder, device, quantize),
        candidates=config.candidates,
        rerank=config.rerank,
        max_facts=config.max_facts,
        margin=float(margin) if margin is not None else None,
        temperature=float(card.get("temperature", 1.0)),
    )


def calibrate_margin(diagnoser: Any, model_dir: Path, dev: Any) -> tuple[float | None, float]:
    """Choose the pruning margin and the probability temperature on the ``dev`` cases and store
    them in the ranker's card (models trained before medkg chose them at training time lack them)."""
    from diagnosis.diagnoser import choose_temperature, score_cases
    from diagnosis.training import choose_margin
    from extractors.models import read_card, write_card

    if not dev:
        raise ConfigError(f"{model_dir / 'cases'}: no dev cases to calibrate on")
    with status(f"choosing the pruning margin and the probability temperature on {len(dev)} dev cases"):
        scored = score_cases(diagnoser, [(c.text, c.label) for c in dev])
    diagnoser.margin = margin = choose_margin(scored, diagnoser.ranker.fusion_weight)
    diagnoser.temperature = temperature = choose_temperature(scored, diagnoser.ranker.fusion_weight)
    folder = model_dir / "graph-ranker"
    write_card(folder, {**read_card(folder), "margin": margin, "temperature": temperature})
    return margin, temperature


def case_splits(
    settings: Settings, builder: Any, out: Path, sim: Any, cases_csv: Path | None, mapping: Path | None, seed: int
) -> Any:
    """The cases, split and saved under ``out/cases``."""
    from diagnosis.cases import CaseSplits, PatientSimulator, read_cases_csv

    if cases_csv is not None:
        cases = read_cases_csv(cases_csv, mapping)
        random.Random(seed).shuffle(cases)
        n = len(cases)
        if n < 10:
            raise ConfigError(f"{cases_csv}: {n} cases; at least 10 are needed to train and evaluate")
        splits = CaseSplits(cases[: int(0.8 * n)], cases[int(0.8 * n) : int(0.9 * n)], cases[int(0.9 * n) :], [], [])
    else:
        with status("simulating patients from the HPO annotations in the graph"):
            splits = PatientSimulator(builder.graph, builder.tagger.terms, sim).splits()
    splits.save(out / "cases")
    return splits


def evaluate_splits(diagnoser: Any, splits: Any, text_model: Any) -> dict[str, Any]:
    """The three systems on the held-out splits, and how many candidates per case the served
    graph-augmented system runs the model on (``reranked_per_case``: the margin's saving)."""
    from diagnosis.diagnoser import calibration, reranked, score_cases, summarize

    weight = diagnoser.ranker.fusion_weight if diagnoser.ranker else 0.0
    report: dict[str, Any] = {
        "fusion_weight": weight if diagnoser.ranker else None,
        "margin": diagnoser.margin,
        "temperature": diagnoser.temperature,
        "reranked_per_case": {},
        "calibration": {},
    }
    for name in ("test_seen", "test_unseen"):
        cases = [(c.text, c.label) for c in getattr(splits, name)]
        if cases:
            with status(f"evaluating {len(cases)} {name} cases"):
                scored = score_cases(diagnoser, cases, text_model)
            report[name] = summarize(scored, weight, text_model is not None, diagnoser.margin)
            if diagnoser.ranker is not None:
                report["calibration"][name] = calibration(scored, weight, diagnoser.temperature, diagnoser.margin)
            report["reranked_per_case"][name] = round(
                sum(reranked(s.similarity, weight, diagnoser.margin) for s in scored) / len(scored), 2
            )
    return report


def train_diagnosis_into_registry(settings: Settings, sim: Any, cfg: Any, **kwargs: Any) -> dict[str, Any]:
    """``train_diagnosis`` into a candidate folder of the model registry, then promoted to
    ``MEDKG_HOME/models/diagnosis`` (what ``medkg diagnose`` and the API load) when its dev acc@1
    is not worse than the current model's; the report says which (``promotion``) and where the
    new models are (``folder``)."""
    from extractors.registry import candidate_dir, promote

    current = diagnosis_folder(settings)
    candidate = candidate_dir(settings.models_dir, current.name)
    if not kwargs.get("text_only", True) and (current / "text-only" / "medkg.json").is_file():
        shutil.copytree(current / "text-only", candidate / "text-only")  # the baseline not retrained stays beside
    report = train_diagnosis(settings, candidate, sim, cfg, **kwargs)
    promotion = promote(candidate, settings.models_dir, current.name)
    console.print(str(promotion), soft_wrap=True)
    folder = current if promotion.promoted else candidate
    return {**report, "promotion": str(promotion), "promoted": promotion.promoted, "folder": str(folder)}


def train_diagnosis(
    settings: Settings,
    out: Path,
    sim: Any,
    cfg: Any,
    *,
    cases_csv: Path | None = None,
    mapping: Path | None = None,
    text_only: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Cases (simulated from the graph's HPO annotations, or a CSV), both models fine-tuned on
    them, all three systems evaluated on the held-out cases; the report is also written to
    ``out/evaluation.json``."""
    from diagnosis.model import TextClassifier
    from diagnosis.training import train_graph_ranker, train_text_classifier

    with settings.open_store() as store:
        ensure_hpo(store, settings)
        builder = build_context(store, settings)
    splits = case_splits(settings, builder, out, sim, cases_csv, mapping, cfg.seed)
    console.print(
        f"cases: {len(splits.train)} train, {len(splits.dev)} dev, {len(splits.test_seen)} test (seen diseases), "
        f"{len(splits.test_unseen)} test (unseen diseases: {len(splits.unseen_diseases)})"
    )
    card = {"simulation": sim.model_dump() if cases_csv is None else {"cases_csv": str(cases_csv)}}
    if text_only:
        train_text_classifier(splits.train, splits.dev, out / "text-only", cfg, card=card, progress=progress)
    # Without training it, a text-only model already in the folder is still evaluated beside.
    text_model = TextClassifier.load(out / "text-only") if (out / "text-only" / "medkg.json").is_file() else None
    train_graph_ranker(splits.train, splits.dev, builder, out / "graph-ranker", cfg, card=card, progress=progress)
    report = evaluate_splits(build_diagnoser(builder, out), splits, text_model)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2))
    return report
