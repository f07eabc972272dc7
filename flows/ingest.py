"""The ingestion flow: literature files -> NER -> normalization -> relations -> the graph store.

Work goes to Prefect tasks in batches of documents (never one task per document). The store
remembers each article's content hash: an unchanged citation is skipped, an updated one replaces
its old evidence, a ``DeleteCitation`` removes its article. Every batch is loaded in one go after
its extraction, so a run killed part-way and started again ends with the same graph.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from tqdm.auto import tqdm

from extractors.ensemble import reads_correlations, relate_with, tag_with
from flows.runtime import ends_when_stopped
from kg.errors import ConfigError, InputError
from kg.schema import entity_type
from kg.store import GraphStore, article_key, batched, in_file_order
from kg.types import Document
from ontologies.treatment import separate_treatments
from readers import ReadReport, read_documents
from wiring.settings import Settings, load_settings


@dataclass
class IngestSummary:
    """What one run did; published as a Prefect artifact and returned."""

    documents_read: int = 0
    unchanged: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    mentions_by_type: Counter[str] = field(default_factory=Counter)
    normalized: int = 0
    relations_by_predicate: Counter[str] = field(default_factory=Counter)
    triples_loaded: int = 0
    stored: int = 0  # articles extracted and written to the store by this run
    seconds_by_stage: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    models: dict[str, Any] = field(default_factory=dict)  # which model versions extracted

    def as_dict(self) -> dict[str, Any]:
        mentions = sum(self.mentions_by_type.values())
        return {
            "models": self.models,
            "documents_read": self.documents_read,
            "unchanged": self.unchanged,
            "updated": self.updated,
            "deleted": self.deleted,
            "skipped": len(self.skipped),
            "skipped_records": self.skipped[:20],
            "mentions_by_type": dict(self.mentions_by_type),
            "normalized_share": round(self.normalized / mentions, 4) if mentions else 0.0,
            "relations_by_predicate": dict(self.relations_by_predicate),
            "triples_loaded": self.triples_loaded,
            "seconds_by_stage": {k: round(v, 2) for k, v in self.seconds_by_stage.items()},
        }


@lru_cache(maxsize=4)
def _ner(path: str) -> Any:
    from extractors.ner import NerModel

    return NerModel.load(path)


@lru_cache(maxsize=4)
def _re(path: str) -> Any:
    from extractors.doc_relations import load_relation_model

    # A pair classifier reads only each concept pair's closest mention pair: 2x faster, -0.7 F1.
    return load_relation_model(path, per_pair=1)


@lru_cache(maxsize=2)
def _normalizer(settings_json: str) -> Any:
    return Settings.model_validate_json(settings_json).normalizer()


@lru_cache(maxsize=2)
def _cause_check(settings_json: str) -> Any:
    return Settings.model_validate_json(settings_json).cause_checker()


def load_vocabularies(settings: Settings, *, relations: bool = True) -> None:
    """Load the normalizer (the term index) and, with ``relations``, the cause check that the
    extraction tasks of a run with these ``settings`` use, into this process's caches (a warm
    service, or a benchmark that times extraction only)."""
    _normalizer(settings.model_dump_json())
    if relations:
        _cause_check(settings.model_dump_json())


def as_list(models: str | Sequence[str] | None) -> list[str]:
    """One model folder, several, or none, as a list (the flows take either)."""
    if models is None:
        return []
    return [models] if isinstance(models, str) else [str(m) for m in models]


# No result caching: nothing is persisted, and hashing a batch's inputs (a store handle cannot be
# hashed at all) only cost time and logged an error with a traceback on every run.
@task(retries=2, retry_delay_seconds=5, name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(
    docs: list[Document], ner_models: list[str], re_models: list[str], settings_json: str
) -> tuple[list[Document], dict[str, float]]:
    """NER (each type from the first model that tags it: ``extractors.ensemble``), normalization
    and relation extraction (every relation model) over one batch; times per stage."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    normalizer = _normalizer(settings_json)
    docs = tag_with([_ner(p) for p in ner_models], docs, normalizer.fills_gap)
    times["ner"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    docs = normalizer.normalize_predicted(docs)
    times["normalize"] = time.perf_counter() - t0
    if re_models:
        t0 = time.perf_counter()
        relations = [_re(p) for p in re_models]
        docs = separate_treatments(relate_with(relations, docs), normalizer.index.treatment_knowledge())
        check = _cause_check(settings_json)
        docs = check.apply(docs, correlated=reads_correlations(relations)) if check is not None else docs
        times["relations"] = time.perf_counter() - t0
    return docs, times


def _served(ner_models: list[str], re_models: list[str]) -> dict[str, Any]:
    """The models of a run as the summary reports them: folder, best dev F1, training data hash;
    ``ner`` and ``relations`` the first of each, ``ner_more`` and ``relations_more`` the others."""
    from extractors.models import card_version, read_card

    def info(folder: str) -> dict[str, Any]:
        return {"path": str(folder), **card_version(read_card(Path(folder)))}

    out: dict[str, Any] = {}
    for name, folders in (("ner", ner_models), ("relations", re_models)):
        if folders:
            out[name] = info(folders[0])
        if len(folders) > 1:
            out[f"{name}_more"] = [info(f) for f in folders[1:]]
    return out


def describe_models(served: dict[str, Any]) -> str:
    """The served models in one line for the run's log: each folder with its best dev F1 and the
    first characters of its training data hash (which version a scheduled run used)."""
    infos = [served[k] for k in ("ner", "relations") if k in served]
    infos += [i for k in ("ner_more", "relations_more") for i in served.get(k, [])]
    return "; ".join(f"{i['path']} (dev F1 {i['dev_f1']}, data {i['data_hash']})" for i in infos)


def _model_version(ner_models: list[str], re_models: list[str]) -> str:
    return "+".join([*(f"ner:{Path(p).name}" for p in ner_models), *(f"re:{Path(p).name}" for p in re_models)])


@task(retries=3, retry_delay_seconds=5, name="load-batch", cache_policy=NO_CACHE)
def load_batch(store: GraphStore, docs: list[Document], model: str) -> int:
    """Replace the batch's articles in the store with their new evidence (all or nothing per
    article set: old evidence is removed first, then everything is merged)."""
    store.delete_articles([article_key(d) for d in docs])
    return store.load_documents(docs, model=model).triples


# One extraction thread: torch's OpenMP pool belongs to the thread that runs it, so tasks hopping
# between pool threads may each start a team of spinning OpenMP threads that then compete for the
# cores (a suspect for NER running slower in the flow than in bench/ner.py; not yet measured).
@flow(name="medkg-ingest", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=1))  # type: ignore[arg-type]  # Prefect's runner generics
def ingest(
    paths: list[str],
    ner_model: str | list[str],
    re_model: str | list[str] | None = None,
    batch_size: int = 256,
    strict: bool = False,
    settings: Settings | None = None,
    in_flight: int = 1,
    reextract: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Ingest literature files into the configured store; returns (and publishes) the summary.

    An article already stored with the same text is skipped, unless ``reextract``: then it is
    extracted again and its old evidence replaced (after a model upgrade). ``progress``: a bar
    per file on stderr (the CLI's; Prefect's own logs stay at their level). ``ner_model`` and
    ``re_model``: one model folder or several (``extractors.ensemble``). A ``causes`` pair
    that is a treatment by pharmacology or wording is stored as ``treats``
    (``ontologies.treatment``), one whose evidence states no cause as ``associated_with``
    (``extractors.cause_check``; MEDKG_CAUSE_CHECK=false keeps them).

    Extraction tasks of up to ``in_flight`` batches run at once on the flow's task runner (threads
    by default, Dask workers with ``with_options(task_runner=DaskTaskRunner(...))``); loading stays
    in order, in this process, one batch at a time. On one machine keep ``in_flight`` at 1: torch
    already uses every core, and two extractions at once only compete for them.
    """
    logger = get_run_logger()
    settings = settings or load_settings()
    settings_json = settings.model_dump_json()
    ner_models, re_models = as_list(ner_model), as_list(re_model)
    if not ner_models:
        raise ConfigError("no NER model given")
    summary = IngestSummary(models=_served(ner_models, re_models))
    logger.info("extracting with %s", describe_models(summary.models))
    model = _model_version(ner_models, re_models)
    if re_models and settings.cause_check:
        logger.info("loading the cause check (MEDKG_CAUSE_CHECK; trained on first use: about half a minute)")
        logger.info("cause check: %s", _cause_check(settings_json).card)
    # stopped (SIGTERM, Ctrl-C) while a batch extracts: ends within MEDKG_STOP_GRACE_S, not when the batch is done
    with ends_when_stopped(lambda: _kept(summary)), settings.open_store() as store:
        for path in paths:
            report = ReadReport()
            docs = tqdm(
                read_documents(path, on_error="raise" if strict else "skip", report=report),
                desc=Path(path).name,
                unit=" articles",
                disable=not progress,
                leave=True,
            )
            pending: list[Any] = []
            records = 0
            for batch in batched(docs, batch_size):
                records += len(batch)
                t0 = time.perf_counter()
                live, gone = in_file_order(batch)  # a citation and then its deletion: deleted
                too_long = [d for d in live if len(d.text) > settings.max_document_chars]
                live = [d for d in live if d.text and len(d.text) <= settings.max_document_chars]
                summary.skipped.extend(
                    {
                        "source": d.source or path,
                        "record": f"article {article_key(d)}",
                        "reason": f"{len(d.text):,} characters, over "
                        f"MEDKG_MAX_DOCUMENT_CHARS={settings.max_document_chars:,}; "
                        "raise it to extract this article",
                    }
                    for d in too_long
                )
                known = store.article_hashes([article_key(d) for d in live])
                fresh = live if reextract else [d for d in live if known.get(article_key(d)) != d.content_hash]
                summary.documents_read += len(live)
                summary.unchanged += len(live) - len(fresh)
                summary.updated += sum(1 for d in fresh if article_key(d) in known)
                if gone:  # earlier batches still in flight must land before their deletion
                    while pending:
                        _load(store, pending.pop(0), model, summary)
                    summary.deleted += store.delete_articles(gone)
                summary.seconds_by_stage["read"] += time.perf_counter() - t0
                if fresh:
                    pending.append(extract_batch.submit(fresh, ner_models, re_models, settings_json))
                while len(pending) > max(0, in_flight - 1):
                    _load(store, pending.pop(0), model, summary)
                logger.info("%s: %d documents so far", Path(path).name, summary.documents_read)
            while pending:
                _load(store, pending.pop(0), model, summary)
            if not records:  # an empty collection, a wrapper medkg does not know: never a silent 0
                if strict:
                    raise InputError(f"{path}: no document in this file", source=path)
                logger.warning("%s: no document in this file", path)
            summary.skipped.extend({"source": s.source, "record": s.record, "reason": s.reason} for s in report.skipped)
    result = summary.as_dict()
    logger.info(
        "done: %d documents read (%d new, %d updated, %d unchanged), %d deleted, %d triples loaded, %d skipped",
        summary.documents_read,
        summary.documents_read - summary.updated - summary.unchanged,
        summary.updated,
        summary.unchanged,
        summary.deleted,
        summary.triples_loaded,
        len(summary.skipped),
    )
    create_markdown_artifact(
        key="medkg-ingest-summary", markdown=_markdown(result), description="medkg ingestion summary"
    )
    return result


def _kept(summary: IngestSummary) -> str:
    """What a stopped ingestion keeps (each article is committed with its content hash after its
    extraction), for ``ends_when_stopped``."""
    return (
        f"the {summary.stored} articles this run extracted are stored and kept; the same command skips them "
        "next time and goes on with the rest"
    )


def _load(store: GraphStore, future: Any, model: str, summary: IngestSummary) -> None:
    extracted, times = future.result()
    for stage, seconds in times.items():
        summary.seconds_by_stage[stage] += seconds
    t0 = time.perf_counter()
    summary.triples_loaded += load_batch(store, extracted, model)
    summary.stored += len(extracted)
    summary.seconds_by_stage["load"] += time.perf_counter() - t0
    for d in extracted:
        for m in d.mentions:
            summary.mentions_by_type[entity_type(m.label).label] += 1
            summary.normalized += bool(m.groundings)
        summary.relations_by_predicate.update(r.predicate for r in d.relations)


def with_task_runner(name: str = "thread", dask_address: str | None = None, workers: int = 2) -> Any:
    """The ingestion flow on the chosen task runner: ``thread`` (default) or ``dask`` (a running
    scheduler at ``dask_address``, or a local cluster of ``workers`` processes)."""
    if name == "thread":
        return ingest
    if name != "dask":
        raise ConfigError(f"--task-runner {name!r}: choose thread or dask")
    from prefect_dask import DaskTaskRunner

    runner = (
        DaskTaskRunner(address=dask_address)
        if dask_address
        else DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True})
    )
    return ingest.with_options(task_runner=runner)  # type: ignore[arg-type]  # Prefect types runners by their futures


def _markdown(result: dict[str, Any]) -> str:
    lines = ["# medkg ingestion", "", "| measure | value |", "|---|---|"]
    for k, v in result.items():
        if k != "skipped_records":
            lines.append(f"| {k} | {v} |")
    if result["skipped_records"]:
        lines += ["", "## skipped records", ""] + [
            f"- {s['source']}:{s['record']}: {s['reason']}" for s in result["skipped_records"]
        ]
    return "\n".join(lines)


@flow(name="medkg-ingest-folder", log_prints=True)
def ingest_folder(
    folder: str | None = None,
    ner_model: str | list[str] | None = None,
    re_model: str | list[str] | None = None,
    pattern: str = "*.xml*",
    batch_size: int = 256,
) -> dict[str, Any]:
    """Ingest every file of a watched folder (PubMed update files, say). Citations already in the
    store with the same content are skipped, so a scheduled run only does the new work. What is
    not given comes from the settings of the process that runs the flow (a worker's MEDKG_*
    variables): the folder MEDKG_WATCH_DIR, the models MEDKG_HOME/models/ner-bc5cdr, re-bc5cdr,
    ner-biored and re-biored (``Settings.ner_model_dirs``). A model that is not there is left out
    with a warning; without the first NER model it is an error."""
    settings = load_settings()
    logger = get_run_logger()
    where = Path(folder).expanduser() if folder else settings.updates_dir()
    ners, rels = resolve_models(settings, ner_model, re_model, warn=logger.warning)
    files = sorted(str(p) for p in where.glob(pattern) if p.is_file())
    logger.info("%d files match %s in %s", len(files), pattern, where)
    if not files:
        return IngestSummary().as_dict()
    return ingest(files, ners, rels, batch_size, settings=settings)


def resolve_models(
    settings: Settings,
    ner_model: str | Sequence[str] | None,
    re_model: str | Sequence[str] | None,
    *,
    warn: Callable[..., Any],
    relations: bool = True,
) -> tuple[list[str], list[str]]:
    """The model folders a run uses: those given, else the settings' (``ner_model_dirs``,
    ``re_model_dirs``; none for relations unless ``relations``). A folder without a model is left
    out with a warning; without the first NER model it is an error."""
    ners = [Path(p) for p in as_list(ner_model)] or settings.ner_model_dirs()
    rels = ([Path(p) for p in as_list(re_model)] or settings.re_model_dirs()) if relations else []
    if not (ners[0] / "medkg.json").is_file():
        raise ConfigError(f"{ners[0]}: no NER model; run `medkg run` once, or `medkg models install` a package")
    for missing in [p for p in [*ners, *rels] if not (p / "medkg.json").is_file()]:
        warn("%s: no model there; the run goes on without it", missing)
    return [str(p) for p in ners if (p / "medkg.json").is_file()], [
        str(p) for p in rels if (p / "medkg.json").is_file()
    ]
