"""The term index: every concept of the chosen vocabularies, merged across ontologies, with exact
and character 3-gram TF-IDF lookups per entity type. Built once, cached on disk, reloaded fast.

Canonical namespaces (the CURIE a merged concept is known by):
- Disease: MESH first (BC5CDR, NCBI-disease, PubTator and CTD all speak MeSH), then MONDO, DOID, OMIM;
  MONDO/DOID/OMIM ids of the same disease become its xrefs.
- Chemical: MESH, then CHEBI. Phenotype: HP.
Two MeSH ids are never merged into one concept, even when a mapping file links both to one MONDO id.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

from kg.errors import OntologyError
from ontologies.terms import CompositeName, Mapping, SourceInfo, Term
from ontologies.text import normalize, sorted_key

if TYPE_CHECKING:
    from ontologies.dense import NameEncoder, StaticQueryEncoder
    from ontologies.treatment import TreatmentKnowledge

log = logging.getLogger(__name__)

CANONICAL: dict[str, tuple[str, ...]] = {
    "Disease": ("MESH", "MONDO", "DOID", "OMIM", "ORPHA"),
    "Chemical": ("MESH", "CHEBI"),
    "Phenotype": ("HP",),
}
INDEX_FORMAT = 21  # 8: MeSH entry terms, tree numbers and pharmacological actions; guard types. 9: the
# cache file is named by the contents of its vocabulary files, so that an index travels between machines.
# 10: genes (NCBI Gene) with their taxa. 11: a merged concept is named by a term of its own type.
# 12: DOID's MeSH xrefs corrected where the DOID name is another descriptor's (``corrected_mesh_xrefs``).
# 13: MeSH's supplementary chemical records named in the pharmacological actions table (``load_mesh_scr_chemicals``).
# 14: a training corpus's gene absent from the gene vocabulary is not of the vocabulary's species; a
# name several genes share goes first to the gene more articles are about (``GeneVocabulary.papers``);
# a variant name's dbSNP ids with their documents' genes (``variant_genes``).
# 15: several gene vocabularies (human and mouse); a gene_info file's other designations are names;
# a gene symbol's casing tells its species where one species' vocabulary writes it so (``gene_cased``).
# 16: MeSH's drug names, which the normalizer adds where the taggers missed a drug (``ontologies.drugs``).
# 17: the names MeSH's protein descriptors give human genes (``ontologies.genes.mesh_gene_terms``).
# 18: MeSH's supplementary chemical records, found by their exact names only (``supplementary``); an
# exact name of a chemical or disease goes first to the canonical namespace's concept (``NAMESPACE_FIRST``).
# 19: a training corpus's intronic variant ids ("c|SUB|G|2554+1|T") read as one id, not split at "+".
# 20: BioRED's "-" (a mention its annotators could not ground) is no id: its 31 training mentions
# ("lectin", "HP", "D1", "polyacrylamide"...) had made one concept, ``medkg:-``, that the MEDLINE
# slice's "polyacrylamide" grounded to.
# 21: British spellings normalized beyond "ae"/"oe" ("tumour", "sulphate", "aluminium": ``ontologies.text.normalize``).
# Fewer embedded names than this teach a static query encoder too little to generalize; such
# small vocabularies keep the full encoder for mentions (cheap for them anyway).
MIN_DISTILL_NAMES = 5000
# The types whose exact names go first to a concept of the canonical namespace (``CANONICAL``),
# before one whose own name it is: ChEBI's "paracetamol", "L-dopa" and "retinoic acid" and DOID's
# "end-stage renal disease" and "acute lymphoblastic leukemia" are entry terms of MeSH
# descriptors, which the corpora (and PubTator) ground to. On BC5CDR's and BioRED's training
# splits, with an index without their names: 55 chemical and 87 disease mentions fixed, none
# broken (BENCHMARKS.md, session 37).
NAMESPACE_FIRST = ("Chemical", "Disease")
# The shortest supplementary name (normalized) that grounds: shorter ones are letters other
# things share ("pdtc", "lam"). Chosen on the training splits with an index without their names:
# names of 4 or 5 characters would fix 15 more mentions of BC5CDR's and BioRED's training splits
# and break 8 right ones ("PDTC" of BC5CDR train; BENCHMARKS.md, session 37).
SHORTEST_SUPPLEMENTARY_NAME = 6
# Score penalties of the fuzzy ranking, chosen on BC5CDR/NCBI-disease dev (BENCHMARKS.md).
OUTSIDE_PENALTY = 0.06
SUPPLEMENTARY_PENALTY = 0.03


@dataclass
class Concept:
    curie: str
    name: str
    category: str
    xrefs: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    term_names: set[str] = field(default_factory=set)  # preferred names of the merged terms
    corpus_names: Counter[str] = field(default_factory=Counter)  # names annotators gave it in a corpus, with how often


def _rank(curie: str, category: str) -> tuple[int, str]:
    prefixes = CANONICAL.get(category, ())
    prefix = curie.split(":", 1)[0]
    return (prefixes.index(prefix) if prefix in prefixes else len(prefixes), curie)


def _prior(curie: str, category: str) -> float:
    """What the fallback ranking subtracts from the score of a name of this concept."""
    canonical = CANONICAL.get(category, ("",))[0] + ":"
    if not curie.startswith(canonical):
        return OUTSIDE_PENALTY
    if category == "Disease" and curie.startswith("MESH:C"):
        return SUPPLEMENTARY_PENALTY
    return 0.0


def merge_concepts(terms: Iterable[Term], mappings: Iterable[Mapping] = ()) -> list[Concept]:
    """One concept per group of equivalent terms; names, xrefs and parents pooled."""
    terms = [t for t in terms if not t.obsolete]
    parent: dict[str, str] = {}
    category: dict[str, str] = {}
    for t in terms:
        parent.setdefault(t.curie, t.curie)
        category.setdefault(t.curie, t.category)
    # Which ids hold the first canonical prefix of their category (MESH for diseases): a group
    # may hold only one of them.
    anchor: dict[str, str | None] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def primary(curie: str) -> bool:
        cat = category.get(curie, "")
        prefixes = CANONICAL.get(cat, ())
        return bool(prefixes) and curie.split(":", 1)[0] == prefixes[0]

    for c in parent:
        anchor[c] = c if primary(c) else None

    def union(a: str, b: str) -> None:
        for x in (a, b):
            if x not in parent:
                parent[x] = x
                anchor[x] = None
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        if anchor[ra] and anchor[rb]:
            return  # two MeSH descriptors stay two concepts
        keep, drop = (ra, rb) if anchor[ra] or not anchor[rb] else (rb, ra)
        parent[drop] = keep
        anchor[keep] = anchor[keep] or anchor[drop]

    for m in mappings:
        union(m.subject, m.object)
    for t in terms:
        for x in t.xrefs:
            if x.split(":", 1)[0] in ("MESH", "MONDO", "DOID", "OMIM", "ORPHA") and t.category == "Disease":
                union(t.curie, x)

    groups: dict[str, list[Term]] = defaultdict(list)
    members: dict[str, set[str]] = defaultdict(set)
    for c in parent:
        members[find(c)].add(c)
    for t in terms:
        groups[find(t.curie)].append(t)
    concepts = []
    for root, group in groups.items():
        cat = group[0].category
        # A term of the concept's own type names it: a bridge (DOID's "depressive disorder", an
        # xref of both) may bring in a MeSH descriptor of another branch ("Depression", a
        # behaviour in F01) that would otherwise win on its smaller number.
        own = [t for t in group if t.category == cat]
        best = min(own or group, key=lambda t: _rank(t.curie, cat))
        concept = Concept(best.curie, best.name, cat)
        for t in group:
            if t.source.startswith("corpus:"):
                concept.corpus_names[t.name] += 1
            else:
                concept.term_names.add(t.name)
            concept.names.add(t.name)
            concept.names.update(t.synonyms)
            concept.parents.update(t.parents)
            concept.xrefs.update(t.xrefs)
        concept.xrefs.update(members[root])
        concept.xrefs.discard(concept.curie)
        concept.names.discard("")
        concepts.append(concept)
    return concepts


def _cased_gene_names(concepts: Iterable[Concept], taxa: dict[str, str]) -> dict[str, str]:
    """The official gene symbols whose casing tells their species: written so, the vocabularies
    name genes of one species only, while the same letters in another case name genes of another
    ("Sox2" is mouse, "SOX2" human; "Ctr9" and "CTR9"). Aliases are left out (papers on human
    cells write "p21Cip1" and "Cx26" as mouse aliases are written), and so are symbols of one or
    two letters ("Hp": haptoglobin in any paper) and names a training corpus gave (annotators copy
    the article's casing). BioRED gold gene acc@1 with the index built without BioRED's training
    names: train 53.27 -> 56.88, dev 47.75 -> 57.13 (BENCHMARKS.md, session 33)."""
    cased: dict[str, set[str]] = defaultdict(set)
    for c in concepts:
        taxon = taxa.get(c.curie)
        if c.category != "Gene" or taxon is None:
            continue
        for name in c.term_names:
            if len(name) >= 3 and name not in c.corpus_names and not any(ch.isspace() for ch in name):
                cased[name].add(taxon)
    folded: dict[str, set[str]] = defaultdict(set)
    for name, species in cased.items():
        folded[normalize(name)] |= species
    return {
        name: next(iter(species))
        for name, species in cased.items()
        if len(species) == 1 and len(folded[normalize(name)]) > 1
    }


class TermIndex:
    """Concepts with their names, searchable by exact normalized form and by 3-gram TF-IDF."""

    def __init__(
        self,
        concepts: list[Concept],
        sources: list[SourceInfo],
        composites: Iterable[CompositeName] = (),
        *,
        trees: dict[str, list[str]] | None = None,
        actions: dict[str, list[str]] | None = None,
        taxa: dict[str, str] | None = None,
        papers: dict[str, int] | None = None,
        variant_genes: dict[str, dict[str, set[str]]] | None = None,
        drugs: dict[str, str] | None = None,
        supplements: Iterable[Term] = (),
    ) -> None:
        """``trees``: MeSH tree numbers by CURIE; ``actions``: MeSH pharmacological actions by
        CURIE (what ``ontologies.treatment`` reads); ``taxa``: the species (``NCBITaxon:``) of each
        gene; kept for the index's concepts only. ``papers``: how many articles are about each
        gene (``ontologies.genes.GeneVocabulary``), the last tie-break of a shared name.
        ``variant_genes``: a variant name's dbSNP ids with the genes of the training documents that
        gave them (``ontologies.sources.CorpusTerms``). ``drugs``: lower-cased drug names -> MeSH
        CURIE (``ontologies.drugs``), which the normalizer adds where the taggers missed them.
        ``supplements``: terms found only by an exact name no concept above has, of at least
        ``SHORTEST_SUPPLEMENTARY_NAME`` characters (``ontologies.supplements``: MeSH's 161,231
        supplementary chemical records); they join the concepts, never the fuzzy fallback."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.sources = sources
        self.drugs = drugs or {}
        self.curies = [c.curie for c in concepts]
        self.names = [c.name for c in concepts]
        self.categories = [c.category for c in concepts]
        self.xrefs = [sorted(c.xrefs) for c in concepts]
        self.parents = [sorted(c.parents) for c in concepts]
        self.by_curie: dict[str, int] = {}
        for i, c in enumerate(concepts):
            self.by_curie[c.curie] = i
        for i, c in enumerate(concepts):
            for x in c.xrefs:
                self.by_curie.setdefault(x, i)
        self.exact: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.unordered: dict[tuple[str, str], list[int]] = defaultdict(list)
        rows: dict[str, list[tuple[str, int]]] = defaultdict(list)
        # When one name belongs to several concepts, the concept it names best comes first: a
        # concept annotators gave that name in a training corpus (the one they gave it most
        # often first), then, for the types of ``NAMESPACE_FIRST``, the concept of the type's
        # canonical namespace (MeSH's Tretinoin for "retinoic acid" before ChEBI's concept of that
        # name), then the concept whose own preferred name it is, then a merged term's preferred
        # name, then a synonym; MeSH descriptors before supplementary concepts; the gene more
        # articles are about before the other ("p62": SQSTM1 before GTF2H1).
        articles = papers or {}
        priority: dict[tuple[str, str, int], tuple[int, int, int, int, int, int]] = {}
        corpus_count: Counter[tuple[str, str]] = Counter()  # (category, form) -> single-concept annotations
        for i, c in enumerate(concepts):
            own = normalize(c.name)
            corpus: Counter[str] = Counter()
            for n, k in c.corpus_names.items():
                corpus[normalize(n)] += k
            preferred = {normalize(n) for n in c.term_names}
            supplementary = int(c.curie.startswith("MESH:C"))
            namespace = _rank(c.curie, c.category)[0] if c.category in NAMESPACE_FIRST else 0
            seen = set()
            for name in sorted(c.names):  # a fixed order: the TF-IDF rows, and ties, do not depend on the hash seed
                form = normalize(name)
                if not form or form in seen:
                    continue
                seen.add(form)
                corpus_count[(c.category, form)] += corpus[form]
                rank = (
                    0 if form in corpus else 1,
                    -corpus[form],
                    namespace,
                    0 if form == own else 1 if form in preferred else 2,
                    supplementary,
                    -articles.get(c.curie, 0),
                )
                for table, key in ((self.exact, form), (self.unordered, sorted_key(name))):
                    self._add(table, (c.category, key), i)
                    priority[(c.category, key, i)] = min(rank, priority.get((c.category, key, i), rank))
                rows[c.category].append((form, i))
        for table in (self.exact, self.unordered):
            for (cat, key), bucket in table.items():
                order = {i: priority.get((cat, key, i), (9, 0, 9, 9, 9, 0)) for i in bucket}
                bucket.sort(key=order.__getitem__)
        # Names annotators gave several concepts at once ("hemorrhagic cystitis" -> Hemorrhage +
        # Cystitis in BC5CDR), when they did so more often than they gave the name one concept.
        votes: dict[tuple[str, str], Counter[tuple[int, ...]]] = defaultdict(Counter)
        for comp in composites:
            found = [self.by_curie.get(c) for c in comp.ids]
            if all(i is not None for i in found) and len(set(found)) > 1:
                votes[(comp.category, normalize(comp.name))][
                    tuple(dict.fromkeys(i for i in found if i is not None))
                ] += 1
        self.composites: dict[tuple[str, str], list[int]] = {}
        for named, counts in votes.items():
            parts, votes_for = counts.most_common(1)[0]
            if votes_for > corpus_count[named]:
                self.composites[named] = list(parts)
        self.vectorizers: dict[str, Any] = {}
        self.matrices: dict[str, sparse.csr_matrix] = {}
        self.row_concepts: dict[str, np.ndarray] = {}
        self.row_forms: dict[str, list[str]] = {}  # the matching form of each row (what ``embed`` embeds)
        for cat, items in rows.items():
            vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), min_df=1, sublinear_tf=True, dtype=np.float32)
            self.matrices[cat] = vec.fit_transform([f for f, _ in items]).T.tocsr()  # 3-grams x names
            self.vectorizers[cat] = vec
            self.row_concepts[cat] = np.array([i for _, i in items], dtype=np.int32)
            self.row_forms[cat] = [f for f, _ in items]
        # What the fuzzy ranking subtracts from a row's score: nothing for a concept in its type's
        # canonical namespace, OUTSIDE_PENALTY for one only other ontologies have (a DOID-only
        # "prostate adenocarcinoma" loses to MeSH "Prostatic Neoplasms" unless clearly closer),
        # SUPPLEMENTARY_PENALTY for a MeSH supplementary disease record (mostly rare syndromes
        # whose names collide with common words: "Oculootoradial syndrome" for "OAB").
        self.row_prior: dict[str, np.ndarray] = {}
        for cat, concepts_of_rows in self.row_concepts.items():
            self.row_prior[cat] = np.array([_prior(self.curies[i], cat) for i in concepts_of_rows], dtype=np.float32)
        self.exact = dict(self.exact)
        self.unordered = dict(self.unordered)
        self.supplementary = self._supplementary_names(supplements)
        known = set(self.by_curie)
        self.trees: dict[str, tuple[str, ...]] = {c: tuple(t) for c, t in (trees or {}).items() if c in known}
        self.actions: dict[str, tuple[str, ...]] = {c: tuple(a) for c, a in (actions or {}).items() if c in known}
        self.taxa: dict[str, str] = {c: t for c, t in (taxa or {}).items() if c in known}
        self.variant_genes: dict[str, dict[str, frozenset[str]]] = {
            name: {rs: frozenset(genes) for rs, genes in ids.items()} for name, ids in (variant_genes or {}).items()
        }
        self.gene_cased: dict[str, str] = _cased_gene_names(concepts, self.taxa)
        # Dense embeddings of every row (float16), filled by ``embed``; empty: TF-IDF only.
        self.dense: dict[str, np.ndarray] = {}
        self.dense_encoder: str | None = None
        # The static query encoder distilled from ``dense_encoder`` (``embed``), for mentions.
        self.query_encoder: StaticQueryEncoder | None = None

    def _supplementary_names(self, terms: Iterable[Term]) -> dict[tuple[str, str], list[int]]:
        """(type, normalized name) -> concepts, for the names of ``terms`` that no concept of the
        type has; a term that is no concept yet becomes one (its names in no other table), one that
        is a concept of another type is left out."""
        table: dict[tuple[str, str], list[int]] = {}
        for t in terms:
            i = self.by_curie.get(t.curie)
            if i is not None and self.categories[i] != t.category:
                continue
            if i is None:
                i = len(self.curies)
                self.curies.append(t.curie)
                self.names.append(t.name)
                self.categories.append(t.category)
                self.xrefs.append([])
                self.parents.append([])
                self.by_curie[t.curie] = i
            for name in (t.name, *t.synonyms):
                form = normalize(name)
                if len(form) < SHORTEST_SUPPLEMENTARY_NAME or (t.category, form) in self.exact:
                    continue
                bucket = table.setdefault((t.category, form), [])
                if i not in bucket:
                    bucket.append(i)
        return table

    def embed(
        self,
        encoder: NameEncoder,
        categories: Iterable[str],
        *,
        distill: bool = True,
        distill_options: dict[str, Any] | None = None,
        progress: bool = False,
    ) -> None:
        """Embed every name of ``categories`` with ``encoder`` for the normalizer's dense fallback
        (float16: the 56,000 disease names of the shared vocabularies take 43 MB); with
        ``distill`` and at least ``MIN_DISTILL_NAMES`` names, also fit the static query encoder that
        embeds mentions into the same space (``ontologies.dense.distill_query_encoder``, with
        ``distill_options`` such as ``variants`` and ``epochs`` in place of its defaults: about a
        minute more for the shared vocabularies, 23 MB more)."""
        from ontologies.dense import distill_query_encoder

        for cat in categories:
            if cat in self.row_forms:
                self.dense[cat] = encoder.encode(self.row_forms[cat], progress=progress, desc=f"{cat} names").astype(
                    np.float16
                )
        self.dense_encoder = encoder.name
        self.query_encoder = None
        cats = sorted(self.dense)
        names = [f for c in cats for f in self.row_forms[c]]
        if distill and len(names) >= MIN_DISTILL_NAMES:
            vectors = np.vstack([self.dense[c] for c in cats])
            self.query_encoder = distill_query_encoder(
                encoder, names, vectors, progress=progress, **(distill_options or {})
            )

    @staticmethod
    def _add(table: dict[tuple[str, str], list[int]], key: tuple[str, str], i: int) -> None:
        bucket = table[key]
        if i not in bucket:
            bucket.append(i)

    def treatment_knowledge(self) -> TreatmentKnowledge:
        """The pharmacological actions and disease tree numbers ``separate_treatments`` reads,
        built once per index (every ingested batch and every API request asks for them)."""
        return self._treatment_knowledge

    @cached_property
    def _treatment_knowledge(self) -> TreatmentKnowledge:
        from ontologies.treatment import TreatmentKnowledge

        named = {a for actions in self.actions.values() for a in actions}
        action_trees: dict[str, tuple[str, ...]] = {}
        for curie, numbers in self.trees.items():
            name = self.names[self.by_curie[curie]]
            if name in named:
                action_trees[name] = tuple(t for t in numbers if t.startswith("D27."))
        return TreatmentKnowledge(self.actions, self.trees, action_trees)

    def __len__(self) -> int:
        return len(self.curies)

    def canonical(self, curie: str) -> str | None:
        """The canonical CURIE of any id the index knows (a MONDO id gives its MeSH concept)."""
        i = self.by_curie.get(curie)
        return self.curies[i] if i is not None else None

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump({"format": INDEX_FORMAT, "index": self}, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> TermIndex:
        path = Path(path)
        t0 = time.perf_counter()
        try:
            with path.open("rb") as f:
                data = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            raise OntologyError(f"{path}: cannot read the term index ({exc}); delete it to rebuild") from exc
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            raise OntologyError(f"{path}: an index of another medkg version; delete it to rebuild")
        log.info("term index loaded from %s in %.1fs", path, time.perf_counter() - t0)
        index: TermIndex = data["index"]
        return index
