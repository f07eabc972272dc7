"""Drug names the taggers missed, read from MeSH (``ontologies.drugs``)."""

from pathlib import Path

from kg.types import Document, Mention
from ontologies.drugs import drug_names, everyday_words, find_drugs
from ontologies.index import TermIndex, merge_concepts
from ontologies.loaders import load_mesh_entry_terms, load_mesh_pharm_actions, load_mesh_trees
from ontologies.normalizer import Normalizer

DATA = Path(__file__).resolve().parents[1] / "data"
HEADER = "\t".join(
    ("DescriptorUI", "ConceptUI", "TermUI", "TermName", "ConceptPreferredTermYN", "IsPermutedTermYN", "LexicalTag")
    + ("RecordPreferredTermYN",)
)


def test_a_drug_name_is_a_generic_name_of_a_descriptor_with_a_pharmacological_action(tmp_path: Path) -> None:
    rows = [
        ("D004113", "Succimer", "N", "NON"),
        ("D004113", "Dimercaptosuccinic Acid", "N", "NON"),
        ("D004113", "Chemet", "N", "TRD"),  # a trade name
        ("D004113", "DMSA", "N", "ABB"),  # an abbreviation
        ("D004113", "Acid, Dimercaptosuccinic", "Y", "NON"),  # permuted
        ("D017245", "Foscarnet", "N", "NON"),
        ("D002606", "Charcoal", "N", "NON"),  # an everyday word
        ("D012345", "Examplase", "N", "NON"),  # an enzyme (D08): BioRED calls it a gene
        ("D054321", "Unusedine", "N", "NON"),  # no pharmacological action
        ("D011804", "Quin", "N", "NON"),  # too short
    ]
    path = tmp_path / "terms.tsv"
    path.write_text(
        HEADER + "\n" + "".join(f"{d}\tM\tT\t{n}\tY\t{p}\t{tag}\tN\n" for d, n, p, tag in rows), encoding="utf-8"
    )
    trees = {
        "MESH:D004113": ["D02.886.300.692"],
        "MESH:D017245": ["D02.241.081.337"],
        "MESH:D002606": ["D01.362.150"],
        "MESH:D012345": ["D08.811.277"],
        "MESH:D054321": ["D03.383"],
        "MESH:D011804": ["D03.605.497.703"],
    }
    actions = {c: ["Chelating Agents"] for c in trees if c != "MESH:D054321"}
    names = drug_names(path, trees, actions, common_words={"Charcoal"})
    assert names == {
        "succimer": "MESH:D004113",
        "dimercaptosuccinic acid": "MESH:D004113",
        "foscarnet": "MESH:D017245",
    }
    assert "charcoal" in everyday_words() and "succimer" not in everyday_words()
    text = "Succimer-treated rats; treatment with succimer or foscarnet (dimercaptosuccinic acid)."
    assert [(text[a:b], c) for a, b, c in find_drugs(text, names)] == [
        ("succimer", "MESH:D004113"),
        ("foscarnet", "MESH:D017245"),
        ("dimercaptosuccinic acid", "MESH:D004113"),
    ]


def test_a_drug_name_no_mention_covers_becomes_a_chemical_mention() -> None:
    terms, _ = load_mesh_entry_terms(DATA / "mini_mesh_trees.tsv", DATA / "mini_mesh_terms.tsv")
    trees = load_mesh_trees(DATA / "mini_mesh_trees.tsv")
    actions = load_mesh_pharm_actions(DATA / "mini_mesh_pharm_actions.tsv")
    index = TermIndex(
        merge_concepts(terms),
        [],
        trees=trees,
        actions=actions,
        drugs=drug_names(DATA / "mini_mesh_terms.tsv", trees, actions),
    )
    assert index.drugs["quinine sulfate"] == "MESH:D011804"
    text = "Patients took quinine sulfate for malaria; quinine was stopped."
    doc = Document("1", text, mentions=(Mention(34, 41, "malaria", "Disease"),))
    n = Normalizer(index)
    (out,) = n.normalize_predicted([doc])
    assert [(m.text, m.label, m.groundings[0].curie) for m in out.mentions] == [
        ("quinine sulfate", "Chemical", "MESH:D011804"),
        ("malaria", "Disease", "MESH:D008288"),
        ("quinine", "Chemical", "MESH:D011804"),
    ]
    # a mention the taggers found keeps its span; a mention of another type over the name too
    tagged = Document(
        "1", text, mentions=(Mention(14, 21, "quinine", "Chemical"), Mention(43, 50, "quinine", "Disease"))
    )
    (out,) = n.normalize_predicted([tagged], floors={})
    assert [(m.start, m.end, m.label) for m in out.mentions] == [(14, 21, "Chemical"), (43, 50, "Disease")]
    # ... unless that mention is dropped: a one-word gene no name grounds is no gene
    tagged = Document("1", text, mentions=(Mention(43, 50, "quinine", "Gene"),))
    (out,) = n.normalize_predicted([tagged])
    assert [(m.text, m.label) for m in out.mentions] == [("quinine sulfate", "Chemical"), ("quinine", "Chemical")]
    (out,) = n.normalize_predicted([doc], drugs=False)
    assert [m.text for m in out.mentions] == ["malaria"]


def test_a_terms_table_without_lexical_tags_gives_no_drug_names(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "terms.tsv"
    path.write_text("DescriptorUI\tTermName\tIsPermutedTermYN\nD004113\tSuccimer\tN\n", encoding="utf-8")
    assert drug_names(path, {"MESH:D004113": ["D02.886"]}, {"MESH:D004113": ["Chelating Agents"]}) == {}
    assert "LexicalTag" in caplog.text
