"""Settings that decide which models run and which gene vocabulary the index uses."""

from pathlib import Path

import pytest

from kg.errors import ConfigError
from wiring.settings import MODEL_SETS, Settings


def test_the_pipeline_runs_bc5cdr_then_biored_models_unless_biored_is_off(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert [m.name for m in settings.model_sets()] == ["bc5cdr", "biored"]
    assert settings.ner_model_dirs() == [tmp_path / "models/ner-bc5cdr", tmp_path / "models/ner-biored"]
    assert settings.re_model_dirs() == [tmp_path / "models/re-bc5cdr", tmp_path / "models/re-biored"]
    mine = Settings(home=tmp_path, biored_ner_model=tmp_path / "mine", ner_model=tmp_path / "cdr")
    assert mine.ner_model_dirs() == [tmp_path / "cdr", tmp_path / "mine"]
    assert Settings(home=tmp_path, biored=False).re_model_dirs() == [tmp_path / "models/re-bc5cdr"]
    assert MODEL_SETS and all((Path(Settings().data_dir) / m.train).name for m in MODEL_SETS)
    with pytest.raises(ConfigError, match="unknown model set 'x'; known: bc5cdr, biored"):
        settings.model_set("x")


def test_the_gene_vocabularies_are_the_given_file_the_cached_ones_or_none(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, genes=False).gene_vocabularies() == []
    with pytest.raises(ConfigError, match="no such gene vocabulary"):
        Settings(home=tmp_path, genes=True, gene_db=tmp_path / "missing.sqlite").gene_vocabularies()
    assert Settings(home=tmp_path, genes=True).gene_vocabularies(fetch=False) == []  # nothing cached, nothing fetched
    human = tmp_path / "vocab" / "org.Hs.eg.sqlite"
    human.parent.mkdir()
    human.write_bytes(b"SQLite format 3\x00")
    mouse = tmp_path / "vocab" / "Mus_musculus.gene_info.gz"
    mouse.write_bytes(b"")
    proteins = tmp_path / "vocab" / "mesh-genes.tsv"
    proteins.write_bytes(b"#MeSH\tGeneID\tSymbol\n")
    assert Settings(home=tmp_path, genes=True).gene_vocabularies() == [human, mouse, proteins]
    assert Settings(home=tmp_path, genes=True, mouse_genes=False, mesh_genes=False).gene_vocabularies() == [human]
    mine = tmp_path / "Homo_sapiens.gene_info.gz"
    mine.write_bytes(b"")
    assert Settings(home=tmp_path, genes=True, gene_db=mine).gene_vocabularies() == [mine, mouse, proteins]


def test_the_supplementary_records_are_the_cached_file_or_none(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, mesh_supplements=True).supplement_vocabulary(fetch=False) is None
    assert Settings(home=tmp_path, mesh_supplements=False).supplement_vocabulary() is None  # off: nothing fetched
    records = tmp_path / "vocab" / "mesh-supplements.tsv.gz"
    records.parent.mkdir()
    records.write_bytes(b"")
    assert Settings(home=tmp_path, mesh_supplements=True).supplement_vocabulary() == records
    assert Settings(home=tmp_path, mesh_supplements=False).supplement_vocabulary() is None
