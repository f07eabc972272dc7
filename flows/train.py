"""The training flow: fine-tune the NER and relation models as Prefect tasks (for the scheduled
training deployment); the CLI's ``medkg train`` commands call the same library functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from extractors.configs import DocRelationConfig, NerConfig
from kg.encoders import OFFLINE_ENCODER
from readers import read_documents


@task(name="train-ner")
def train_ner_task(train: str, dev: str, out: str, max_minutes: float, base_model: str, limit: int | None = None,
                   canonical_types: bool = False) -> dict[str, Any]:
    from extractors.ner import NerConfig, train_ner

    return train_ner(list(read_documents(train))[:limit], list(read_documents(dev))[:limit], out,
                     NerConfig(max_minutes=max_minutes, base_model=base_model, canonical_types=canonical_types),
                     data_files=[Path(train), Path(dev)], progress=False)


@task(name="train-re")
def train_re_task(train: str, dev: str, out: str, max_minutes: float, base_model: str, architecture: str = "doc",
                  limit: int | None = None) -> dict[str, Any]:
    from extractors.doc_relations import train_relation_model

    return train_relation_model(architecture, list(read_documents(train))[:limit], list(read_documents(dev))[:limit], out,
                                base_model=base_model, max_minutes=max_minutes, data_files=[Path(train), Path(dev)], progress=False)


@flow(name="medkg-train")
def train_models(train: str | None = None, dev: str | None = None, out_dir: str | None = None,
                 ner_minutes: float = NerConfig().max_minutes, re_minutes: float = DocRelationConfig().max_minutes,
                 base_model: str = OFFLINE_ENCODER, re_architecture: str = "doc", limit: int | None = None,
                 model_set: str = "bc5cdr") -> dict[str, Any]:
    """Fine-tune both models of one model set (``bc5cdr`` or ``biored``: ``wiring.settings.MODEL_SETS``)
    by their configured epochs (the minutes are safety caps), the relation model from the new NER
    model's encoder (BC5CDR dev CID 53.41 -> 59.10 over the plain base model), and promote each
    into the model registry (``out_dir``, default MEDKG_HOME/models, as ``ner-<set>`` and
    ``re-<set>``: what ingestion and the API load) only when its dev score is not worse than the
    current one's. ``train``/``dev`` default to the set's corpus in MEDKG_DATA_DIR; ``limit``
    trains on the first documents only (a quick check). Returns the dev metrics and what was promoted."""
    from extractors.registry import candidate_dir, promote
    from wiring.settings import load_settings

    settings = load_settings()
    chosen = settings.model_set(model_set)
    train = train or str(settings.data_dir / chosen.train)
    dev = dev or str(settings.data_dir / chosen.dev)
    models = Path(out_dir) if out_dir else settings.models_dir
    ner_name, re_name = f"ner-{chosen.name}", f"re-{chosen.name}"
    ner_dir, re_dir = candidate_dir(models, ner_name), candidate_dir(models, re_name)
    ner = train_ner_task(train, dev, str(ner_dir), ner_minutes, base_model, limit, chosen.canonical_types)
    rel = train_re_task(train, dev, str(re_dir), re_minutes, str(ner_dir), re_architecture, limit)
    promoted = [promote(ner_dir, models, ner_name), promote(re_dir, models, re_name)]
    logger = get_run_logger()
    for p in promoted:
        logger.info("%s", p)
    return {"ner": ner["metrics"], "re": rel["metrics"], "promoted": {p.name: p.promoted for p in promoted}}


@task(name="train-diagnosis")
def train_diagnosis_task(diseases: int, max_minutes: float, text_max_minutes: float, base_model: str) -> dict[str, Any]:
    from diagnosis.cases import SimulationConfig
    from diagnosis.training import DiagnosisConfig
    from wiring.diagnosis import diagnosis_folder, train_diagnosis
    from wiring.settings import load_settings

    settings = load_settings()
    return train_diagnosis(settings, diagnosis_folder(settings), SimulationConfig(diseases=diseases),
                           DiagnosisConfig(max_minutes=max_minutes, text_max_minutes=text_max_minutes, base_model=base_model), progress=False)


@flow(name="medkg-train-diagnosis")
def train_diagnosis_flow(diseases: int = 700, max_minutes: float = 22, text_max_minutes: float = 18,
                         base_model: str = OFFLINE_ENCODER) -> dict[str, Any]:
    """Simulate patients from the graph's HPO annotations, fine-tune the diagnosis models, and
    return the evaluation of the three systems on held-out cases (as `medkg train diagnosis`)."""
    return train_diagnosis_task(diseases, max_minutes, text_max_minutes, base_model)
