"""WordNet's everyday definitions of diseases (ontologies.wordnet) and the phenotypes they name
(diagnosis.definitions.wordnet_definitions), from a Debian package built here in WordNet's own
database format."""

import gzip
import io
import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from diagnosis.context import PhenotypeTagger
from diagnosis.definitions import (
    MESH_DEFINITION,
    WORDNET_DEFINITION,
    definition_phenotypes,
    medic_definitions,
    wordnet_definitions,
)
from kg.errors import OntologyError
from ontologies.wordnet import (
    GLOSSES_FILE,
    NOMINALIZATIONS_FILE,
    Glosses,
    fetch_wordnet,
    load_glosses,
    load_nominalizations,
    write_glosses,
    write_nominalizations,
)
from tests.diagnosis.helpers import MINI_CTD, mini_data, records

# data.noun lines as wndb(5WN) writes them (offset, lexicographer file, n, word count in hex, words
# with lex ids, pointer count, pointers, | gloss); a licence header line starts with spaces.
DATA_NOUN = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
00000100 26 n 01 pathological_state 0 000 | a physical condition that is caused by disease
00000200 26 n 01 disease 0 001 @ 00000100 n 0000 | an impairment of health
00000300 26 n 02 epilepsy 0 falling_sickness 0 001 @ 00000200 n 0000 | seizures and low muscle tone; "fits"
00000400 17 n 01 cataract 0 001 @ 00000900 n 0000 | a large waterfall
00000500 26 n 01 cataract 1 001 @ 00000200 n 0000 | clouding of the lens of the eye, which gives poor vision
00000600 26 n 01 plant_disease 0 001 @ 00000100 n 0000 | a disease of plants
00000700 26 n 01 deafness 0 001 @ 00000600 n 0000 | a disease of coffee trees
00000800 26 n 02 disorder 0 upset 0 001 @ 00000100 n 0000 | a disturbance of the body
00000900 17 n 01 waterfall 0 000 | a steep descent of water
00001000 26 n 01 marfan_syndrome 0 001 @ 00000800 n 0000 | a disorder of connective tissue with a small head
"""
# index.noun: lemma, pos, synset count, pointer count, pointer symbols, sense count, tagsense
# count, then the synsets, most frequent sense first (the waterfall before the eye disease).
INDEX_NOUN = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
cataract n 2 1 @ 2 0 00000400 00000500
deafness n 1 1 @ 1 0 00000700
disease n 1 1 @ 1 0 00000200
epilepsy n 1 1 @ 1 0 00000300
falling_sickness n 1 1 @ 1 0 00000300
marfan_syndrome n 1 1 @ 1 0 00001000
waterfall n 1 0 1 0 00000900
"""


# data.adj and index.adj: "dizzy" and its satellite "giddy" share a synset whose "+" pointers name,
# word by word (source/target numbers in hex), the nouns each is derived into; "weak" has two senses.
DATA_ADJ = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
00001100 00 s 02 dizzy 0 giddy(a) 0 002 + 00001300 n 0101 + 00001300 n 0202 | having a whirling sensation
00001200 00 a 01 weak 0 002 + 00001400 n 0101 = 00001500 n 0000 | wanting in physical strength
00001250 00 a 01 weak 0 001 + 00001450 n 0101 | lacking bodily or muscular strength
00001260 00 a 01 feeble 0 001 + 00001400 n 0101 | lacking strength
"""
DATA_NOUN_DERIVED = """00001300 26 n 02 dizziness 0 giddiness 0 000 | a reeling sensation
00001400 07 n 01 weakness 0 000 | the property of lacking physical strength
00001450 26 n 01 infirmity 0 000 | the state of being weak in health
00001500 07 n 01 strength 0 000 | the property of being physically strong
"""
INDEX_ADJ = """  1 This software and database is being provided to you, the LICENSEE, by Princeton University
dizzy a 1 1 + 1 0 00001100
feeble a 1 1 + 1 0 00001260
giddy a 1 1 + 1 0 00001100
weak a 2 2 + = 2 0 00001200 00001250
well-known a 1 0 1 0 00001200
"""


def test_each_adjective_gets_the_nouns_derived_from_that_very_word(tmp_path: Path) -> None:
    deb = _deb(
        tmp_path / "wordnet-base_3.0_all.deb",
        {"data.adj": DATA_ADJ, "data.noun": DATA_NOUN_DERIVED, "index.adj": INDEX_ADJ},
    )
    out = tmp_path / "wordnet-nominalizations.tsv.gz"
    assert write_nominalizations(deb, out) == 4
    # "giddy" (written "giddy(a)") -> giddiness, not its synonym's dizziness; "weak": both senses, not the
    # attribute ("=") strength; an adjective with a hyphen or without a "+" pointer is left out
    assert load_nominalizations(out) == {
        "dizzy": ("dizziness",),
        "feeble": ("weakness",),
        "giddy": ("giddiness",),
        "weak": ("weakness", "infirmity"),
    }


def test_one_download_writes_both_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ontologies.wordnet

    files = {
        "data.noun": DATA_NOUN + DATA_NOUN_DERIVED,
        "index.noun": INDEX_NOUN,
        "data.adj": DATA_ADJ,
        "index.adj": INDEX_ADJ,
    }
    downloads = []

    def download(package: str, folder: Path, instead: str) -> Path:
        downloads.append(package)
        return _deb(folder / "wordnet-base_3.0_all.deb", files)

    monkeypatch.setattr(ontologies.wordnet, "download_deb", download)
    vocab = tmp_path / "vocab"
    assert fetch_wordnet(vocab / NOMINALIZATIONS_FILE) == vocab / NOMINALIZATIONS_FILE
    assert (vocab / GLOSSES_FILE).is_file() and downloads == ["wordnet-base"]
    assert fetch_wordnet(vocab / GLOSSES_FILE) == vocab / GLOSSES_FILE and downloads == [
        "wordnet-base"
    ]  # there already
    assert load_nominalizations(vocab / NOMINALIZATIONS_FILE)["dizzy"] == ("dizziness",)
    assert sorted(p.name for p in vocab.iterdir()) == sorted([GLOSSES_FILE, NOMINALIZATIONS_FILE])  # nothing left over


def _deb(path: Path, files: dict[str, str]) -> Path:
    """A Debian package (an ``ar`` archive with ``data.tar.gz``) holding ``files`` under usr/share/wordnet."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        for name, text in files.items():
            raw = text.encode("latin-1")
            info = tarfile.TarInfo(f"./usr/share/wordnet/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    members = [("debian-binary", b"2.0\n"), ("data.tar.gz", data.getvalue())]
    with path.open("wb") as f:
        f.write(b"!<arch>\n")
        for name, raw in members:
            f.write(f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(raw):<10}`\n".encode())
            f.write(raw + (b"\n" if len(raw) % 2 else b""))
    return path


@pytest.fixture()
def glosses_file(tmp_path: Path) -> Path:
    deb = _deb(tmp_path / "wordnet-base_3.0_all.deb", {"data.noun": DATA_NOUN, "index.noun": INDEX_NOUN})
    out = tmp_path / "wordnet-glosses.tsv.gz"
    assert write_glosses(deb, out) == 5
    return out


def test_the_glosses_are_each_nouns_first_sense_that_is_a_disease(glosses_file: Path) -> None:
    with gzip.open(glosses_file, "rt") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    assert rows == [
        ["lemma", "synset", "gloss"],
        ["cataract", "00000500", "clouding of the lens of the eye, which gives poor vision"],  # not the waterfall
        ["disease", "00000200", "an impairment of health"],
        ["epilepsy", "00000300", "seizures and low muscle tone"],  # the quoted example goes
        ["falling sickness", "00000300", "seizures and low muscle tone"],
        ["marfan syndrome", "00001000", "a disorder of connective tissue with a small head"],  # the body's disorder
    ]  # a plant's disease ("deafness" of coffee trees here) is left out
    g = load_glosses(glosses_file)
    assert g.get("Epilepsy") == g.get("falling-sickness") == "seizures and low muscle tone"
    assert g.get("Deafness") is None and len(g) == 5


def test_a_file_of_another_kind_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv.gz"
    with gzip.open(bad, "wt") as f:
        f.write("id\tname\n")
    with pytest.raises(OntologyError, match="not a WordNet gloss file"):
        load_glosses(bad)


def test_glosses_name_phenotypes_beside_the_definitions_own() -> None:
    mesh = medic_definitions(MINI_CTD)
    glosses = Glosses([("epilepsy", "seizures and low muscle tone"), ("cataract", "small head")])
    wordnet = wordnet_definitions(glosses, [*mesh, *mesh])  # once per disease, whatever the repeats
    assert [(d.curie, d.text, d.source) for d in wordnet] == [
        ("MESH:D002386", "small head", WORDNET_DEFINITION),
        ("MESH:D004827", "seizures and low muscle tone", WORDNET_DEFINITION),
    ]
    r = definition_phenotypes([*mesh, *wordnet], PhenotypeTagger(records().terms))
    by_source = {(a.disease, a.phenotype): a.source for a in r.annotations}
    assert by_source[("MESH:D004827", "HP:0001250")] == MESH_DEFINITION  # seizures: its MeSH definition says it first
    assert by_source[("MESH:D004827", "HP:0001252")] == WORDNET_DEFINITION  # low muscle tone: only WordNet says it
    assert by_source[("MESH:D002386", "HP:0000252")] == WORDNET_DEFINITION  # small head: Microcephaly
    assert r.read[WORDNET_DEFINITION] == 2


def test_load_hpo_reads_the_glosses_in_the_home(
    glosses_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini_data(tmp_path / "data")
    home = tmp_path / "home"
    (home / "vocab").mkdir(parents=True)
    glosses_file.replace(home / "vocab" / "wordnet-glosses.tsv.gz")  # there: nothing is fetched
    monkeypatch.setenv("MEDKG_HOME", str(home))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    monkeypatch.setenv("MEDKG_WORDNET", "true")
    loaded = CliRunner().invoke(app, ["load-hpo", "--no-xrefs"])
    assert loaded.exit_code == 0, loaded.output
    report = json.loads(loaded.stdout[loaded.stdout.index("{") :])["definitions"]
    # Three MeSH diseases are defined: Cataract gains Visual impairment ("poor vision"); Epilepsy's "low muscle
    # tone" is Hypotonia, which DOID's symptom table already gives it; Marfan syndrome is left to HPO.
    assert report["read"]["WordNet definition"] == 3 and report["left_to_hpo"] == 1
    assert report["diseases"]["WordNet definition"] == 1
    monkeypatch.setenv("MEDKG_WORDNET", "false")
    again = CliRunner().invoke(app, ["load-hpo", "--no-xrefs"])  # without them: their edges go
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout[again.stdout.index("{") :])["definitions"]["pruned"] == 1


def test_without_apt_the_load_goes_on_without_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import ontologies.genes
    from wiring.settings import load_settings

    monkeypatch.setattr(ontologies.genes.shutil, "which", lambda name: None)
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDKG_WORDNET", "true")
    settings = load_settings()
    assert settings.wordnet_glosses(fetch=False) is None  # not there, not fetched: nothing said
    assert not caplog.records
    assert settings.wordnet_glosses() is None
    assert "no apt-get to fetch wordnet-base" in caplog.text and "MEDKG_WORDNET=false" in caplog.text


def test_a_graph_loaded_before_them_gets_them_once(
    glosses_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wiring.diagnosis
    from wiring.diagnosis import ensure_hpo
    from wiring.settings import load_settings

    monkeypatch.setattr(wiring.diagnosis, "_canonical", lambda settings: None)  # no term index: as --no-xrefs

    mini_data(tmp_path / "data")
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_STORE_PATH", str(tmp_path / "graph"))
    assert CliRunner().invoke(app, ["load-hpo", "--no-xrefs"]).exit_code == 0  # WordNet off (tests/conftest.py)
    (tmp_path / "home" / "vocab").mkdir(parents=True)
    glosses_file.replace(tmp_path / "home" / "vocab" / "wordnet-glosses.tsv.gz")
    monkeypatch.setenv("MEDKG_WORDNET", "true")
    settings = load_settings()
    with settings.open_store() as store:
        before = {s: store.phenotype_edge_count(s) for s in (MESH_DEFINITION, WORDNET_DEFINITION)}
        ensure_hpo(store, settings)  # what `medkg run` does after ingesting
        after = {s: store.phenotype_edge_count(s) for s in (MESH_DEFINITION, WORDNET_DEFINITION)}
        ensure_hpo(store, settings)
        again = {s: store.phenotype_edge_count(s) for s in (MESH_DEFINITION, WORDNET_DEFINITION)}
    assert before[WORDNET_DEFINITION] == 0 and after[WORDNET_DEFINITION] == 1  # Cataract: Visual impairment
    assert after[MESH_DEFINITION] == before[MESH_DEFINITION] > 0 and again == after
