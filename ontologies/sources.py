"""The vocabularies medkg indexes by default, read from the shared data folder (or the same files
from the official releases), and the on-disk cache of the built index."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from kg.errors import OntologyError
from kg.schema import entity_type
from ontologies.dense import DENSE_CATEGORIES
from ontologies.index import INDEX_FORMAT, TermIndex, merge_concepts
from ontologies.loaders import (
    load_ctd_diseases,
    load_doid_tsv,
    load_mesh_entry_terms,
    load_mesh_pharm_actions,
    load_mesh_scr,
    load_mesh_tree,
    load_mesh_trees,
    load_obo,
    load_sssom,
)
from ontologies.terms import CompositeName, Mapping, SourceInfo, Term

log = logging.getLogger(__name__)


def corpus_terms(paths: Sequence[Path]) -> tuple[list[Term], list[CompositeName], SourceInfo | None]:
    """Gold mention texts of annotated training corpora as synonyms of their ids (as tmChem and
    DNorm learn from their training sets), one term per mention so that the index can count them;
    composite mentions as names of all their concepts; of ``a|b`` alternatives, the first. Only
    pass training splits here, never the split you evaluate on."""
    from readers import read_documents

    terms = []
    composites = []
    for path in paths:
        for doc in read_documents(path, on_error="skip"):
            for m in doc.mentions:
                if not m.ids:
                    continue
                kind = entity_type(m.label).label
                if m.composite and len(m.ids) > 1:
                    composites.append(CompositeName(m.text, kind, tuple(m.ids)))
                else:
                    terms.append(Term(m.ids[0], m.text, kind, source=f"corpus:{path.name}"))
    if not paths:
        return [], [], None
    return terms, composites, SourceInfo(",".join(map(str, paths)), "corpus", "gold", len(terms) + len(composites))


def default_files(data_dir: Path) -> dict[str, Path]:
    o = data_dir / "ontologies"
    return {
        "ctd": o / "ctd/CTD_diseases.tsv.gz",
        "mesh_trees": o / "mesh/mesh_trees.tsv.gz",
        "mesh_terms": o / "mesh/mesh_terms.tsv.gz",
        "mesh_pharm_actions": o / "mesh/mesh_pharm_actions.tsv.gz",
        "mesh_tree": o / "mesh/mesh_descriptors_c_f_tree.tsv",
        "mesh_scr": o / "mesh/mesh_scr.tsv",
        "hpo": o / "hpo/hp.obo.gz",
        "chebi": o / "chebi/chebi_import.obo",
        "doid": o / "doid/HumanDO.tsv",
        "doid_mesh": o / "doid/MESHinDO.tsv",
        "doid_omim": o / "doid/OMIMinDO.tsv",
        "mondo_mesh": o / "mondo/mondo_exactmatch_mesh.sssom.tsv.gz",
        "mondo_doid": o / "mondo/mondo_exactmatch_doid.sssom.tsv.gz",
        "mondo_omim": o / "mondo/mondo_exactmatch_omim.sssom.tsv.gz",
    }


def build_index(data_dir: Path, corpora: Sequence[Path] = ()) -> TermIndex:
    """Load every default vocabulary and merge them into one index."""
    files = default_files(data_dir)
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise OntologyError(f"vocabulary files missing: {', '.join(missing)}; set MEDKG_DATA_DIR")
    terms: list[Term] = []
    sources: list[SourceInfo] = []
    mappings: list[Mapping] = []

    def add(loaded: tuple[list[Term], SourceInfo]) -> None:
        terms.extend(loaded[0])
        sources.append(loaded[1])

    add(load_ctd_diseases(files["ctd"]))
    add(load_mesh_tree(files["mesh_tree"]))
    add(load_mesh_scr(files["mesh_scr"]))
    disease_mesh = {t.curie for t in terms}
    # Every MeSH descriptor with its entry terms, typed by its tree numbers: chemicals (D), new
    # names of the diseases above, and the guard types (organisms, procedures...) that tell a
    # predicted chemical or disease it names something else.
    mesh, info = load_mesh_entry_terms(files["mesh_trees"], files["mesh_terms"])
    terms.extend(t for t in mesh if t.category == "Disease" or t.curie not in disease_mesh)
    sources.append(info)
    add(load_obo(files["hpo"], "Phenotype", prefixes=("HP:",)))
    add(load_obo(files["chebi"], "Chemical", prefixes=("CHEBI:",)))
    doid, info = load_doid_tsv(files["doid"])
    terms.extend(doid)
    sources.append(info)
    for key in ("doid_mesh", "doid_omim"):
        xref_terms, info = load_doid_tsv(files[key])
        mappings.extend(Mapping(t.curie, x, source=key) for t in xref_terms for x in t.xrefs)
        sources.append(info)
    for key in ("mondo_mesh", "mondo_doid", "mondo_omim"):
        loaded, info = load_sssom(files[key])
        mappings.extend(loaded)
        sources.append(info)
    corpus, composites, corpus_info = corpus_terms(list(corpora))
    terms.extend(corpus)
    if corpus_info:
        sources.append(corpus_info)
    return TermIndex(merge_concepts(terms, mappings), sources, composites, trees=load_mesh_trees(files["mesh_trees"]),
                     actions=load_mesh_pharm_actions(files["mesh_pharm_actions"]))


def cache_key(
    data_dir: Path, corpora: Sequence[Path] = (), encoder: str | None = None, categories: Sequence[str] = ()
) -> str:
    """What the index is built from: the vocabulary files' and corpora's names and contents (not
    their paths or times, so that an index built on one machine is found on another with the same
    files: ``medkg models package`` carries it), the encoder and the embedded categories."""
    h = hashlib.sha256(f"{INDEX_FORMAT}:{encoder}:{','.join(categories) if encoder else ''}".encode())
    for p in [*default_files(data_dir).values(), *corpora]:
        h.update(f"{p.name}:{p.stat().st_size}:".encode())
        with p.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())  # about 10 MB in all: milliseconds
    return h.hexdigest()[:16]


def index_path(
    data_dir: Path, cache_dir: Path, corpora: Sequence[Path] = (), encoder: str | None = None,
    categories: Sequence[str] = DENSE_CATEGORIES,
) -> Path:
    """Where ``load_or_build`` keeps the index for these files and this encoder (the index format
    in the name, so that indexes of older formats can be recognized and removed)."""
    return cache_dir / f"term-index-v{INDEX_FORMAT}-{cache_key(data_dir, corpora, encoder, categories)}.pkl"


def load_or_build(
    data_dir: Path,
    cache_dir: Path,
    corpora: Sequence[Path] = (),
    encoder: str | None = None,
    categories: Sequence[str] = DENSE_CATEGORIES,
    *,
    progress: bool = False,
) -> TermIndex:
    """The cached index for these files, built and saved first when there is none; ``encoder``
    (a name ``NameEncoder`` accepts) also embeds the names of ``categories`` for the dense
    fallback (the disease names of the shared vocabularies: about a minute on two CPU cores, once)."""
    path = index_path(data_dir, cache_dir, corpora, encoder, categories)
    if path.is_file():
        return TermIndex.load(path)
    log.info("building the term index (once; cached in %s)", path)
    index = build_index(data_dir, corpora)
    if encoder:
        from ontologies.dense import NameEncoder

        index.embed(NameEncoder(encoder), categories, progress=progress)
    index.save(path)
    for stale in cache_dir.glob("term-index-*.pkl"):  # older formats cannot be loaded any more
        if not stale.name.startswith(f"term-index-v{INDEX_FORMAT}-"):
            log.info("removing %s (an index of an older format)", stale)
            stale.unlink(missing_ok=True)
    return index
