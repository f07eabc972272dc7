"""Vocabulary loaders: OBO (pronto), OWL/RDF (rdflib), CTD MEDIC, MeSH, DOID, SSSOM, HPO annotations.

Each reads plain or gzipped files (the shared samples or the full official releases: MeSH XML is
read by ``load_mesh_xml``), records its source and release in ``SourceInfo``, and raises an
``OntologyError`` naming the file when the file is not what it should be.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from kg.curies import canonical_curie
from kg.errors import OntologyError
from kg.types import PhenotypeAnnotation
from ontologies.terms import Mapping, SourceInfo, Term

log = logging.getLogger(__name__)


def fix_curie(curie: str) -> str:
    """One spelling per prefix (``kg.curies``): ``mesh:D001`` -> ``MESH:D001``,
    ``MIM:PS267700`` -> ``OMIM:PS267700``."""
    curie = curie.strip().strip('"')
    if curie.startswith("DO:DOID:"):
        curie = curie[3:]
    if ":" not in curie:
        return curie
    return canonical_curie(curie)


def open_text(path: Path) -> io.TextIOBase:
    """A text file, gzip or plain (by its first bytes), as UTF-8."""
    if not path.is_file():
        raise OntologyError(f"{path}: no such file")
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    stream = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")


def _version_from_name(path: Path) -> str:
    m = re.search(r"(\d{4}-\d{2}-\d{2}|\d{4})", path.name)
    return m.group(1) if m else "unknown"


# A synonym's type, e.g. ``synonym: "PVAN" EXACT OMO:0003012 []``: DOID's slims use OMO's types
# without declaring them, and pronto then fails on the first read of such a term's synonyms.
_SYNONYM_TYPE = re.compile(rb'^(synonym: ".*" [A-Z_]+) ([A-Za-z_]+:\d+)( \[.*)$', re.MULTILINE)
_SYNONYM_TYPEDEF = re.compile(rb"^synonymtypedef: (\S+)", re.MULTILINE)


def _pronto(path: Path) -> Any:
    """The OBO file parsed by pronto, undeclared synonym types left out."""
    import pronto

    if not path.is_file():
        raise OntologyError(f"{path}: no such file")
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    declared = set(_SYNONYM_TYPEDEF.findall(raw))
    if any(m.group(2) not in declared for m in _SYNONYM_TYPE.finditer(raw)):
        raw = _SYNONYM_TYPE.sub(lambda m: m.group(0) if m.group(2) in declared else m.group(1) + m.group(3), raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pronto.Ontology(io.BytesIO(raw))
    except Exception as exc:  # pronto raises many kinds on a bad file
        raise OntologyError(f"{path}: not a readable OBO file: {exc}") from exc


def load_obo(path: str | Path, category: str, *, prefixes: tuple[str, ...] = ()) -> tuple[list[Term], SourceInfo]:
    """Terms of an OBO file (pronto): names, synonyms (EXACT/RELATED... all kept), xrefs, is_a
    parents, obsolete and replaced_by. ``prefixes`` keeps only terms with those id prefixes."""
    path = Path(path)
    onto = _pronto(path)
    terms = []
    for t in onto.terms():
        if prefixes and not t.id.startswith(prefixes):
            continue
        # pronto hands out sets: sorted, so that a term is the same in every process
        parents = tuple(sorted(p.id for p in t.superclasses(distance=1, with_self=False)))
        replaced = next(iter(t.replaced_by), None) if t.obsolete else None
        terms.append(
            Term(
                curie=fix_curie(t.id),
                name=t.name or "",
                category=category,
                synonyms=tuple(sorted(s.description for s in t.synonyms if s.description)),
                xrefs=tuple(sorted(fix_curie(x.id) for x in t.xrefs)),
                parents=tuple(fix_curie(p) for p in parents),
                source=path.name,
                obsolete=bool(t.obsolete),
                replaced_by=fix_curie(replaced.id) if replaced is not None else "",
            )
        )
    version = onto.metadata.data_version or _version_from_name(path)
    return terms, SourceInfo(str(path), "obo", version, len(terms))


def load_obo_typed_synonyms(
    path: str | Path, synonym_type: str, *, prefixes: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """Each current term's synonyms of one declared type (HPO's ``layperson``: ``synonym: "Itchy
    skin" EXACT layperson []``), by CURIE, sorted; terms without one are left out."""
    onto = _pronto(Path(path))
    found = {}
    for t in onto.terms():
        if t.obsolete or (prefixes and not t.id.startswith(prefixes)):
            continue
        typed = sorted(s.description for s in t.synonyms if s.description and s.type and s.type.id == synonym_type)
        if typed:
            found[fix_curie(t.id)] = tuple(typed)
    return found


def load_obo_definitions(path: str | Path, *, prefixes: tuple[str, ...] = ()) -> dict[str, str]:
    """Each term's definition (``def:``), by CURIE, for the terms that have one."""
    onto = _pronto(Path(path))
    return {
        fix_curie(t.id): str(t.definition)
        for t in onto.terms()
        if t.definition and (not prefixes or t.id.startswith(prefixes)) and not t.obsolete
    }


def load_owl(path: str | Path, category: str) -> tuple[list[Term], SourceInfo]:
    """Classes of an OWL/RDF-XML file (rdflib): labels, oboInOwl synonyms, subClassOf parents."""
    from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef

    path = Path(path)
    oio = Namespace("http://www.geneontology.org/formats/oboInOwl#")
    graph = Graph()
    try:
        with open_text(path) as f:
            graph.parse(data=f.read(), format="xml")
    except OntologyError:
        raise
    except Exception as exc:
        raise OntologyError(f"{path}: not readable OWL/RDF-XML: {exc}") from exc

    def curie(uri: URIRef) -> str:
        local = str(uri).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return fix_curie(local.replace("_", ":", 1)) if "_" in local else local

    terms = []
    for cls in graph.subjects(RDF.type, OWL.Class):
        if not isinstance(cls, URIRef):
            continue
        label = graph.value(cls, RDFS.label)
        if label is None:
            continue
        syns = tuple(
            str(o)
            for p in (oio.hasExactSynonym, oio.hasRelatedSynonym, oio.hasBroadSynonym, oio.hasNarrowSynonym)
            for o in graph.objects(cls, p)
        )
        parents = tuple(sorted(curie(o) for o in graph.objects(cls, RDFS.subClassOf) if isinstance(o, URIRef)))
        xrefs = tuple(fix_curie(str(o)) for o in graph.objects(cls, oio.hasDbXref))
        terms.append(Term(curie(cls), str(label), category, syns, xrefs, parents, path.name))
    return terms, SourceInfo(str(path), "owl", _version_from_name(path), len(terms))


def _tsv_rows(path: Path) -> Iterator[list[str]]:
    with open_text(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            yield [c.strip().strip('"') for c in line.rstrip("\n").split("\t")]


def load_ctd_diseases(path: str | Path) -> tuple[list[Term], SourceInfo]:
    """CTD MEDIC: DiseaseName, DiseaseID, AltDiseaseIDs, Definition, ParentIDs, TreeNumbers,
    ParentTreeNumbers, Synonyms, SlimMappings."""
    path = Path(path)
    terms = []
    for n, row in enumerate(_tsv_rows(path), start=1):
        if len(row) < 8:
            raise OntologyError(f"{path}:{n}: expected 9 CTD columns, found {len(row)}")
        name, curie, alt, _, parents, _, _, syns = row[:8]
        terms.append(
            Term(
                curie=fix_curie(curie),
                name=name,
                category="Disease",
                synonyms=tuple(s for s in syns.split("|") if s),
                xrefs=tuple(fix_curie(a) for a in alt.split("|") if a),
                parents=tuple(fix_curie(p) for p in parents.split("|") if p),
                source="CTD MEDIC",
            )
        )
    return terms, SourceInfo(str(path), "ctd", _version_from_name(path), len(terms))


def load_ctd_definitions(path: str | Path) -> dict[str, str]:
    """CTD MEDIC's definitions (MeSH scope notes), by CURIE, for the diseases that have one."""
    return {fix_curie(row[1]): row[3] for row in _tsv_rows(Path(path)) if len(row) > 3 and row[3]}


# What a MeSH descriptor is, by its tree numbers: diseases (C, and F03 mental disorders) and
# chemicals (D) are entity types of the graph; the other branches are indexed as guard types, so
# that a string naming an organism, a procedure or a body part is known not to be a chemical or a
# disease. A D descriptor whose D trees are all proteins (D12.776), enzymes (D08.811), antigens
# (D23.050), coagulation factors (D23.119) or signalling proteins (D23.529) is a guard type too:
# BC5CDR annotates 2 of its 10,463 gold chemical mentions with a protein or enzyme.
GUARD_CATEGORIES = ("Organism", "Procedure", "Anatomy", "Protein", "Other")
_BRANCH_CATEGORY = {"A": "Anatomy", "B": "Organism", "E": "Procedure"}
_PROTEIN_TREES = ("D12.776", "D08.811", "D23.050", "D23.119", "D23.529")


def mesh_category(trees: Iterable[str]) -> str:
    """medkg's type of a MeSH descriptor with these tree numbers (``GUARD_CATEGORIES`` for the
    branches that are no entity type of ours)."""
    trees = list(trees)
    if any(t.startswith(("C", "F03")) for t in trees):
        return "Disease"
    chemical = [t for t in trees if t.startswith("D")]
    if chemical:
        return "Protein" if all(t.startswith(_PROTEIN_TREES) for t in chemical) else "Chemical"
    for t in trees:
        if t[:1] in _BRANCH_CATEGORY:
            return _BRANCH_CATEGORY[t[:1]]
    return "Other"


def _by_descriptor(path: Path, column: int) -> dict[str, list[str]]:
    """One column of a MeSH table whose first column is the DescriptorUI, listed by CURIE."""
    values: dict[str, list[str]] = {}
    rows = _tsv_rows(path)
    next(rows, None)  # header
    for row in rows:
        if len(row) > column and row[0] and row[column]:
            values.setdefault(f"MESH:{row[0]}", []).append(row[column])
    return values


def load_mesh_trees(path: str | Path) -> dict[str, list[str]]:
    """Every descriptor's tree numbers (``DescriptorUI, DescriptorName, TreeNumber``), by CURIE."""
    return _by_descriptor(Path(path), 2)


# MeSH's anatomy branches that name parts of the body (body regions, musculoskeletal, digestive,
# respiratory, urogenital, endocrine, cardiovascular and nervous systems, sense organs, tissues,
# animal structures, the mouth and jaw, the skin and its appendages). Left out: cells (A11), fluids
# and secretions (A12: "sweat", "urine" and "mucus" are what a patient reports), blood and the
# immune system (A15), embryonic, plant, fungal and bacterial structures.
BODY_BRANCHES = ("A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A13", "A14", "A17")


def load_mesh_anatomy(trees_path: str | Path, terms_path: str | Path) -> frozenset[str]:
    """The lower-cased names and entry terms of MeSH's body parts (``BODY_BRANCHES``), plurals
    ("Cheeks", "Lips") and their one-word singulars included, inverted forms ("Toe, Great") left
    out: "big toe", "lips", "cheeks"... but not "finger aplasia"."""
    trees = load_mesh_trees(trees_path)
    body = {c for c, numbers in trees.items() if any(n.startswith(BODY_BRANCHES) for n in numbers)}
    found: set[str] = set()
    rows = _tsv_rows(Path(terms_path))
    header = next(rows, None) or []
    col = {name: i for i, name in enumerate(header)}
    if "DescriptorUI" not in col or "TermName" not in col:
        raise OntologyError(f"{terms_path}: expected the columns DescriptorUI and TermName")
    for row in rows:
        if len(row) < len(header) or f"MESH:{row[col['DescriptorUI']]}" not in body:
            continue
        term = row[col["TermName"]].lower()
        if term and "," not in term:
            found.add(term)
            if " " not in term and term.endswith("s"):
                found.add(term[:-1])
    return frozenset(found)


def load_mesh_pharm_actions(path: str | Path) -> dict[str, list[str]]:
    """Each descriptor's pharmacological actions (``DescriptorUI, DescriptorName, PharmActionUI,
    PharmActionName``), by CURIE."""
    return _by_descriptor(Path(path), 3)


def load_mesh_entry_terms(
    trees_path: str | Path, terms_path: str | Path, *, skip_tags: Collection[str] = ()
) -> tuple[list[Term], SourceInfo]:
    """Every MeSH descriptor with its entry terms as synonyms (permuted forms left out: the index
    matches word orders itself) and its type from its tree numbers (``mesh_category``). An entry
    term whose ``LexicalTag`` is one of ``skip_tags`` ("EPO": an eponym, "ABB": an abbreviation...)
    is left out too, unless it is the descriptor's preferred name."""
    trees = load_mesh_trees(trees_path)
    names: dict[str, str] = {}
    synonyms: dict[str, list[str]] = {}
    rows = _tsv_rows(Path(terms_path))
    header = next(rows, None) or []
    col = {name: i for i, name in enumerate(header)}
    need = ("DescriptorUI", "TermName", "IsPermutedTermYN", "RecordPreferredTermYN")
    if any(n not in col for n in need):
        raise OntologyError(f"{terms_path}: expected the columns {', '.join(need)}")
    for row in rows:
        if len(row) < len(header):
            continue
        curie, term = f"MESH:{row[col['DescriptorUI']]}", row[col["TermName"]]
        if not term or row[col["IsPermutedTermYN"]] == "Y":
            continue
        if row[col["RecordPreferredTermYN"]] == "Y":
            names[curie] = term
        elif "LexicalTag" not in col or row[col["LexicalTag"]] not in skip_tags:
            synonyms.setdefault(curie, []).append(term)
    terms = [
        Term(
            curie,
            names.get(curie) or (synonyms.get(curie) or [""])[0],
            mesh_category(tree_numbers),
            tuple(dict.fromkeys(synonyms.get(curie, ()))),
            source="MeSH",
        )
        for curie, tree_numbers in trees.items()
        if names.get(curie) or synonyms.get(curie)
    ]
    return terms, SourceInfo(str(terms_path), "mesh-terms", _version_from_name(Path(terms_path)), len(terms))


def load_mesh_xml(path: str | Path, tree_categories: dict[str, str]) -> tuple[list[Term], SourceInfo]:
    """The official MeSH descriptor XML (desc20XX.xml[.gz]): names, entry terms, tree parents.
    ``tree_categories`` maps tree letters to our types, e.g. ``{"C": "Disease", "D": "Chemical"}``."""
    path = Path(path)
    terms = []
    with open_text(path) as f:
        for _, el in ET.iterparse(f.buffer if hasattr(f, "buffer") else f):
            if el.tag != "DescriptorRecord":
                continue
            ui = el.findtext("DescriptorUI") or ""
            name = el.findtext("DescriptorName/String") or ""
            trees = [t.text or "" for t in el.findall("TreeNumberList/TreeNumber")]
            cats = {tree_categories[t[0]] for t in trees if t and t[0] in tree_categories}
            if cats:
                syns = tuple(
                    s.text or ""
                    for s in el.findall("ConceptList/Concept/TermList/Term/String")
                    if s.text and s.text != name
                )
                terms.append(Term(f"MESH:{ui}", name, min(cats), syns, source="MeSH"))
            el.clear()
    return terms, SourceInfo(str(path), "mesh-xml", _version_from_name(path), len(terms))


def load_mesh_tree(path: str | Path) -> tuple[list[Term], SourceInfo]:
    """The shared MeSH disease (C) and psychiatric (F) descriptors with their parents."""
    path = Path(path)
    by_id: dict[str, tuple[str, set[str]]] = {}
    rows = _tsv_rows(path)
    next(rows, None)  # header
    for row in rows:
        if len(row) < 3:
            continue
        ui, name, parent = row[:3]
        entry = by_id.setdefault(ui, (name, set()))
        if parent:
            entry[1].add(f"MESH:{parent}")
    terms = [
        Term(f"MESH:{ui}", name, "Disease", parents=tuple(sorted(p)), source="MeSH tree")
        for ui, (name, p) in by_id.items()
    ]
    return terms, SourceInfo(str(path), "mesh-tree", _version_from_name(path), len(terms))


def load_mesh_scr(path: str | Path) -> tuple[list[Term], SourceInfo]:
    """MeSH supplementary disease concepts, each with the descriptor it maps to (as its parent)."""
    path = Path(path)
    rows = _tsv_rows(path)
    next(rows, None)
    terms = [
        Term(
            f"MESH:{r[0]}", r[1], "Disease", parents=(f"MESH:{r[2]}",) if len(r) > 2 and r[2] else (), source="MeSH SCR"
        )
        for r in rows
        if len(r) >= 2
    ]
    return terms, SourceInfo(str(path), "mesh-scr", _version_from_name(path), len(terms))


def load_mesh_scr_chemicals(pharm_actions_path: str | Path) -> tuple[list[Term], SourceInfo]:
    """MeSH's supplementary chemical records (``MESH:C...``) that the pharmacological actions table
    names: drugs not (yet) descriptors, such as pimecrolimus, tiazofurin or loreclezole, by the
    names BC5CDR's annotators grounded them to. 7,527 records in the shared table; only their
    names (MeSH's entry terms file holds descriptors only)."""
    path = Path(pharm_actions_path)
    names: dict[str, str] = {}
    rows = _tsv_rows(path)
    next(rows, None)  # header
    for row in rows:
        if len(row) > 1 and row[0].startswith("C") and row[1]:
            names.setdefault(f"MESH:{row[0]}", row[1])
    terms = [Term(curie, name, "Chemical", source="MeSH SCR") for curie, name in names.items()]
    return terms, SourceInfo(str(path), "mesh-scr-chemicals", _version_from_name(path), len(terms))


def corrected_mesh_xrefs(doid: Iterable[Term], mesh: Iterable[Term]) -> tuple[list[Term], dict[str, tuple[str, str]]]:
    """DOID terms whose MeSH descriptor xref names another disease than theirs, pointed at the one
    MeSH disease descriptor (``category`` Disease) whose name or an entry term is exactly the DOID
    name. The shared ``MESHinDO.tsv`` points 63 of its 4,023 diseases at a neighbour (tuberculosis
    at Tuberculoma, syphilis at Chancre, pertussis at Bordetella Infections, placental abruption at
    Abortion, Threatened), and the term index merged those names into the wrong concept; 16 more
    rows hold several ids in one string that matches nothing. Xrefs to supplementary records
    (``MESH:C...``) and names no single descriptor has stay as they are.
    Returns the terms and, for each corrected DOID id, (the old xref, the new one)."""
    from ontologies.text import normalize

    by_name: dict[str, set[str]] = {}
    for t in mesh:
        if t.category == "Disease" and t.curie.startswith("MESH:D"):
            for name in (t.name, *t.synonyms):
                by_name.setdefault(normalize(name), set()).add(t.curie)
    out, changed = [], {}
    for t in doid:
        named = by_name.get(normalize(t.name), set())
        if len(named) == 1:
            right = next(iter(named))
            wrong = [x for x in t.xrefs if x.startswith("MESH:D") and x != right]
            if wrong:
                t = replace(t, xrefs=tuple(dict.fromkeys(right if x in wrong else x for x in t.xrefs)))
                changed[t.curie] = (wrong[0], right)
        out.append(t)
    return out, changed


def load_doid_mesh(
    path: str | Path, mesh_trees: str | Path | None = None, mesh_terms: str | Path | None = None
) -> list[Term]:
    """DOID's MeSH mappings (``MESHinDO.tsv``) of the diseases DOID has not made obsolete, corrected
    by ``corrected_mesh_xrefs`` when both MeSH files are given: the symptoms and the definitions
    then join a DOID disease to the descriptor the term index joins it to. (The term index reads
    the file itself and keeps an obsolete DOID id as another name of its descriptor, so that data
    written with it still resolves; a disease for diagnosis is never an obsolete one.)"""
    terms = [t for t in load_doid_tsv(path)[0] if not t.obsolete]
    if mesh_trees is None or mesh_terms is None:
        return terms
    return corrected_mesh_xrefs(terms, load_mesh_entry_terms(mesh_trees, mesh_terms)[0])[0]


def _retired(label: str) -> bool:
    return label.startswith("obsolete ")


def load_doid_tsv(path: str | Path) -> tuple[list[Term], SourceInfo]:
    """A DOID report: ``id, label, subClassOf`` (parent by label) or ``id, label, xrefs``. DOID's
    reports keep a retired disease with its label prefixed "obsolete " (``MESHinDO.tsv`` has 10,
    ``OMIMinDO.tsv`` 7: "obsolete constipation" -> MESH:D003248): such a term is ``obsolete``."""
    path = Path(path)
    rows = list(_tsv_rows(path))
    if not rows:
        raise OntologyError(f"{path}: empty")
    header, body = rows[0], rows[1:]
    terms: dict[str, Term] = {}
    if len(header) > 2 and header[2] == "subClassOf":
        by_label = {r[1]: r[0] for r in body if len(r) > 1}
        for r in body:
            parent = by_label.get(r[2]) if len(r) > 2 else None
            t = terms.get(r[0])
            parents = (t.parents if t else ()) + ((fix_curie(parent),) if parent else ())
            terms[r[0]] = Term(
                fix_curie(r[0]), r[1], "Disease", parents=parents, source="DOID", obsolete=_retired(r[1])
            )
    else:
        for r in body:
            t = terms.get(r[0])
            xrefs = (t.xrefs if t else ()) + tuple(fix_curie(x) for x in r[2].split("|") if x) if len(r) > 2 else ()
            terms[r[0]] = Term(fix_curie(r[0]), r[1], "Disease", xrefs=xrefs, source="DOID", obsolete=_retired(r[1]))
    out = list(terms.values())
    return out, SourceInfo(str(path), "doid-tsv", _version_from_name(path), len(out))


def _commented_tsv(path: Path, version_pattern: str) -> tuple[list[dict[str, str]], str]:
    """Rows (as dicts by header) of a TSV whose ``#`` comment lines may state its version."""
    rows: list[dict[str, str]] = []
    version = "unknown"
    with open_text(path) as f:
        header: list[str] | None = None
        for line in f:
            if line.startswith("#"):
                m = re.search(version_pattern, line)
                version = m.group(1) if m else version
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
            else:
                rows.append(dict(zip(header, cols, strict=False)))
    return rows, version


def load_sssom(path: str | Path) -> tuple[list[Mapping], SourceInfo]:
    """Exact mappings of an SSSOM TSV file (``subject_id``, ``predicate_id``, ``object_id``)."""
    path = Path(path)
    rows, version = _commented_tsv(path, r"mapping_set_version:\s*(\S+)")
    if rows and not {"subject_id", "object_id"} <= set(rows[0]):
        raise OntologyError(f"{path}: not SSSOM, missing subject_id/object_id columns")
    mappings = [
        Mapping(
            fix_curie(r["subject_id"]), fix_curie(r["object_id"]), r.get("predicate_id", "skos:exactMatch"), path.name
        )
        for r in rows
        if r.get("predicate_id", "skos:exactMatch") in ("skos:exactMatch", "owl:equivalentClass", "oboInOwl:hasDbXref")
    ]
    return mappings, SourceInfo(str(path), "sssom", version, len(mappings))


def _frequency(raw: str) -> float | None:
    """HPO frequency as a number: ``3/7``, ``40%``, or an HPO frequency term."""
    raw = raw.strip()
    terms = {
        "HP:0040280": 1.0,
        "HP:0040281": 0.9,
        "HP:0040282": 0.55,
        "HP:0040283": 0.17,
        "HP:0040284": 0.025,
        "HP:0040285": 0.0,
    }
    if not raw:
        return None
    if raw in terms:
        return terms[raw]
    if raw.endswith("%"):
        return float(raw[:-1]) / 100
    if "/" in raw:
        num, den = raw.split("/", 1)
        return float(Fraction(int(num), int(den))) if int(den) else None
    return None


def load_hpo_annotations(path: str | Path) -> tuple[list[PhenotypeAnnotation], dict[str, str], SourceInfo]:
    """``phenotype.hpoa``: one disease -> phenotype annotation per pair (aspect P, not negated),
    with its frequency (the highest stated) and the PMIDs its rows cite; and the disease names."""
    path = Path(path)
    names: dict[str, str] = {}
    pairs: dict[tuple[str, str], tuple[float | None, list[str]]] = {}
    table, version = _commented_tsv(path, r"#(?:date|version):\s*(\S+)")
    if table and not {"database_id", "hpo_id", "aspect"} <= set(table[0]):
        raise OntologyError(f"{path}: not an HPO annotation file (no database_id/hpo_id/aspect columns)")
    for r in table:
        if r.get("aspect") != "P" or r.get("qualifier") == "NOT":
            continue
        disease = fix_curie(r["database_id"])
        names.setdefault(disease, r.get("disease_name", ""))
        freq, pmids = pairs.get((disease, r["hpo_id"]), (None, []))
        new = _frequency(r.get("frequency", ""))
        if new is not None and (freq is None or new > freq):
            freq = new
        for ref in r.get("reference", "").split(";"):
            # "PMID:139600" on OMIM:139600's rows is the OMIM entry mislabelled (HPO 2025-01,
            # Hairy elbows): no article of that number says it.
            if ref.startswith("PMID:") and ref[5:] not in pmids and f"OMIM:{ref[5:]}" != disease:
                pmids.append(ref[5:])
        pairs[(disease, r["hpo_id"])] = (freq, pmids)
    rows = [PhenotypeAnnotation(d, p, f, "HPO", tuple(refs)) for (d, p), (f, refs) in pairs.items()]
    return rows, names, SourceInfo(str(path), "hpoa", version, len(rows))
