"""NER with a tiny BERT built from a config (fast, offline), and one smoke test of the real encoder."""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from extractors.ner import (
    NerConfig,
    NerModel,
    bio_transitions,
    bio_viterbi,
    label_list,
    strict_scores,
    train_ner,
    word_labels,
)
from extractors.text import split_sentences, split_words
from kg.errors import ConfigError
from kg.types import Document, Mention
from readers import read_documents
from tests.extractors.helpers import tiny_ner as _tiny_model

DATA = Path(__file__).resolve().parents[1] / "data"


def _doc() -> Document:
    return next(iter(read_documents(DATA / "sample.pubtator")))


def test_word_labels_follow_mentions() -> None:
    doc = _doc()
    labels = label_list(["Chemical", "Disease"])
    ids = {label: i for i, label in enumerate(labels)}
    (a, b), *_ = split_sentences(doc.text)
    words = split_words(doc.text, a, b)
    tags = [labels[i] for i in word_labels(words, doc.mentions, ids)]
    texts = [doc.text[x:y] for x, y in words]
    assert list(zip(texts, tags))[:5] == [
        ("Lidocaine", "B-Chemical"),
        ("-", "O"),
        ("induced", "O"),
        ("cardiac", "B-Disease"),
        ("asystole", "I-Disease"),
    ]


def test_windows_cover_long_sentences_with_overlap(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]), max_length=12, stride=3)
    doc = _doc()
    windows = model.windows([doc], with_labels=True)
    assert windows and all(len(w.input_ids) <= 12 for w in windows)
    by_sentence: dict[int, set[int]] = {}
    for w in windows:
        by_sentence.setdefault(w.sentence, set()).update(range(w.first_word, w.first_word + len(w.words)))
    sentences = split_sentences(doc.text)
    for s, (a, b) in enumerate(sentences):
        assert by_sentence[s] == set(range(len(split_words(doc.text, a, b))))
    assert len(windows) > len(sentences)  # the long sentence was cut into overlapping windows


def test_predictions_map_back_to_exact_offsets(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]), max_length=12, stride=3)
    doc = _doc()
    (pred,) = model.predict([doc])
    assert pred.mentions, "an untrained model still tags something with random weights"
    for m in pred.mentions:
        assert doc.text[m.start : m.end] == m.text
        assert m.label in ("Chemical", "Disease")


def test_decode_reads_bio_leniently() -> None:
    text = "aa bb cc dd"
    tagged = [((0, 2), "B-X", 0.9), ((3, 5), "I-X", 0.8), ((6, 8), "I-Y", 0.7), ((9, 11), "O", 0.9)]
    mentions = NerModel._decode(text, tagged)
    assert [(m.text, m.label) for m in mentions] == [("aa bb", "X"), ("cc", "Y")]


def test_viterbi_keeps_a_mention_of_one_type() -> None:
    labels = label_list(["Chemical", "Gene"])  # O, B-Chemical, I-Chemical, B-Gene, I-Gene
    # per word the most probable: B-Chemical, I-Gene, I-Gene ("angiotensin", "converting", "enzyme")
    probs = np.array(
        [[0.1, 0.5, 0.0, 0.4, 0.0], [0.1, 0.0, 0.3, 0.0, 0.6], [0.2, 0.0, 0.3, 0.0, 0.5], [0.9, 0.0, 0.1, 0.0, 0.0]]
    )
    path = [labels[k] for k in bio_viterbi(probs, *bio_transitions(labels))]
    assert path == ["B-Gene", "I-Gene", "I-Gene", "O"]


def test_viterbi_finds_the_most_probable_allowed_sequence() -> None:
    labels = label_list(["X", "Y"])
    allowed, may_start = bio_transitions(labels)
    rng = np.random.default_rng(7)
    for _ in range(30):
        probs = rng.dirichlet(np.ones(len(labels)), size=4)

        def valid(seq: tuple[int, ...]) -> bool:
            return bool(may_start[seq[0]]) and all(allowed[a, b] for a, b in itertools.pairwise(seq))

        best = max(
            (seq for seq in itertools.product(range(len(labels)), repeat=4) if valid(seq)),
            key=lambda seq: float(np.prod([probs[t, k] for t, k in enumerate(seq)])),
        )
        assert tuple(bio_viterbi(probs, allowed, may_start)) == best


def test_predictions_follow_bio_unless_told_not_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]), max_length=12, stride=3)
    seen: list[list[str]] = []
    decode = NerModel._decode

    def spy(text: str, tagged: list[tuple[tuple[int, int], str, float]]) -> list[Mention]:
        seen.append([tag for _, tag, _ in tagged])
        return decode(text, tagged)

    monkeypatch.setattr(NerModel, "_decode", staticmethod(spy))

    def broken(tags: list[str]) -> bool:  # an I- tag that continues no mention of its type
        return any(t.startswith("I-") and p[2:] != t[2:] for p, t in zip(["O", *tags], tags))

    labels = label_list(["Chemical", "Disease"])
    with torch.no_grad():  # every word most probably I-Disease, which no sentence may start with
        model.model.classifier.weight.zero_()
        model.model.classifier.bias.copy_(torch.tensor([0.0, 1.0, 0.0, 0.0, 2.0]))
    assert labels[4] == "I-Disease"
    docs = [_doc()]
    model.predict(docs, constrained=False)
    assert seen and all(set(tags) == {"I-Disease"} for tags in seen)
    seen.clear()
    model.predict(docs)
    assert seen and not any(broken(tags) for tags in seen)
    assert all(tags[0] == "B-Disease" and set(tags[1:]) <= {"I-Disease"} for tags in seen)


def test_save_and_load_give_identical_predictions(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    doc = _doc()
    before = model.predict([doc])[0].mentions
    model.save(tmp_path / "model", {"config": {"max_length": 64, "stride": 4}})
    again = NerModel.load(tmp_path / "model", quantize="fp32").predict([doc])[0].mentions
    assert before == again


def test_loading_for_inference_picks_bf16_weights_where_the_cpu_has_bf16(tmp_path: Path) -> None:
    from extractors.models import cpu_bf16_supported

    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    model.save(tmp_path / "model", {"config": {"max_length": 64, "stride": 4}})
    loaded = NerModel.load(tmp_path / "model", device="cpu")
    native = cpu_bf16_supported()
    assert loaded.weights == ("bf16" if native else "fp32")
    assert not loaded.bf16  # no autocast: bf16 weights need none, and without native bf16 it is off
    assert next(loaded.model.parameters()).dtype == (torch.bfloat16 if native else torch.float32)
    doc = _doc()
    (pred,) = loaded.predict([doc])
    assert pred.mentions and all(doc.text[m.start : m.end] == m.text for m in pred.mentions)
    with pytest.raises(ConfigError, match="int8, bf16, fp32"):
        NerModel.load(tmp_path / "model", quantize="fp8")


def test_medkg_cpu_bf16_turns_bf16_off_or_on_whatever_the_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    model.save(tmp_path / "model", {"config": {"max_length": 64, "stride": 4}})
    monkeypatch.setenv("MEDKG_CPU_BF16", "false")  # how an AVX2-only CPU runs (BENCHMARKS.md)
    fp32 = NerModel.load(tmp_path / "model", device="cpu")
    assert fp32.weights == "fp32" and next(fp32.model.parameters()).dtype == torch.float32 and not fp32.bf16
    monkeypatch.setenv("MEDKG_CPU_BF16", "true")
    assert NerModel.load(tmp_path / "model", device="cpu").weights == "bf16"


def test_int8_quantized_model_keeps_offsets(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path, label_list(["Chemical", "Disease"]))
    model.save(tmp_path / "model", {"config": {"max_length": 64, "stride": 4}})
    doc = _doc()
    (pred,) = NerModel.load(tmp_path / "model", quantize="int8").predict([doc])
    assert pred.mentions and all(doc.text[m.start : m.end] == m.text for m in pred.mentions)


def test_strict_scores_count_exact_span_and_type() -> None:
    gold = Document("1", "aa bb cc", mentions=(Mention(0, 2, "aa", "X"), Mention(3, 5, "bb", "Y")))
    pred = Document("1", "aa bb cc", mentions=(Mention(0, 2, "aa", "X"), Mention(3, 8, "bb cc", "Y")))
    s = strict_scores([gold], [pred])
    assert s["micro"]["tp"] == 1 and s["micro"]["fp"] == 1 and s["micro"]["fn"] == 1
    assert s["per_type"]["X"]["f1"] == 100.0 and s["per_type"]["Y"]["f1"] == 0.0


@pytest.mark.slow
@pytest.mark.shared_data
def test_fine_tuning_the_offline_encoder_learns(shared_data: Path, tmp_path: Path) -> None:
    docs = list(read_documents(shared_data / "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt"))
    train, dev = docs[:12], docs[12:16]
    card = train_ner(
        train,
        dev,
        tmp_path / "ner",
        NerConfig(epochs=2, max_minutes=4, batch_size=16, patience=5, score_from=1),
        progress=False,
    )
    assert (tmp_path / "ner" / "model.safetensors").is_file()
    assert card["types"] == ["Chemical", "Disease"] and len(card["history"]) == 2
    assert card["history"][1]["loss"] < card["history"][0]["loss"]
    model = NerModel.load(tmp_path / "ner")
    assert model.card["metrics"]["dev"]["micro"]["f1"] == max(h["dev_f1"] for h in card["history"])
    # the training split's mention strings travel with the model
    assert model.gazetteer is not None and model.gazetteer.entries.get("Naloxone") == "Chemical"
    assert model.card["gazetteer"]["entries"] == len(model.gazetteer.entries)


def test_canonical_labels_merge_ncbi_classes() -> None:
    from extractors.ner import canonical_labels

    doc = Document(
        "1",
        "colon cancer and tumours",
        mentions=(Mention(0, 12, "colon cancer", "SpecificDisease"), Mention(17, 24, "tumours", "DiseaseClass")),
    )
    (out,) = canonical_labels([doc])
    assert [m.label for m in out.mentions] == ["Disease", "Disease"]
    assert [m.text for m in out.mentions] == ["colon cancer", "tumours"]
