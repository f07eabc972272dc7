"""Model archives: package, install with checksums, refuse damage and silent replacement."""

import tarfile
from pathlib import Path

import pytest

from extractors.models import CHECKPOINT, read_card, sha256_file
from extractors.ner import NerModel, label_list
from extractors.packaging import install_models, list_models, package_models, read_manifest
from kg.errors import ConfigError, InputError
from tests.extractors.helpers import sample_docs, tiny_doc_relations, tiny_ner


def _models(tmp_path: Path) -> list[Path]:
    ner = tiny_ner(tmp_path, label_list(["Chemical", "Disease"]))
    ner.save(
        tmp_path / "models" / "ner-x",
        {"config": {"max_length": 64, "stride": 4}, "metrics": {"dev": {"micro": {"f1": 71.5}}, "best_epoch": 2}},
    )
    (tmp_path / "models" / "ner-x" / CHECKPOINT).parent.mkdir()
    (tmp_path / "models" / "ner-x" / CHECKPOINT).write_bytes(b"optimizer state: not part of the model")
    tiny_doc_relations(tmp_path).save(
        tmp_path / "models" / "re-x", {"config": {"max_length": 128}, "metrics": {"dev": {"f1": 50.0}}}
    )
    return [tmp_path / "models" / "ner-x", tmp_path / "models" / "re-x"]


def test_packaged_models_install_and_predict_the_same(tmp_path: Path) -> None:
    folders = _models(tmp_path)
    archive = package_models(folders, tmp_path / "dist", name="both")
    assert archive.name == "both.medkg.tar.gz"
    manifest = read_manifest(archive)
    assert set(manifest["models"]) == {"ner-x", "re-x"}
    assert not any("checkpoint" in f for f in manifest["models"]["ner-x"]["files"])
    assert manifest["models"]["ner-x"]["card"]["metrics"]["dev"]["micro"]["f1"] == 71.5

    home = tmp_path / "fresh-home" / "models"
    installed = install_models(archive, home)
    assert [p.name for p in installed] == ["ner-x", "re-x"]
    docs = sample_docs()
    before = NerModel.load(folders[0], quantize="fp32").predict(docs)
    after = NerModel.load(home / "ner-x", quantize="fp32").predict(docs)
    assert [d.mentions for d in before] == [d.mentions for d in after] and any(d.mentions for d in after)
    assert read_card(home / "re-x")["task"] == "re-doc"
    assert [(r["name"], r["dev_f1"]) for r in list_models(home)] == [("ner-x", 71.5), ("re-x", 50.0)]


def test_install_refuses_replacing_without_force_and_damaged_archives(tmp_path: Path) -> None:
    archive = package_models(_models(tmp_path), tmp_path / "dist")
    home = tmp_path / "home"
    install_models(archive, home)
    with pytest.raises(ConfigError, match="already installed; pass --force"):
        install_models(archive, home)
    (home / "ner-x" / "stale.txt").write_text("from the old install")
    install_models(archive, home, force=True)
    assert not (home / "ner-x" / "stale.txt").exists()

    damaged = tmp_path / "damaged.medkg.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            content = data.read() if data else b""
            if member.name == "re-x/known_pairs.json" or member.name.endswith("pair_head.pt"):
                content = content[:-1] + bytes([content[-1] ^ 1])
            import io

            dst.addfile(member, io.BytesIO(content))
    with pytest.raises(InputError, match="does not match its checksum"):
        install_models(damaged, tmp_path / "other")
    assert not (tmp_path / "other" / "re-x").exists() and not (tmp_path / "other" / "ner-x").exists()
    with pytest.raises(InputError, match="not a medkg model archive"):
        install_models(Path(__file__), tmp_path / "other")


def test_extra_files_travel_checked_and_are_kept_when_already_there(tmp_path: Path) -> None:
    extra = tmp_path / "term-index.pkl"
    extra.write_bytes(b"an index")
    folders = _models(tmp_path)
    archive = package_models(folders, tmp_path / "dist", extras=[("index/term-index.pkl", extra)])
    assert read_manifest(archive)["extras"] == {"index/term-index.pkl": sha256_file(extra)}
    home = tmp_path / "home"
    installed = install_models(archive, home / "models")
    assert installed[-1] == home / "index" / "term-index.pkl" and installed[-1].read_bytes() == b"an index"
    assert not list((home / "index").glob("*.part"))
    install_models(archive, home / "models", force=True, extras_dir=tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "index" / "term-index.pkl").read_bytes() == b"an index"
    with pytest.raises(ConfigError, match="relative path inside"):
        package_models(folders, tmp_path / "dist", extras=[("../outside.pkl", extra)])
