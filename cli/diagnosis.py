"""``medkg load-hpo``, ``medkg train diagnosis``, ``medkg train phenotype-encoder``,
``medkg evaluate diagnosis`` and ``medkg diagnose``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli.console import OutOpt, check_format, console, fail, failing, write_document, write_rows
from diagnosis.configs import DiagnosisConfig, PhenotypeEncoderConfig, SimulationConfig
from kg.encoders import OFFLINE_ENCODER
from kg.errors import ConfigError, MedkgError
from wiring.diagnosis import (
    HpoFiles,
    build_context,
    build_diagnoser,
    calibrate_margin,
    diagnosis_folder,
    evaluate_splits,
    has_diagnosis_model,
    load_hpo_into,
    phenotype_encoder_dir,
    train_diagnosis,
    train_diagnosis_into_registry,
    train_phenotype_encoder_into,
)
from wiring.settings import load_settings

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="YAML settings file (hosts and secrets stay in MEDKG_* env).")
]
ModelOpt = Annotated[
    Path | None, typer.Option("--model", help="Diagnosis model folder (default: ~/.cache/medkg/models/diagnosis).")
]


def load_hpo_cmd(
    hp_obo: Annotated[Path | None, typer.Option(help="hp.obo (default: the shared data's).")] = None,
    annotations: Annotated[Path | None, typer.Option(help="phenotype.hpoa (default: the shared data's).")] = None,
    xrefs: Annotated[
        bool,
        typer.Option(
            help="Link each disease to its literature concept through the term index (MONDO/DOID/MeSH mappings)."
        ),
    ] = True,
    no_symptoms: Annotated[
        bool,
        typer.Option(
            "--no-symptoms", help="Leave out DOID's disease -> symptom table (common diseases HPO does not annotate)."
        ),
    ] = False,
    no_definitions: Annotated[
        bool,
        typer.Option(
            "--no-definitions",
            help="Leave out the phenotypes named in the diseases' definitions (MeSH scope notes, DOID's infectious "
            "disease slim, WordNet's glosses).",
        ),
    ] = False,
    no_mesh_subtypes: Annotated[
        bool,
        typer.Option(
            "--no-mesh-subtypes",
            help="Leave out the phenotypes a disease shares with most of its subtypes in MeSH's disease tree (used in "
            "the general setting of `medkg diagnose` only).",
        ),
    ] = False,
    reload: Annotated[
        bool,
        typer.Option("--reload", hidden=True, help="No longer needed: a graph that has them is loaded again."),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Load the Human Phenotype Ontology into the graph: phenotypes with their is_a parents, the
    diseases HPO annotates, and disease -> phenotype edges with frequency and PMIDs; then the
    Disease Ontology's disease -> symptom table with each symptom mapped to HPO (source DOID);
    then the phenotypes the diseases' own definitions name (MeSH scope notes from CTD MEDIC, DOID's
    infectious disease slim, and WordNet's everyday definitions, fetched once from Debian's
    wordnet-base; sources "MeSH definition", "DOID definition", "WordNet definition"), for the common
    diseases neither covers, and the diseases a sign's MeSH scope note says it is seen in (polyuria
    for diabetes mellitus); then, for each disease, the phenotypes most of its subtypes in MeSH's disease
    tree have (source "MeSH subtypes": hyperthyroidism from Graves disease; the general setting of
    `medkg diagnose` reads them). Loading again updates what the files changed, adds nothing twice
    and removes what the files no longer give.

    Example: [bold]medkg load-hpo[/]
    """
    del reload  # accepted so that scripts written for the old no-op guard keep working
    with failing():
        settings = load_settings(config)
        files = HpoFiles.of(settings, fetch=not no_definitions)
        files = dataclasses.replace(
            files,
            obo=hp_obo or files.obo,
            annotations=annotations or files.annotations,
            symptoms=None if no_symptoms else files.symptoms,
            definitions=None if no_definitions else files.definitions,
            doid_definitions=None if no_definitions else files.doid_definitions,
            wordnet=None if no_definitions else files.wordnet,
            # Synthea's symptoms are no definitions: fetched (once) whether or not those are wanted
            synthea=settings.synthea_symptoms() if no_definitions else files.synthea,
            mesh_trees=None if no_mesh_subtypes else files.mesh_trees,
        )
        with settings.open_store() as store:
            result = load_hpo_into(store, files, settings if xrefs else None, reader=settings)
    typer.echo(json.dumps(result, indent=2))


_SIM, _DIAG, _PENC = SimulationConfig(), DiagnosisConfig(), PhenotypeEncoderConfig()
_SIM_FIELDS, _DIAG_FIELDS = set(SimulationConfig.model_fields), set(DiagnosisConfig.model_fields)


def train_diagnosis_cmd(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder (default: the model registry: ~/.cache/medkg/models/diagnosis is replaced only when "
            "the new models' dev acc@1 is not worse; `medkg models rollback diagnosis` brings the old ones back)."
        ),
    ] = None,
    diseases: Annotated[int, typer.Option(help="Diseases to simulate patients for.")] = _SIM.diseases,
    unseen_fraction: Annotated[
        float, typer.Option(help="Share of them held out of training entirely.")
    ] = _SIM.unseen_fraction,
    cases_per_disease: Annotated[
        int, typer.Option(help="Simulated cases per seen disease (1 dev, 1 test, the rest train).")
    ] = _SIM.cases_per_disease,
    imprecision: Annotated[
        float, typer.Option(help="Chance that a phenotype is replaced by a parent term.")
    ] = _SIM.imprecision,
    noise: Annotated[float, typer.Option(help="Mean number of unrelated phenotypes added per case.")] = _SIM.noise,
    cases_csv: Annotated[
        Path | None, typer.Option(help="Your own cases: a CSV with text,label columns (instead of simulation).")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="CSV label,curie mapping your labels to disease CURIEs.")] = None,
    base_model: Annotated[
        str, typer.Option(help=f"{OFFLINE_ENCODER} (offline), a Hugging Face id, or a local folder.")
    ] = _DIAG.base_model,
    epochs: Annotated[int, typer.Option(help="Epochs of the graph-augmented ranker.")] = _DIAG.epochs,
    max_minutes: Annotated[float, typer.Option(help="Time budget of the graph-augmented ranker.")] = _DIAG.max_minutes,
    negatives: Annotated[
        int, typer.Option(help="Negative candidates per case and epoch (half the hardest).")
    ] = _DIAG.negatives,
    max_length: Annotated[
        int, typer.Option(help="Tokens of a (case, candidate facts) pair; fewer: faster, less context.")
    ] = _DIAG.max_length,
    max_facts: Annotated[int, typer.Option(help="Facts per candidate the ranker reads.")] = _DIAG.max_facts,
    layers: Annotated[
        int | None, typer.Option(help="Keep only the base model's first N layers in the ranker (faster serving).")
    ] = _DIAG.layers,
    text_epochs: Annotated[int, typer.Option(help="Epochs of the text-only baseline.")] = _DIAG.text_epochs,
    text_max_minutes: Annotated[
        float, typer.Option(help="Time budget of the text-only baseline.")
    ] = _DIAG.text_max_minutes,
    skip_text_only: Annotated[
        bool, typer.Option(help="Do not train the text-only baseline (one already in --out is still evaluated).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed (simulation and training).")] = _DIAG.seed,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Any other field of the simulation or training config, FIELD=VALUE (repeatable; the value read as "
            "YAML): e.g. --set min_phenotypes=4 --set rerank=5.",
        ),
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Simulate patients (or read your CSV), fine-tune the graph-augmented ranker and the
    text-only baseline on the same cases, and evaluate all three systems on held-out cases of
    seen and of unseen diseases. Loads HPO into the graph first when it is missing.

    Example: [bold]medkg train diagnosis --diseases 700 --max-minutes 22[/]
    """
    from extractors.configs import configured

    with failing():
        settings = load_settings(config)
        sets = set_ or []
        unknown = [s for s in sets if s.partition("=")[0].strip() not in {*_SIM_FIELDS, *_DIAG_FIELDS}]
        if unknown:
            raise ConfigError(
                f"--set {unknown[0]!r}: write FIELD=VALUE with a field of SimulationConfig or DiagnosisConfig: "
                f"{', '.join(sorted({*_SIM_FIELDS, *_DIAG_FIELDS}))}"
            )
        sim = configured(
            SimulationConfig,
            {
                "diseases": diseases,
                "unseen_fraction": unseen_fraction,
                "cases_per_disease": cases_per_disease,
                "imprecision": imprecision,
                "noise": noise,
                "seed": seed,
            },
            [s for s in sets if s.partition("=")[0].strip() in _SIM_FIELDS],
        )
        cfg = configured(
            DiagnosisConfig,
            {
                "base_model": base_model,
                "epochs": epochs,
                "max_minutes": max_minutes,
                "negatives": negatives,
                "max_length": max_length,
                "max_facts": max_facts,
                "layers": layers,
                "text_epochs": text_epochs,
                "text_max_minutes": text_max_minutes,
                "seed": seed,
            },
            [s for s in sets if s.partition("=")[0].strip() in _DIAG_FIELDS],
        )
        if out is None:  # the registry: promoted when not worse than the current model
            report = train_diagnosis_into_registry(
                settings, sim, cfg, cases_csv=cases_csv, mapping=mapping, text_only=not skip_text_only
            )
            out = Path(report["folder"])
        else:
            report = train_diagnosis(
                settings, out, sim, cfg, cases_csv=cases_csv, mapping=mapping, text_only=not skip_text_only
            )
    print_report(report)
    console.print(f"models in {out}; evaluation in {out / 'evaluation.json'}", soft_wrap=True)


def train_phenotype_encoder_cmd(
    out: Annotated[
        Path | None,
        typer.Option(
            help="Output folder (default: ~/.cache/medkg/models/phenotype-encoder, which medkg diagnose uses)."
        ),
    ] = None,
    base_model: Annotated[
        str, typer.Option(help=f"{OFFLINE_ENCODER} (offline), a Hugging Face id, or a local folder.")
    ] = OFFLINE_ENCODER,
    epochs: Annotated[int, typer.Option(help="Epochs (early stopping on dev accuracy@1).")] = _PENC.epochs,
    max_minutes: Annotated[
        float, typer.Option(help="Safety cap; a run it cuts says so and continues with --resume.")
    ] = _PENC.max_minutes,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.")] = _PENC.learning_rate,
    batch_size: Annotated[
        int, typer.Option(help="Pairs per batch (each pair's negatives are the batch's other pairs).")
    ] = _PENC.batch_size,
    definitions: Annotated[
        bool, typer.Option(help="Train on definition -> label pairs too (slower, no better on lay sentences).")
    ] = _PENC.definitions,
    dev_fraction: Annotated[
        float, typer.Option(help="Share of HPO terms whose synonyms are held out to score each epoch.")
    ] = _PENC.dev_fraction,
    group_by_length: Annotated[
        bool, typer.Option(help="Batch pairs of about the same length together (less padding, faster).")
    ] = _PENC.group_by_length,
    resume: Annotated[bool, typer.Option(help="Continue a run the time cap cut, from its checkpoint.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = _PENC.seed,
    config: ConfigOpt = None,
) -> None:
    """Fine-tune the encoder of the lay-phrase phenotype matcher on HPO's own names: each synonym
    (layperson ones included) next to its term's label. About 2 minutes on 2 CPU cores with native
    bf16; `medkg run` trains it once, and `medkg diagnose` and `medkg serve` use it once it is in
    the default folder.

    Example: [bold]medkg train phenotype-encoder[/]
    """
    from extractors.training import cap_note

    with failing():
        settings = load_settings(config)
        out = out or phenotype_encoder_dir(settings)
        cfg = PhenotypeEncoderConfig(
            base_model=base_model,
            epochs=epochs,
            max_minutes=max_minutes,
            learning_rate=learning_rate,
            batch_size=batch_size,
            definitions=definitions,
            dev_fraction=dev_fraction,
            group_by_length=group_by_length,
            resume=resume,
            seed=seed,
        )
        card = train_phenotype_encoder_into(settings, out, cfg)
    console.print(
        f"best dev accuracy@1 {card['metrics']['dev']['acc@1']:.2f} at epoch {card['metrics']['best_epoch']} "
        f"({card['train_minutes']} min, stopped by {card['stopped_by']}); saved to {out}"
    )
    note = cap_note(card, "`medkg train phenotype-encoder ... --resume` (the same flags)")
    if note:
        console.print(f"[yellow]{note}[/]", soft_wrap=True)


def print_report(report: dict[str, Any]) -> None:
    for split in ("test_seen", "test_unseen"):
        if split not in report:
            continue
        table = Table(title=f"{split.replace('_', ' ')} ({next(iter(report[split].values()))['n']} cases)")
        for col in ("system", "acc@1", "acc@5", "MRR"):
            table.add_column(col, justify="left" if col == "system" else "right")
        for system, m in report[split].items():
            table.add_row(system.replace("_", " "), f"{m['acc@1']:.2f}", f"{m['acc@5']:.2f}", f"{m['mrr']:.2f}")
        console.print(table)


def evaluate_diagnosis_cmd(
    model: ModelOpt = None,
    cases_csv: Annotated[
        Path | None, typer.Option(help="Evaluate on your CSV (text,label) instead of the saved test cases.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="CSV label,curie for your labels.")] = None,
    limit: Annotated[int | None, typer.Option(help="Evaluate on the first N cases of each split.")] = None,
    calibrate: Annotated[
        bool,
        typer.Option(
            help="First choose the pruning margin and the probability temperature on the saved dev cases and store "
            "them in the model card."
        ),
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """accuracy@1, @5 and MRR of phenotype overlap, text only and graph-augmented, on the held-out
    cases of seen and unseen diseases saved by `medkg train diagnosis` (or on your CSV). JSON on stdout.

    The graph-augmented system is scored as served: candidates too far behind on phenotype
    similarity to reach first place are not re-ranked (the margin in the model card, chosen on dev
    cases; `--calibrate` chooses it for a model trained without one).

    Example: [bold]medkg evaluate diagnosis --calibrate[/]
    """
    from diagnosis.cases import CaseSplits, read_cases_csv
    from diagnosis.model import TextClassifier

    with failing():
        settings = load_settings(config)
        folder = model or diagnosis_folder(settings)
        if cases_csv is not None:
            splits = CaseSplits([], [], read_cases_csv(cases_csv, mapping), [], [])
        elif (folder / "cases" / "test_seen.jsonl").is_file():
            splits = CaseSplits.load(folder / "cases")
        else:
            raise ConfigError(
                f"{folder / 'cases'}: no saved cases; pass --cases-csv or train with `medkg train diagnosis`"
            )
        if limit:
            splits.test_seen, splits.test_unseen = splits.test_seen[:limit], splits.test_unseen[:limit]
        text_model = (
            TextClassifier.load(folder / "text-only") if (folder / "text-only" / "medkg.json").is_file() else None
        )
        with settings.open_store(read_only=True) as store:
            builder = build_context(store, settings)
        diagnoser = build_diagnoser(builder, folder)
        if calibrate:
            dev = CaseSplits.load(folder / "cases").dev if (folder / "cases" / "dev.jsonl").is_file() else []
            margin, temperature = calibrate_margin(diagnoser, folder, dev)
            console.print(f"pruning margin: {margin}; probability temperature: {temperature}")
        report = evaluate_splits(diagnoser, splits, text_model)
    print_report(report)
    typer.echo(json.dumps(report, indent=2))


def diagnose_cmd(
    text: Annotated[str, typer.Argument(help="The case, in words.")],
    top_k: Annotated[int, typer.Option(help="How many diagnoses.")] = 5,
    setting: Annotated[
        str,
        typer.Option(
            help="Where the patient is seen: rare (a rare-disease clinic: every disease equally likely before the "
            "findings) or general (general practice: diseases outside OMIM, Orphanet and DECIPHER twice as likely, "
            "the text also compared with each disease's description, and diseases whose names everyday English "
            "writes often weighed up; needs no diagnosis model)."
        ),
    ] = "rare",
    model: ModelOpt = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, jsonl, csv or tsv (csv/tsv: one row per diagnosis).")
    ] = "table",
    out: OutOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Ranked diagnoses for a case text, each with the graph facts (HPO annotations, literature
    relations, PMIDs) that support it.

    Example: [bold]medkg diagnose "A 4-year-old boy with seizures, microcephaly and global developmental delay."[/]

    Example: [bold]medkg diagnose --setting general "I have a fever, a sore throat and my muscles ache."[/]
    """
    from diagnosis.context import Candidate
    from diagnosis.graph import SETTINGS

    fmt = "json" if as_json else check_format(fmt)
    if out is not None and fmt == "table":
        fail(MedkgError("--out writes data: add --format json, jsonl, csv or tsv"))
    if setting not in SETTINGS:
        fail(MedkgError(f"--setting {setting!r}: use one of {', '.join(SETTINGS)}"))
    with failing():
        settings = load_settings(config)
        with settings.open_store(read_only=True) as store:
            builder = build_context(store, settings)
        folder = model or diagnosis_folder(settings)
        if setting == "general" and model is None and not has_diagnosis_model(folder):
            from diagnosis.diagnoser import Diagnoser

            diagnoser = Diagnoser(builder)  # the general setting re-ranks nothing: no model needed
        else:
            diagnoser = build_diagnoser(builder, folder)
        result = diagnoser.diagnose(text, top_k, setting)
    if fmt in ("json", "jsonl"):
        write_document(result.to_json(), fmt, out)
        return
    if fmt in ("csv", "tsv"):
        rows = [
            {
                "rank": i,
                "curie": d["curie"],
                "name": d["name"],
                "confidence": d["confidence"],
                "score": d["score"],
                "phenotype_similarity": d["phenotype_similarity"],
                "description_similarity": d["description_similarity"],
                "familiarity": d["familiarity"],
                "facts": len(d["evidence"]),
                "pmids": sorted({p for f in d["evidence"] for p in f["pmids"]}),
            }
            for i, d in enumerate(result.to_json()["diagnoses"], 1)
        ]
        write_rows(
            rows,
            fmt,
            out,
            columns=[
                "rank",
                "curie",
                "name",
                "confidence",
                "score",
                "phenotype_similarity",
                "description_similarity",
                "familiarity",
                "facts",
                "pmids",
            ],
        )
        return
    console.print(
        "found: "
        + (
            ", ".join(
                f"{'[strike]' if f.negated else ''}{f.text}{'[/strike] (denied)' if f.negated else ''} "
                f"[dim]({f.curie} {f.name})[/]"
                for f in result.findings
            )
            or "no phenotype"
        )
    )
    if result.setting != "rare":
        console.print(f"[dim]ranked for the {result.setting} setting (--setting)[/]")
    if not result.confident:
        console.print(f"[yellow]{result.note}[/]")
    c: Candidate
    for i, c in enumerate(result.diagnoses, 1):
        console.print(
            f"[bold]{i}. {c.name}[/] ({c.curie})  probability {c.confidence:.2f}  score {c.score:.3f}  "
            f"phenotype similarity {c.similarity:.2f}"
            + (
                f"  description similarity {c.description_similarity:.2f}"
                if c.description_similarity is not None
                else ""
            )
            + (f"  familiarity {c.familiarity:.2f}" if c.familiarity is not None else "")
        )
        for f in c.facts[:8]:
            pmids = f"  PMID {', '.join(f.pmids[:3])}" if f.pmids else ""
            mark = "·" if not f.matched else "≈" if f.through else "✓"
            through = f" [dim](a relative: both are {f.through})[/]" if f.through else ""
            console.print(f"   {mark} {f.text}{through} [dim][{f.source}]{pmids}[/]")
