"""The phenotype encoder: fine-tuned on HPO's own names, loaded by the dense matcher."""

from pathlib import Path

import numpy as np
import pytest

from diagnosis.context import PhenotypeTagger
from diagnosis.phenotype_encoder import (
    PhenotypeEncoderConfig,
    contrastive_loss,
    encoder_pairs,
    pair_batches,
    train_phenotype_encoder,
)
from extractors.models import read_card
from kg.errors import ConfigError
from ontologies.dense import NameEncoder
from tests.diagnosis.helpers import records, tiny_encoder


def test_pairs_hold_out_whole_terms_and_use_definitions() -> None:
    phrases = {"HP:1": {"Seizure", "Seizures", "Fits"}, "HP:2": {"Hypotonia", "Floppy"}}
    labels = {"HP:1": "Seizure", "HP:2": "Hypotonia"}
    train, dev = encoder_pairs(phrases, labels, {"HP:2": "Decreased muscle tone. More text."}, 0.0)
    assert dev == [] and ("Decreased muscle tone", "Hypotonia", "HP:2") in train
    assert ("Seizure", "Seizure", "HP:1") not in train and ("Fits", "Seizure", "HP:1") in train
    train, dev = encoder_pairs(phrases, labels, {}, 1.0)
    assert train == [] and {p[2] for p in dev} == {"HP:1", "HP:2"}


def test_pairs_of_one_term_are_not_each_others_negatives() -> None:
    import torch

    a = torch.nn.functional.normalize(torch.tensor([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0]]), dim=-1)
    same = contrastive_loss(a, a, ["HP:1", "HP:1", "HP:2"])
    different = contrastive_loss(a, a, ["HP:1", "HP:3", "HP:2"])
    assert float(same) < float(different)


def test_batches_group_pairs_of_a_length_and_keep_every_pair() -> None:
    import random

    pairs = [(f"phrase {i}", f"label {i}", f"HP:{i}") for i in range(40)]
    lengths = [2 + i % 4 * 10 for i in range(40)]  # four lengths, interleaved
    grouped = pair_batches(pairs, lengths, 10, random.Random(1), by_length=True)
    shuffled = pair_batches(pairs, lengths, 10, random.Random(1), by_length=False)
    for batches in (grouped, shuffled):
        assert sorted(p for b in batches for p in b) == sorted(pairs) and [len(b) for b in batches] == [10] * 4
    assert all(len({lengths[pairs.index(p)] for p in b}) == 1 for b in grouped)
    assert any(len({lengths[pairs.index(p)] for p in b}) > 1 for b in shuffled)
    order = list(pairs)
    random.Random(1).shuffle(order)  # without grouping, the shuffle of earlier versions, pair for pair
    assert [p for b in shuffled for p in b] == order
    assert pair_batches(pairs, lengths, 10, random.Random(1), by_length=True) == grouped


def test_trained_encoder_is_a_model_folder_the_matcher_loads(tmp_path: Path) -> None:
    r = records()
    tagger = PhenotypeTagger(r.terms, negation=False)
    config = PhenotypeEncoderConfig(
        base_model=str(tiny_encoder(tmp_path / "base")), epochs=2, batch_size=8, dev_fraction=0.4, device="cpu"
    )
    card = train_phenotype_encoder(tagger.phrases, tagger.names, tmp_path / "enc", config, progress=False)
    assert (
        card["kind"] == "phenotype-encoder"
        and card["stopped_by"] in ("epochs", "patience")
        and card["training"]["dev_pairs"] > 0
    )
    assert read_card(tmp_path / "enc")["metrics"]["dev"]["acc@1"] == max(h["dev_f1"] for h in card["history"])
    vectors = NameEncoder(str(tmp_path / "enc")).encode(["Seizures", "Hypotonia"])
    assert vectors.shape == (2, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    with pytest.raises(ConfigError, match="too few HPO names"):
        train_phenotype_encoder(
            tagger.phrases,
            tagger.names,
            tmp_path / "none",
            config.model_copy(update={"dev_fraction": 0.0}),
            progress=False,
        )
