import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from extractors.ner import label_list
from tests.extractors.helpers import tiny_ner as _tiny_model

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


def _saved_model(tmp_path: Path) -> Path:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    folder = tmp_path / "ner"
    model.save(folder, {"config": {"max_length": 64, "stride": 4}})
    return folder


def test_cli_evaluate_ner_prints_scores_and_writes_pubtator(tmp_path: Path) -> None:
    folder = _saved_model(tmp_path)
    pred = tmp_path / "pred.pubtator"
    result = runner.invoke(
        app,
        ["evaluate", "ner", "--model", str(folder), "--data", str(DATA / "sample.pubtator"), "--pred-out", str(pred)],
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout[result.stdout.index("{") :])
    assert set(scores) == {"micro", "per_type", "speed"}
    assert scores["speed"]["documents"] == 2
    text = pred.read_text()
    assert text.startswith("354896|t|Lidocaine-induced cardiac asystole.\n354896|a|Intravenous")


def test_cli_extract_writes_jsonl_with_offsets(tmp_path: Path) -> None:
    folder = _saved_model(tmp_path)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["extract", str(DATA / "medline_sample.xml"), "--ner-model", str(folder), "--out", str(out), "--no-normalize"],
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["pmid"] for r in rows] == ["100001", "100002"]
    for r in rows:
        for m in r["mentions"]:
            assert r["text"][m["start"] : m["end"]] == m["text"]


@pytest.mark.parametrize("name", ["out.bioc.xml", "out.bioc.json"])
def test_cli_extract_writes_bioc_that_reads_back(tmp_path: Path, name: str) -> None:
    """BioC out, in the shape BioRED and PubTator3 use: medkg's own readers read it back with the
    same text, mentions and offsets."""
    from readers import read_documents

    folder = _saved_model(tmp_path)
    out = tmp_path / name
    result = runner.invoke(
        app,
        ["extract", str(DATA / "medline_sample.xml"), "--ner-model", str(folder), "--out", str(out), "--no-normalize"],
    )
    assert result.exit_code == 0, result.output
    jsonl = tmp_path / "same.jsonl"
    assert (
        runner.invoke(
            app,
            [
                "extract",
                str(DATA / "medline_sample.xml"),
                "--ner-model",
                str(folder),
                "--out",
                str(jsonl),
                "--no-normalize",
            ],
        ).exit_code
        == 0
    )
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    back = list(read_documents(out))
    assert [d.pmid for d in back] == [r["pmid"] for r in rows] == ["100001", "100002"]
    for d, r in zip(back, rows, strict=True):
        assert d.text == r["text"]
        assert [(m.start, m.end, m.label) for m in d.mentions] == [
            (m["start"], m["end"], m["label"]) for m in r["mentions"]
        ]
        assert d.mentions and all(
            not m.ids for m in d.mentions
        )  # not normalized: no concept, and none invented on the way back


def test_bioc_writer_round_trips_ids_and_relations(tmp_path: Path) -> None:
    from extractors.bioc_writer import write_bioc
    from readers import read_documents

    docs = list(read_documents(DATA / "biored_sample.pubtator"))
    for fmt in ("xml", "json"):
        write_bioc(docs, tmp_path / f"b.bioc.{fmt}", fmt)
        back = list(read_documents(tmp_path / f"b.bioc.{fmt}"))
        assert [[(m.start, m.end, m.label, m.ids) for m in d.mentions] for d in back] == [
            [(m.start, m.end, m.label, m.ids) for m in d.mentions] for d in docs
        ]
        assert [[(r.subject, r.predicate, r.object, r.novel) for r in d.relations] for d in back] == [
            [(r.subject, r.predicate, r.object, r.novel) for r in d.relations] for d in docs
        ]
    assert {r.novel for d in docs for r in d.relations} == {True, False}


def test_cli_extract_refuses_an_output_name_it_cannot_write(tmp_path: Path) -> None:
    folder = _saved_model(tmp_path)
    result = runner.invoke(
        app, ["extract", str(DATA / "medline_sample.xml"), "--ner-model", str(folder), "--out", str(tmp_path / "o.txt")]
    )
    assert result.exit_code == 2 and "*.bioc.xml" in result.output


def test_cli_evaluate_ner_refuses_a_folder_that_is_no_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "ner", "--model", str(tmp_path), "--data", str(DATA / "sample.pubtator")])
    assert result.exit_code == 2 and "not a medkg model folder" in result.output


def test_cli_extract_refuses_relations_without_normalization(tmp_path: Path) -> None:
    folder = _saved_model(tmp_path)
    result = runner.invoke(
        app,
        [
            "extract",
            str(DATA / "medline_sample.xml"),
            "--ner-model",
            str(folder),
            "--out",
            str(tmp_path / "o.jsonl"),
            "--re-model",
            str(folder),
            "--no-normalize",
        ],
    )
    assert result.exit_code == 2 and "needs normalized entities" in result.output


def test_pubtator_writer_adds_relation_lines(tmp_path: Path) -> None:
    from dataclasses import replace

    from extractors.pubtator_writer import write_pubtator
    from kg.types import Relation
    from readers import read_documents

    doc = replace(
        next(iter(read_documents(DATA / "sample.pubtator"))),
        relations=(Relation("MESH:D008012", "CID", "MESH:D006323"),),
    )
    write_pubtator([doc], tmp_path / "o.pubtator")
    lines = (tmp_path / "o.pubtator").read_text().splitlines()
    assert "354896\tCID\tMESH:D008012\tMESH:D006323" in lines
    again = next(iter(read_documents(tmp_path / "o.pubtator")))
    assert [(m.start, m.end, m.text) for m in again.mentions] == [(m.start, m.end, m.text) for m in doc.mentions]


def test_cli_train_gazetteer_adds_the_training_strings_to_a_model(tmp_path: Path) -> None:
    from extractors.ner import NerModel

    folder = _saved_model(tmp_path)
    result = runner.invoke(
        app, ["train", "gazetteer", "--model", str(folder), "--train", str(DATA / "sample.pubtator")]
    )
    assert result.exit_code == 0, result.output
    model = NerModel.load(folder)
    assert model.gazetteer is not None and model.gazetteer.entries["Lidocaine"] == "Chemical"
    assert model.card["gazetteer"]["entries"] == len(model.gazetteer.entries)
    # only the model's types are kept; a corpus with none of them is refused
    disease_only = _tiny_model(tmp_path, label_list(["Disease"]))
    disease_only.save(tmp_path / "d", {"config": {"max_length": 64, "stride": 4}})
    result = runner.invoke(
        app, ["train", "gazetteer", "--model", str(tmp_path / "d"), "--train", str(DATA / "sample.pubtator")]
    )
    assert result.exit_code == 0, result.output
    assert set(NerModel.load(tmp_path / "d").gazetteer.entries.values()) == {"Disease"}  # type: ignore[union-attr]
    genes = _tiny_model(tmp_path, label_list(["Gene"]))
    genes.save(tmp_path / "g", {"config": {"max_length": 64, "stride": 4}})
    result = runner.invoke(
        app, ["train", "gazetteer", "--model", str(tmp_path / "g"), "--train", str(DATA / "sample.pubtator")]
    )
    assert result.exit_code == 2 and "no mention of the model's types" in result.output


def test_cli_train_known_pairs_gives_a_relation_model_its_prior(tmp_path: Path) -> None:
    from extractors.doc_relations import DocRelationModel, load_relation_model
    from tests.extractors.helpers import tiny_doc_relations as doc_model

    doc_model(tmp_path).save(tmp_path / "re", {"config": {"max_length": 128}})
    sample = str(DATA / "sample.pubtator")
    result = runner.invoke(
        app, ["train", "known-pairs", "--model", str(tmp_path / "re"), "--train", sample, "--dev", sample]
    )
    assert result.exit_code == 0, result.output
    assert "known pairs saved" in result.output
    model = load_relation_model(tmp_path / "re")
    assert isinstance(model, DocRelationModel) and model.known_pairs
    result = runner.invoke(
        app, ["evaluate", "re", "--model", str(tmp_path / "re"), "--data", sample, "--no-known-pairs"]
    )
    assert result.exit_code == 0, result.output
    # a NER folder is refused with a clear message
    folder = _saved_model(tmp_path)
    result = runner.invoke(app, ["train", "known-pairs", "--model", str(folder), "--train", sample, "--dev", sample])
    assert result.exit_code == 2 and "document-level relation model" in result.output


def test_pubtator_writer_gives_one_concept_per_mention(tmp_path: Path) -> None:
    """Candidates are not concepts: an uncertain mention's runners-up stay out of PubTator (where
    `|` means a composite); a composite mention keeps all its parts."""
    from dataclasses import replace

    from extractors.pubtator_writer import write_pubtator
    from kg.types import Grounding
    from readers import read_documents

    doc = next(iter(read_documents(DATA / "sample.pubtator")))
    first, second, *rest = doc.mentions
    uncertain = replace(
        first, groundings=(Grounding("MESH:D008012", "Lidocaine", 0.7), Grounding("MESH:D000001", "Other", 0.6))
    )
    composite = replace(
        second, composite=True, groundings=(Grounding("MESH:D001943", score=1.0), Grounding("MESH:D010051", score=1.0))
    )
    write_pubtator([replace(doc, mentions=(uncertain, composite, *rest))], tmp_path / "o.pubtator")
    lines = [line.split("\t") for line in (tmp_path / "o.pubtator").read_text().splitlines() if line.count("\t") == 5]
    assert lines[0][5] == "MESH:D008012"
    assert lines[1][5] == "MESH:D001943|MESH:D010051"


def test_cli_extract_without_model_options_uses_the_installed_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MEDKG_HOME", str(home))
    monkeypatch.setenv("MEDKG_BIORED", "false")
    out = tmp_path / "out.jsonl"
    args = ["extract", str(DATA / "medline_sample.xml"), "--out", str(out), "--no-normalize"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "no NER model" in result.output and "medkg run" in result.output
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    model.save(home / "models" / "ner-bc5cdr", {"config": {"max_length": 64, "stride": 4}})
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["pmid"] for line in out.read_text().splitlines()] == ["100001", "100002"]
