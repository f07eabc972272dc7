"""The vocabularies medkg indexes by default, read from the shared data folder (or the same files
from the official releases), and the on-disk cache of the built index."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import OntologyError
from kg.layout import DataLayout
from kg.schema import entity_type
from kg.types import Document
from ontologies.dense import DENSE_CATEGORIES
from ontologies.drugs import drug_names, everyday_words
from ontologies.genes import HUMAN, is_mesh_genes, load_gene_terms, mesh_gene_terms, names_of
from ontologies.index import INDEX_FORMAT, TermIndex, merge_concepts
from ontologies.loaders import (
    corrected_mesh_xrefs,
    load_ctd_diseases,
    load_doid_tsv,
    load_mesh_entry_terms,
    load_mesh_pharm_actions,
    load_mesh_scr,
    load_mesh_scr_chemicals,
    load_mesh_tree,
    load_mesh_trees,
    load_obo,
    load_sssom,
)
from ontologies.supplements import supplementary_chemicals
from ontologies.terms import CompositeName, Mapping, SourceInfo, Term
from ontologies.text import normalize

log = logging.getLogger(__name__)


ReadCorpus = Callable[[Path], Iterable[Document]]


@dataclass
class CorpusTerms:
    """What training corpora teach the index (``corpus_terms``)."""

    terms: list[Term] = field(default_factory=list)
    composites: list[CompositeName] = field(default_factory=list)
    info: SourceInfo | None = None
    # gene id -> how often its documents mention each species (what ``gene_taxa`` reads)
    gene_species: dict[str, Counter[str]] = field(default_factory=dict)
    # a variant's name (normalized) -> dbSNP id -> the genes of the documents that gave it that id
    variant_genes: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def corpus_terms(paths: Sequence[Path], read: ReadCorpus) -> CorpusTerms:
    """Gold mention texts of annotated training corpora as synonyms of their ids (as tmChem and
    DNorm learn from their training sets), one term per mention so that the index can count them;
    composite mentions as names of all their concepts; of ``a|b`` alternatives, the first. Only
    pass training splits here, never the split you evaluate on.

    Also how often each gene id's documents mention each species (BioRED annotates mouse genes
    with mouse ids in a mouse study), human once for a document that mentions none; and for a
    variant the annotators gave a dbSNP id ("V175M": rs7946), the genes its document names, so that
    another document naming the change and one of those genes takes the id too
    (``Normalizer._in_context``). ``read``: how to read a corpus file into documents (``flows``
    passes ``readers.read_documents``, skipping bad records)."""
    out = CorpusTerms()
    for path in paths:
        for doc in read(path):
            species = Counter(m.ids[0] for m in doc.mentions if m.ids and entity_type(m.label).label == "Species")
            genes = {c for m in doc.mentions if entity_type(m.label).label == "Gene" for c in m.ids}
            for m in doc.mentions:
                if not m.ids:
                    continue
                kind = entity_type(m.label).label
                if m.composite and len(m.ids) > 1:
                    out.composites.append(CompositeName(m.text, kind, tuple(m.ids)))
                else:
                    out.terms.append(Term(m.ids[0], m.text, kind, source=f"corpus:{path.name}"))
                if kind == "Gene":
                    for curie in m.ids:
                        out.gene_species.setdefault(curie, Counter()).update(species or Counter({HUMAN: 1}))
                if kind == "Variant" and m.ids[0].startswith("dbSNP:") and genes:
                    named = out.variant_genes.setdefault(normalize(m.text), {})
                    named.setdefault(m.ids[0], set()).update(genes)
    if paths:
        out.info = SourceInfo(",".join(map(str, paths)), "corpus", "gold", len(out.terms) + len(out.composites))
    return out


def gene_taxa(vocabulary: dict[str, str], corpus: dict[str, Counter[str]]) -> dict[str, str]:
    """Each gene's species: the vocabulary's where it has the gene, else the species the gene's
    training documents mention most among those the vocabulary does not cover, else (its documents
    name only covered species) the species most such genes have. A vocabulary lists every gene of
    its species, so a gene it lacks is another species': BioRED's mouse Fas ligand (14103) is mouse
    though its abstracts name patients more often than mice, and its mouse beta-catenin (12387)
    though its abstract names only "human"."""
    taxa = dict(vocabulary)
    covered = set(vocabulary.values())
    unsaid = []
    for gene, counts in corpus.items():
        if gene not in taxa:
            others = Counter({t: k for t, k in counts.items() if t not in covered})
            if others:
                taxa[gene] = others.most_common(1)[0][0]
            else:
                unsaid.append(gene)
    usual = Counter(t for g, t in taxa.items() if g not in vocabulary).most_common(1)
    for gene in unsaid:
        taxa[gene] = usual[0][0] if usual else corpus[gene].most_common(1)[0][0]
    return taxa


def default_files(data_dir: Path) -> dict[str, Path]:
    """The vocabulary files of a data folder (``kg.layout.VOCABULARIES``)."""
    return DataLayout(Path(data_dir)).vocabularies()


def build_index(
    data_dir: Path,
    corpora: Sequence[Path] = (),
    gene_dbs: Sequence[Path] = (),
    read_corpus: ReadCorpus | None = None,
    supplements: Path | None = None,
) -> TermIndex:
    """Load every default vocabulary and merge them into one index; ``gene_dbs``: gene vocabularies
    (``ontologies.genes``: org.Hs.eg.sqlite or NCBI gene_info; human and mouse by default, and the
    MeSH names of human proteins, ``fetch_mesh_genes``), without which genes are known only by the
    names the corpora give them; ``read_corpus`` reads the ``corpora`` files; ``supplements``: MeSH's
    supplementary concept records (``ontologies.supplements.fetch_mesh_supplements``), whose
    chemicals the index finds by their exact names."""
    if corpora and read_corpus is None:
        raise OntologyError(
            "annotated corpora as dictionaries need a reader: pass read_corpus (readers.read_documents)"
        )
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
    add(load_mesh_scr_chemicals(files["mesh_pharm_actions"]))
    add(load_obo(files["hpo"], "Phenotype", prefixes=("HP:",)))
    add(load_obo(files["chebi"], "Chemical", prefixes=("CHEBI:",)))
    doid, info = load_doid_tsv(files["doid"])
    terms.extend(doid)
    sources.append(info)
    for key in ("doid_mesh", "doid_omim"):
        xref_terms, info = load_doid_tsv(files[key])
        if key == "doid_mesh":
            xref_terms, corrected = corrected_mesh_xrefs(xref_terms, mesh)
            log.info("%s: %d MeSH xrefs pointed at the descriptor the DOID name names", files[key].name, len(corrected))
        mappings.extend(Mapping(t.curie, x, source=key) for t in xref_terms for x in t.xrefs)
        sources.append(info)
    for key in ("mondo_mesh", "mondo_doid", "mondo_omim"):
        loaded, info = load_sssom(files[key])
        mappings.extend(loaded)
        sources.append(info)
    vocabulary_taxa: dict[str, str] = {}
    papers: dict[str, int] = {}
    trees = load_mesh_trees(files["mesh_trees"])
    for gene_db in gene_dbs:
        if is_mesh_genes(gene_db):  # names of human genes, from their MeSH protein descriptors
            human = names_of(t for t in terms if vocabulary_taxa.get(t.curie) == HUMAN)
            named, info = mesh_gene_terms(gene_db, mesh, trees=trees, taken=human)
            terms.extend(named)
            sources.append(info)
            vocabulary_taxa.update({t.curie: HUMAN for t in named if t.curie not in vocabulary_taxa})
            continue
        genes = load_gene_terms(gene_db)
        terms.extend(genes.terms)
        sources.append(genes.info)
        vocabulary_taxa.update(genes.taxa)
        papers.update(genes.papers)
    corpus = corpus_terms(list(corpora), read_corpus) if read_corpus else CorpusTerms()
    terms.extend(corpus.terms)
    if corpus.info:
        sources.append(corpus.info)
    supplementary: list[Term] = []
    if supplements is not None:
        supplementary, info = supplementary_chemicals(supplements, trees)
        sources.append(info)
    actions = load_mesh_pharm_actions(files["mesh_pharm_actions"])
    return TermIndex(
        merge_concepts(terms, mappings),
        sources,
        corpus.composites,
        trees=trees,
        actions=actions,
        drugs=drug_names(files["mesh_terms"], trees, actions, common_words=everyday_words()),
        taxa=gene_taxa(vocabulary_taxa, corpus.gene_species),
        papers=papers,
        variant_genes=corpus.variant_genes,
        supplements=supplementary,
    )


def cache_key(
    data_dir: Path,
    corpora: Sequence[Path] = (),
    encoder: str | None = None,
    categories: Sequence[str] = (),
    gene_dbs: Sequence[Path] = (),
    supplements: Path | None = None,
) -> str:
    """What the index is built from: the vocabulary files' and corpora's names and contents (not
    their paths or times, so that an index built on one machine is found on another with the same
    files: ``medkg models package`` carries it), the encoder and the embedded categories."""
    h = hashlib.sha256(f"{INDEX_FORMAT}:{encoder}:{','.join(categories) if encoder else ''}".encode())
    for p in [*default_files(data_dir).values(), *corpora, *gene_dbs, *([supplements] if supplements else [])]:
        h.update(f"{p.name}:{p.stat().st_size}:".encode())  # the gene database: 344 MB, about a second
        with p.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())  # about 10 MB in all: milliseconds
    return h.hexdigest()[:16]


def index_path(
    data_dir: Path,
    cache_dir: Path,
    corpora: Sequence[Path] = (),
    encoder: str | None = None,
    categories: Sequence[str] = DENSE_CATEGORIES,
    gene_dbs: Sequence[Path] = (),
    supplements: Path | None = None,
) -> Path:
    """Where ``load_or_build`` keeps the index for these files and this encoder (the index format
    in the name, so that indexes of older formats can be recognized and removed)."""
    key = cache_key(data_dir, corpora, encoder, categories, gene_dbs, supplements)
    return cache_dir / f"term-index-v{INDEX_FORMAT}-{key}.pkl"


def load_or_build(
    data_dir: Path,
    cache_dir: Path,
    corpora: Sequence[Path] = (),
    encoder: str | None = None,
    categories: Sequence[str] = DENSE_CATEGORIES,
    *,
    progress: bool = False,
    gene_dbs: Sequence[Path] = (),
    read_corpus: ReadCorpus | None = None,
    supplements: Path | None = None,
) -> TermIndex:
    """The cached index for these files, built and saved first when there is none; ``encoder``
    (a name ``NameEncoder`` accepts) also embeds the names of ``categories`` for the dense
    fallback (the disease names of the shared vocabularies: about a minute on two CPU cores, once)."""
    path = index_path(data_dir, cache_dir, corpora, encoder, categories, gene_dbs, supplements)
    if path.is_file():
        return TermIndex.load(path)
    log.info("building the term index (once; cached in %s)", path)
    index = build_index(data_dir, corpora, gene_dbs, read_corpus, supplements)
    if encoder:
        from ontologies.dense import NameEncoder

        index.embed(NameEncoder(encoder), categories, progress=progress)
    index.save(path)
    for stale in cache_dir.glob("term-index-*.pkl"):  # older formats cannot be loaded any more
        if not stale.name.startswith(f"term-index-v{INDEX_FORMAT}-"):
            log.info("removing %s (an index of an older format)", stale)
            stale.unlink(missing_ok=True)
    return index
