"""``medkg serve``: the API's models, term index and store built from the settings, in the one
server process or in each of several uvicorn worker processes.

With ``workers`` > 1 every worker loads its own copy of everything (about 1.5 GB each) and runs
its models on ``cores / workers`` threads: requests then run side by side instead of queueing for
one process's lock, which on a CPU gives more requests per second than one process using every
core for each small request (see BENCHMARKS.md). The embedded store is opened read-only, which
lets the workers (and ``medkg query``) share it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from kg.errors import ConfigError
from wiring.progress import console, status
from wiring.settings import Settings, load_settings

OPTIONS_ENV = "MEDKG_SERVE_OPTIONS"


class ServeOptions(BaseModel):
    """The ``medkg serve`` flags that decide what each server process loads."""

    model_config = ConfigDict(extra="forbid")

    ner_model: Path | None = None
    re_model: Path | None = None
    diagnosis_model: Path | None = None
    rerank: int | None = None
    prune: bool = True
    quantize: str | None = None
    config: Path | None = None
    threads: int | None = None  # torch threads per process; None: torch's default (every core)

    def folders(self, settings: Settings) -> tuple[Path, Path, Path]:
        from wiring.diagnosis import diagnosis_folder

        return (
            self.ner_model or settings.ner_model_dir(),
            self.re_model or settings.re_model_dir(),
            self.diagnosis_model or diagnosis_folder(settings),
        )

    def more_folders(self, settings: Settings) -> tuple[list[Path], list[Path]]:
        """The other model sets' NER and relation folders that exist (BioRED's), when the first
        models are the settings' own (``--ner-model`` serves that one model alone)."""
        if self.ner_model or self.re_model:
            return [], []
        return (
            [p for p in settings.ner_model_dirs()[1:] if (p / "medkg.json").is_file()],
            [p for p in settings.re_model_dirs()[1:] if (p / "medkg.json").is_file()],
        )


def check(options: ServeOptions) -> Settings:
    """Fail early, in the parent process, on what would make every worker fail: a missing NER
    model or an unreadable store."""
    settings = load_settings(options.config)
    ner_dir, _, _ = options.folders(settings)
    if not (ner_dir / "medkg.json").is_file():
        raise ConfigError(f"{ner_dir}: no NER model; train one with `medkg train ner` (or run `medkg run` once)")
    settings.open_store(read_only=True).close()
    return settings


def build_app(options: ServeOptions) -> Any:
    """The FastAPI app with every component loaded (raises ``MedkgError`` with a clear message)."""
    import torch

    from api.app import create_app
    from extractors.doc_relations import load_relation_model
    from extractors.ensemble import RelationModels, Taggers
    from extractors.ner import NerModel

    if options.threads:
        torch.set_num_threads(options.threads)
    settings = load_settings(options.config)
    ner_dir, re_dir, folder = options.folders(settings)
    with status(f"process {os.getpid()}: loading models, the term index and the store"):
        ner = NerModel.load(ner_dir, quantize=options.quantize)
        more_ner, more_re = options.more_folders(settings)
        normalizer = settings.normalizer().load_encoder()  # not on the first request that needs it
        extractors = Taggers(
            [ner, *(NerModel.load(p, quantize=options.quantize) for p in more_ner)], normalizer.fills_gap
        )
        found = [load_relation_model(p) for p in [re_dir, *more_re] if (p / "medkg.json").is_file()]
        relations = RelationModels(found) if found else None
        # one query may use half the cores: a heavy one leaves room for the other requests
        store = settings.open_store(read_only=True, query_threads=max(1, (options.threads or os.cpu_count() or 1) // 2))
        diagnoser = serving_diagnoser(store, settings, folder, options, ner=ner, normalizer=normalizer)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return create_app(
        store,
        ner=extractors,
        normalizer=normalizer,
        relations=relations,
        diagnoser=diagnoser,
        api_key=key,
        cause_check=settings.cause_checker() if relations else None,
    )


def serving_diagnoser(
    store: Any, settings: Settings, folder: Path, options: ServeOptions, *, ner: Any, normalizer: Any
) -> Any:
    """What ``POST /v1/predict`` answers with: the diagnoser with the graph ranker of ``folder``
    when one is trained; without one, a diagnoser that answers the general setting only (it
    re-ranks nothing there, as ``medkg diagnose --setting general``); None when the store holds no
    disease graph to rank (``medkg load-hpo`` has not run). Says on the console which it is."""
    from diagnosis.diagnoser import Diagnoser
    from wiring.diagnosis import build_context, build_diagnoser, has_diagnosis_model

    trained = has_diagnosis_model(folder)
    try:
        builder = build_context(store, settings, ner=ner, normalizer=normalizer)
    except ConfigError as exc:
        if trained:
            raise
        console.print(
            f"[yellow]POST /v1/predict answers 503: {exc}; then `medkg train diagnosis` for the rare setting[/]"
        )
        return None
    if not trained:
        console.print(
            f"[yellow]no diagnosis model in {folder}: POST /v1/predict answers the general setting only (the rare "
            "setting answers 503 until `medkg train diagnosis` has run)[/]"
        )
        return Diagnoser(builder)
    diagnoser = build_diagnoser(builder, folder, quantize=options.quantize)
    if options.rerank is not None:
        diagnoser.rerank = options.rerank
    if not options.prune:
        diagnoser.margin = None
    return diagnoser


def app_from_env() -> Any:
    """uvicorn's app factory in each worker process: the options ``medkg serve`` left in the
    environment."""
    return build_app(ServeOptions.model_validate_json(os.environ[OPTIONS_ENV]))
