"""Tiny models for tests, built from configs (fast, offline): a word-piece tokenizer over the
test abstracts' words, a 2-layer BERT tagger, relation models of both architectures, and a tiny
BERT saved as a base-model folder."""

from pathlib import Path

import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    BertTokenizerFast,
)

from extractors.doc_relations import END, GENERIC, DocRelationModel, PairHead
from extractors.ner import NerModel
from extractors.relations import MARKERS, RelationModel
from kg.types import Document, Mention
from readers import read_documents

DATA = Path(__file__).resolve().parents[1] / "data"


def sample_docs() -> list[Document]:
    return list(read_documents(DATA / "sample.pubtator"))


def tiny_tokenizer(tmp_path: Path) -> BertTokenizerFast:
    words = [
        "lidocaine",
        "induced",
        "cardiac",
        "asystole",
        "intravenous",
        "administration",
        "of",
        "a",
        "single",
        "mg",
        "bolus",
        "in",
        "man",
        "resulted",
        "profound",
        "depression",
        "the",
        "activity",
        "and",
        "breast",
        "ovarian",
        "cancers",
        "were",
        "not",
        "seen",
    ]
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *"abcdefghijklmnopqrstuvwxyz0123456789.,-()",
        *words,
        *[f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"],
    ]
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(dict.fromkeys(vocab)))
    return BertTokenizerFast(vocab_file=str(path), do_lower_case=True)


def _bert(vocab_size: int, **extra: object) -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, **extra
    )


def tiny_ner(tmp_path: Path, labels: list[str], max_length: int = 64, stride: int = 4) -> NerModel:
    torch.manual_seed(0)
    tok = tiny_tokenizer(tmp_path)
    config = _bert(
        tok.vocab_size,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={v: k for k, v in enumerate(labels)},
    )
    return NerModel(BertForTokenClassification(config), tok, labels, max_length=max_length, stride=stride)


def tiny_doc_relations(tmp_path: Path, max_length: int = 128) -> DocRelationModel:
    torch.manual_seed(0)
    tok = tiny_tokenizer(tmp_path)
    tok.add_special_tokens({"additional_special_tokens": [GENERIC, END, "[Chemical]", "[Disease]"]})
    config = _bert(len(tok), max_position_embeddings=256)
    return DocRelationModel(
        BertModel(config), PairHead(32, 2), tok, ["None", "CID"], [("Chemical", "Disease")], max_length=max_length
    )


def tiny_pair_relations(tmp_path: Path, labels: list[str], type_pairs: list[tuple[str, str]]) -> RelationModel:
    torch.manual_seed(0)
    tok = tiny_tokenizer(tmp_path)
    tok.add_special_tokens({"additional_special_tokens": MARKERS})
    config = _bert(
        len(tok),
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={v: k for k, v in enumerate(labels)},
    )
    return RelationModel(BertForSequenceClassification(config), tok, labels, type_pairs, window=1, max_length=64)


def base_folder(tmp_path: Path) -> str:
    """A tiny BERT saved as a base-model folder, as a user's local encoder would be."""
    tok = tiny_tokenizer(tmp_path)
    BertModel(_bert(len(tok), max_position_embeddings=256)).save_pretrained(tmp_path / "base")
    tok.save_pretrained(tmp_path / "base")
    return str(tmp_path / "base")


def doc_with(text: str, *forms: tuple[str, str]) -> Document:
    """A document whose mentions are ``forms`` (text, label), each at its first occurrence in
    ``text``."""
    mentions = []
    for form, label in forms:
        start = text.index(form)
        mentions.append(Mention(start, start + len(form), form, label))
    return Document("1", text, mentions=tuple(mentions))
