"""HPO's terms and layperson synonyms are parsed once per hp.obo and then read from the home folder's
cache."""

import gzip
import os
from pathlib import Path

import pytest

from wiring.diagnosis import hpo_layperson_synonyms, hpo_terms
from wiring.settings import load_settings

OBO = """format-version: 1.2
synonymtypedef: layperson "layperson term"

[Term]
id: HP:0000001
name: All

[Term]
id: HP:0001250
name: Seizure
synonym: "Fits" EXACT layperson []
is_a: HP:0000001 ! All

[Term]
id: HP:0000002
name: obsolete Old term
is_obsolete: true
"""


def test_hpo_terms_are_parsed_once_per_file_and_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    obo = tmp_path / "data" / "ontologies" / "hpo" / "hp.obo.gz"
    obo.parent.mkdir(parents=True)
    obo.write_bytes(gzip.compress(OBO.encode()))
    monkeypatch.setenv("MEDKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path / "home"))
    settings = load_settings()
    first = hpo_terms(settings)
    assert [t.curie for t in first] == ["HP:0000001", "HP:0001250"]  # the obsolete term left out
    assert hpo_layperson_synonyms(settings) == {"HP:0001250": ("Fits",)}
    cached = list((tmp_path / "home" / "cache").glob("hpo-terms-*.pkl"))
    assert len(cached) == 1
    import ontologies.loaders

    parse = ontologies.loaders.load_obo

    def no_parse(*_: object, **__: object) -> None:
        raise AssertionError("parsed again")

    typed = ontologies.loaders.load_obo_typed_synonyms
    monkeypatch.setattr(ontologies.loaders, "load_obo", no_parse)
    monkeypatch.setattr(ontologies.loaders, "load_obo_typed_synonyms", no_parse)
    assert hpo_terms(settings) == first  # read back from the cache, not parsed
    assert hpo_layperson_synonyms(settings) == {"HP:0001250": ("Fits",)}
    monkeypatch.setattr(ontologies.loaders, "load_obo", parse)
    monkeypatch.setattr(ontologies.loaders, "load_obo_typed_synonyms", typed)
    cached[0].write_bytes(b"not a pickle")  # a damaged cache is parsed again, never an error
    assert hpo_terms(settings) == first
    import pickle

    # a cache written before the layperson synonyms were kept is parsed again, once
    cached[0].write_bytes(pickle.dumps({"obo": str(obo.resolve()), "terms": first}))
    assert hpo_layperson_synonyms(settings) == {"HP:0001250": ("Fits",)}
    assert "layperson" in pickle.loads(cached[0].read_bytes())
    # a new hp.obo (another size and time) is parsed again, and the old file's cache removed
    obo.write_bytes(gzip.compress(OBO.replace("Seizure", "Seizures").encode()))
    os.utime(obo, ns=(1, 1))
    assert [t.name for t in hpo_terms(settings)] == ["All", "Seizures"]
    assert [p.name for p in (tmp_path / "home" / "cache").glob("hpo-terms-*.pkl")] != [cached[0].name]
    assert len(list((tmp_path / "home" / "cache").glob("hpo-terms-*.pkl"))) == 1
