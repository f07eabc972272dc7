"""Wiring for diagnosis: HPO into the graph store, and the diagnoser built from the store, the HPO
terms and the trained models (used by the CLI and by ``medkg serve``)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from flows.console import console
from flows.settings import Settings
from kg.errors import ConfigError
from kg.schema import HAS_PHENOTYPE
from kg.store import GraphStore, batched


@dataclass
class HpoFiles:
    obo: Path
    annotations: Path

    @classmethod
    def of(cls, settings: Settings) -> HpoFiles:
        folder = settings.data_dir / "ontologies" / "hpo"
        return cls(folder / "hp.obo.gz", folder / "phenotype.hpoa.gz")


def phenotype_edges(store: GraphStore) -> int:
    return int(store.query(f"MATCH (:Entity)-[h:{HAS_PHENOTYPE}]->(:Entity) RETURN count(h) AS n")[0]["n"])


def load_hpo_into(store: GraphStore, files: HpoFiles, settings: Settings | None = None) -> dict[str, Any]:
    """Load HPO phenotypes, annotated diseases and their annotations (idempotent: MERGE). With
    settings, each disease keeps the literature concept it is equivalent to as an xref."""
    from ontologies.hpo import load_hpo

    canonical = None
    if settings is not None:
        with console.status("loading the term index (maps OMIM/ORPHA diseases to literature concepts)"):
            canonical = settings.term_index().canonical
    with console.status(f"reading {files.obo.name} and {files.annotations.name}"):
        records = load_hpo(files.obo, files.annotations, canonical)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        parts: list[tuple[str, Sequence[Any], Callable[[Any], int]]] = [
            ("entities", records.entities, store.load_entities), ("annotations", records.annotations, store.load_phenotypes)]
        for name, items, load in parts:
            task = bar.add_task(f"HPO {name}", total=len(items))
            for chunk in batched(items, 10_000):
                load(chunk)
                bar.advance(task, len(chunk))
    return {"entities": len(records.entities), "annotations": len(records.annotations),
            "versions": {s.kind: s.version for s in records.sources}}


def ensure_hpo(store: GraphStore, settings: Settings) -> None:
    """Load HPO into the store when it has no disease -> phenotype annotations yet."""
    if phenotype_edges(store) == 0:
        console.print("[bold]The graph has no HPO annotations yet[/]: loading them (once, about a minute).")
        load_hpo_into(store, HpoFiles.of(settings), settings)


def hpo_terms(settings: Settings) -> list[Any]:
    from ontologies.loaders import load_obo

    files = HpoFiles.of(settings)
    terms, _ = load_obo(files.obo, "Phenotype", prefixes=("HP:",))
    return [t for t in terms if not t.obsolete]


def diagnosis_folder(settings: Settings) -> Path:
    return settings.home / "models" / "diagnosis"


def build_context(store: GraphStore, settings: Settings, *, ner: Any = None, normalizer: Any = None) -> Any:
    """The disease graph read from the store, with the HPO phenotype dictionary."""
    from diagnosis.context import ContextBuilder, PhenotypeTagger
    from diagnosis.graph import DiseaseGraph

    with console.status("reading the disease graph from the store"):
        graph = DiseaseGraph.from_store(store)
    if not graph.diseases:
        raise ConfigError("the graph has no disease -> phenotype annotations; run `medkg load-hpo` first")
    with console.status("building the phenotype dictionary from hp.obo"):
        tagger = PhenotypeTagger(hpo_terms(settings))
    return ContextBuilder(graph, tagger, ner=ner, normalizer=normalizer)


def build_diagnoser(builder: Any, model_dir: Path, *, device: str = "auto", quantize: str | None = None) -> Any:
    """The diagnoser with the graph ranker of ``model_dir/graph-ranker``."""
    from diagnosis.diagnoser import Diagnoser
    from diagnosis.model import GraphRanker
    from extractors.models import read_card

    folder = model_dir / "graph-ranker"
    if not (folder / "medkg.json").is_file():
        raise ConfigError(f"{folder}: no diagnosis model; train one with `medkg train diagnosis`")
    card = read_card(folder)
    config, margin = card.get("config", {}), card.get("margin")
    return Diagnoser(builder, GraphRanker.load(folder, device, quantize), candidates=int(config.get("candidates", 20)),
                     rerank=int(config.get("rerank", 10)), max_facts=int(config.get("max_facts", 12)),
                     margin=float(margin) if margin is not None else None)


def calibrate_margin(diagnoser: Any, model_dir: Path, dev: Any) -> float | None:
    """Choose the pruning margin on the ``dev`` cases and store it in the ranker's card (models
    trained before medkg chose one at training time have none)."""
    from diagnosis.diagnoser import score_cases
    from diagnosis.training import choose_margin
    from extractors.models import read_card, write_card

    if not dev:
        raise ConfigError(f"{model_dir / 'cases'}: no dev cases to calibrate on")
    with console.status(f"choosing the pruning margin on {len(dev)} dev cases"):
        scored = score_cases(diagnoser, [(c.text, c.label) for c in dev])
    diagnoser.margin = margin = choose_margin(scored, diagnoser.ranker.fusion_weight)
    folder = model_dir / "graph-ranker"
    write_card(folder, {**read_card(folder), "margin": margin})
    return margin


def case_splits(settings: Settings, builder: Any, out: Path, sim: Any, cases_csv: Path | None, mapping: Path | None, seed: int) -> Any:
    """The cases, split and saved under ``out/cases``."""
    from diagnosis.cases import CaseSplits, PatientSimulator, read_cases_csv

    if cases_csv is not None:
        cases = read_cases_csv(cases_csv, mapping)
        random.Random(seed).shuffle(cases)
        n = len(cases)
        if n < 10:
            raise ConfigError(f"{cases_csv}: {n} cases; at least 10 are needed to train and evaluate")
        splits = CaseSplits(cases[: int(0.8 * n)], cases[int(0.8 * n): int(0.9 * n)], cases[int(0.9 * n):], [], [])
    else:
        with console.status("simulating patients from the HPO annotations in the graph"):
            splits = PatientSimulator(builder.graph, builder.tagger.terms, sim).splits()
    splits.save(out / "cases")
    return splits


def evaluate_splits(diagnoser: Any, splits: Any, text_model: Any) -> dict[str, Any]:
    """The three systems on the held-out splits, and how many candidates per case the served
    graph-augmented system runs the model on (``reranked_per_case``: the margin's saving)."""
    from diagnosis.diagnoser import reranked, score_cases, summarize

    weight = diagnoser.ranker.fusion_weight if diagnoser.ranker else 0.0
    report: dict[str, Any] = {"fusion_weight": weight if diagnoser.ranker else None, "margin": diagnoser.margin, "reranked_per_case": {}}
    for name in ("test_seen", "test_unseen"):
        cases = [(c.text, c.label) for c in getattr(splits, name)]
        if cases:
            with console.status(f"evaluating {len(cases)} {name} cases"):
                scored = score_cases(diagnoser, cases, text_model)
            report[name] = summarize(scored, weight, text_model is not None, diagnoser.margin)
            report["reranked_per_case"][name] = round(sum(reranked(s.similarity, weight, diagnoser.margin) for s in scored) / len(scored), 2)
    return report


def train_diagnosis(settings: Settings, out: Path, sim: Any, cfg: Any, *, cases_csv: Path | None = None, mapping: Path | None = None,
                    text_only: bool = True, progress: bool = True) -> dict[str, Any]:
    """Cases (simulated from the graph's HPO annotations, or a CSV), both models fine-tuned on
    them, all three systems evaluated on the held-out cases; the report is also written to
    ``out/evaluation.json``."""
    from diagnosis.model import TextClassifier
    from diagnosis.training import train_graph_ranker, train_text_classifier

    with settings.open_store() as store:
        ensure_hpo(store, settings)
        builder = build_context(store, settings)
    splits = case_splits(settings, builder, out, sim, cases_csv, mapping, cfg.seed)
    console.print(f"cases: {len(splits.train)} train, {len(splits.dev)} dev, {len(splits.test_seen)} test (seen diseases), "
                  f"{len(splits.test_unseen)} test (unseen diseases: {len(splits.unseen_diseases)})")
    card = {"simulation": sim.model_dump() if cases_csv is None else {"cases_csv": str(cases_csv)}}
    if text_only:
        train_text_classifier(splits.train, splits.dev, out / "text-only", cfg, card=card, progress=progress)
    # Without training it, a text-only model already in the folder is still evaluated beside.
    text_model = TextClassifier.load(out / "text-only") if (out / "text-only" / "medkg.json").is_file() else None
    train_graph_ranker(splits.train, splits.dev, builder, out / "graph-ranker", cfg, card=card, progress=progress)
    report = evaluate_splits(build_diagnoser(builder, out), splits, text_model)
    (out / "evaluation.json").write_text(json.dumps(report, indent=2))
    return report
