"""The training flow: fine-tune the NER and relation models as Prefect tasks (for the scheduled
training deployment); the CLI's ``medkg train`` commands call the same library functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task

from extractors.configs import DocRelationConfig, NerConfig
from readers import read_documents


@task(name="train-ner")
def train_ner_task(train: str, dev: str, out: str, max_minutes: float, base_model: str) -> dict[str, Any]:
    from extractors.ner import NerConfig, train_ner

    return train_ner(list(read_documents(train)), list(read_documents(dev)), out,
                     NerConfig(max_minutes=max_minutes, base_model=base_model), data_files=[Path(train), Path(dev)], progress=False)


@task(name="train-re")
def train_re_task(train: str, dev: str, out: str, max_minutes: float, base_model: str, architecture: str = "doc") -> dict[str, Any]:
    from extractors.doc_relations import train_relation_model

    return train_relation_model(architecture, list(read_documents(train)), list(read_documents(dev)), out, base_model=base_model,
                                max_minutes=max_minutes, data_files=[Path(train), Path(dev)], progress=False)


@flow(name="medkg-train")
def train_models(train: str, dev: str, out_dir: str, ner_minutes: float = NerConfig().max_minutes,
                 re_minutes: float = DocRelationConfig().max_minutes, base_model: str = "all-minilm-l6-v2",
                 re_architecture: str = "doc") -> dict[str, Any]:
    """Fine-tune both models on one corpus by their configured epochs (the minutes are safety
    caps), the relation model from the NER model's encoder (BC5CDR dev CID 53.41 -> 59.10 over
    the plain base model); returns their dev metrics."""
    ner_dir = str(Path(out_dir) / "ner")
    ner = train_ner_task(train, dev, ner_dir, ner_minutes, base_model)
    rel = train_re_task(train, dev, str(Path(out_dir) / "re"), re_minutes, ner_dir, re_architecture)
    return {"ner": ner["metrics"], "re": rel["metrics"]}


@task(name="train-diagnosis")
def train_diagnosis_task(diseases: int, max_minutes: float, text_max_minutes: float, base_model: str) -> dict[str, Any]:
    from diagnosis.cases import SimulationConfig
    from diagnosis.training import DiagnosisConfig
    from flows.diagnosis import diagnosis_folder, train_diagnosis
    from flows.settings import load_settings

    settings = load_settings()
    return train_diagnosis(settings, diagnosis_folder(settings), SimulationConfig(diseases=diseases),
                           DiagnosisConfig(max_minutes=max_minutes, text_max_minutes=text_max_minutes, base_model=base_model), progress=False)


@flow(name="medkg-train-diagnosis")
def train_diagnosis_flow(diseases: int = 700, max_minutes: float = 22, text_max_minutes: float = 18,
                         base_model: str = "all-minilm-l6-v2") -> dict[str, Any]:
    """Simulate patients from the graph's HPO annotations, fine-tune the diagnosis models, and
    return the evaluation of the three systems on held-out cases (as `medkg train diagnosis`)."""
    return train_diagnosis_task(diseases, max_minutes, text_max_minutes, base_model)
