"""``medkg train ner``, ``medkg evaluate ner`` and ``medkg extract``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.console import console, failing, status, warn
from extractors.configs import DocRelationConfig, LexicalRelationConfig, NerConfig, RelationConfig
from kg.encoders import OFFLINE_ENCODER
from kg.errors import ConfigError, InputError, MedkgError
from kg.types import Document
from readers import ReadReport, read_documents

if TYPE_CHECKING:
    from wiring.settings import Settings

train_app = typer.Typer(help="Fine-tune models.", no_args_is_help=True)
_NER = NerConfig()
_DOC_RE = DocRelationConfig()
_PAIR_RE = RelationConfig()
evaluate_app = typer.Typer(help="Score models on annotated data.", no_args_is_help=True)


def _read(path: Path, limit: int | None = None) -> list[Document]:
    report = ReadReport()
    docs = [d for d in read_documents(path, on_error="skip", report=report) if not d.deleted]
    if report.skipped:
        console.print(f"[yellow]{path}: {len(report.skipped)} malformed records skipped[/]")
    return docs[:limit] if limit else docs


def _cap_note(card: dict[str, Any], command: str) -> None:
    from extractors.training import cap_note

    note = cap_note(card, f"`{command} ... --resume` (the same flags)")
    if note:
        console.print(f"[yellow]{note}[/]", soft_wrap=True)


SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Any other field of the training config, FIELD=VALUE (repeatable; the value read as YAML): e.g. --set "
        "max_length=128 --set patience=2.",
    ),
]


@train_app.command("ner")
def train_ner_cmd(
    train: Annotated[Path, typer.Option(help="Training corpus (PubTator or BioC).")],
    dev: Annotated[Path, typer.Option(help="Development corpus, for early stopping.")],
    out: Annotated[Path, typer.Option(help="Folder for the model artifact.")],
    base_model: Annotated[
        str, typer.Option(help=f"{OFFLINE_ENCODER} (offline), a Hugging Face id, or a local folder.")
    ] = _NER.base_model,
    epochs: Annotated[
        int, typer.Option(help="Epochs (the learning-rate schedule spans them; fewer when dev stops improving).")
    ] = _NER.epochs,
    max_minutes: Annotated[
        float,
        typer.Option(
            help="Safety cap on wall time: a run it cuts short keeps its best model and can go on with --resume."
        ),
    ] = _NER.max_minutes,
    resume: Annotated[
        bool, typer.Option(help="Go on from where a run cut short by --max-minutes stopped (same other flags).")
    ] = False,
    lora: Annotated[bool, typer.Option(help="Train LoRA adapters (peft) instead of all weights.")] = _NER.lora,
    types: Annotated[
        str | None, typer.Option(help="Comma-separated entity types to learn (default: all in the data).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Windows per batch.")] = _NER.batch_size,
    learning_rate: Annotated[float, typer.Option(help="Peak learning rate.")] = _NER.learning_rate,
    seed: Annotated[int, typer.Option(help="Random seed.")] = _NER.seed,
    context: Annotated[
        str, typer.Option(help="sentence: one window per sentence; document: windows over the whole text.")
    ] = _NER.context,
    canonical_types: Annotated[
        bool, typer.Option(help="Learn medkg's types (NCBI-disease's four classes become Disease).")
    ] = _NER.canonical_types,
    set_: SetOpt = None,
    limit: Annotated[
        int | None, typer.Option(help="Use only the first N training documents (for a quick try).")
    ] = None,
    together: Annotated[
        list[str] | None,
        typer.Option(
            help="Another tagger to train with this one, one encoder for both (the pipeline then reads each "
            "window once for the two): TRAIN,DEV,OUT, and ,canonical to learn medkg's types; repeat for more."
        ),
    ] = None,
) -> None:
    """Fine-tune a NER model; the best dev checkpoint is kept in OUT with its medkg.json card.

    Example: [bold]medkg train ner --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt --dev ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --out runs/ner-bc5cdr[/]

    Example: [bold]medkg train ner --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt --dev ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --out runs/ner-bc5cdr --together ../shared/data/corpora/biored/Train.PubTator,../shared/data/corpora/biored/Dev.PubTator,runs/ner-biored,canonical[/] (BC5CDR's and BioRED's taggers with one encoder, as `medkg run` trains them)
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.configs import configured
    from extractors.ner import TaggerData, train_taggers

    with failing():
        config = configured(
            NerConfig,
            {
                "base_model": base_model,
                "epochs": epochs,
                "max_minutes": max_minutes,
                "lora": lora,
                "types": types.split(",") if types else None,
                "batch_size": batch_size,
                "learning_rate": learning_rate,
                "seed": seed,
                "context": context,
                "canonical_types": canonical_types,
            },
            set_ or (),
        )
        train_docs, dev_docs = _read(train, limit), _read(dev)
        console.print(
            f"training on {len(train_docs)} documents, {len(dev_docs)} for dev: {config.epochs} epochs, "
            f"capped at {config.max_minutes:g} minutes (the time per epoch on this machine follows after a few batches)"
        )
        taggers = [TaggerData(train_docs, dev_docs, out, config.canonical_types, [train, dev])]
        for spec in together or ():
            parts = spec.split(",")
            if len(parts) not in (3, 4) or (len(parts) == 4 and parts[3] != "canonical"):
                raise ConfigError(f"--together {spec!r}: give TRAIN,DEV,OUT or TRAIN,DEV,OUT,canonical")
            more_train, more_dev = Path(parts[0]), Path(parts[1])
            taggers.append(
                TaggerData(
                    _read(more_train, limit), _read(more_dev), Path(parts[2]), len(parts) == 4, [more_train, more_dev]
                )
            )
        card, *others = train_taggers(taggers, config, resume=resume)
    for tagger, other in zip(taggers[1:], others, strict=True):
        console.print(f"{tagger.out}: best dev strict F1 {other['metrics']['dev']['micro']['f1']:.2f}")
    dev_scores = card["metrics"]["dev"]
    console.print(
        f"best dev strict F1 {dev_scores['micro']['f1']:.2f} at epoch {card['metrics']['best_epoch']} "
        f"({card['train_minutes']} min, stopped by {card['stopped_by']}); saved to {out}"
    )
    _cap_note(card, "medkg train ner")
    typer.echo(
        json.dumps(
            {"micro": dev_scores["micro"], "per_type": {k: v["f1"] for k, v in dev_scores["per_type"].items()}},
            indent=2,
        )
    )


@train_app.command("gazetteer")
def train_gazetteer_cmd(
    model: Annotated[Path, typer.Option(help="A model folder from `medkg train ner`.")],
    train: Annotated[Path, typer.Option(help="The corpus the model was trained on (PubTator or BioC).")],
) -> None:
    """Rebuild a NER model's gazetteer (the training split's mention strings, tagged where the
    model misses them) without retraining; `medkg train ner` writes one itself.

    Example: [bold]medkg train gazetteer --model runs/ner-bc5cdr --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.gazetteer import MIN_SHARE, Gazetteer
    from extractors.models import data_hash, read_card, write_card
    from extractors.ner import canonical_labels

    with failing():
        card = read_card(model)
        if card.get("task") != "ner":
            raise ConfigError(f"{model}: a {card.get('task')!r} model, not a NER model")
        docs = _read(train)
        if card.get("config", {}).get("canonical_types"):
            docs = canonical_labels(docs)
        known = card.get("types") or sorted({label[2:] for label in card.get("labels", []) if label != "O"}) or None
        gazetteer = Gazetteer.from_documents(docs, types=known)
        if not gazetteer.entries:
            raise ConfigError(
                f"{train}: no mention of the model's types {known}; pass the corpus the model was trained on"
            )
        gazetteer.save(model)
        write_card(
            model,
            {
                **card,
                "gazetteer": {
                    "entries": len(gazetteer.entries),
                    "min_share": MIN_SHARE,
                    "data_hash": data_hash([train]),
                },
            },
        )
    console.print(f"{len(gazetteer.entries)} strings saved to {model}")


@evaluate_app.command("ner")
def evaluate_ner_cmd(
    model: Annotated[Path, typer.Option(help="A model folder from `medkg train ner`.")],
    data: Annotated[Path, typer.Option(help="Annotated corpus to score against (PubTator or BioC).")],
    pred_out: Annotated[Path | None, typer.Option(help="Also write the predictions here in PubTator format.")] = None,
    quantize: Annotated[
        str | None,
        typer.Option(
            help="int8, bf16 or fp32 weights (default: bf16 where the CPU computes in bf16 natively, as trained "
            "otherwise)."
        ),
    ] = None,
    abbreviations: Annotated[
        bool, typer.Option(help="Make predictions agree with the abbreviations each document defines.")
    ] = True,
    tidy: Annotated[
        bool,
        typer.Option(
            help="Tidy predicted spans: whole letter-and-digit runs, no dangling punctuation or function words."
        ),
    ] = True,
    gazetteer: Annotated[
        bool,
        typer.Option(
            help="Tag the training split's mention strings the model missed (the model folder's gazetteer.json, where "
            "it has one)."
        ),
    ] = True,
    constrained: Annotated[
        bool,
        typer.Option(
            help="Decode each sentence's word labels together, an I- label only continuing a mention of its type "
            "(--no-constrained: each word's most probable label)."
        ),
    ] = True,
    drop_ungrounded: Annotated[
        bool,
        typer.Option(
            help="Score NER as the pipeline uses it: predicted mentions checked against the vocabularies (a chemical "
            "that names only a disease becomes one; a disease one word longer where that makes a name, dropped "
            "when grounded below 0.7). Loads the term index; its time counts."
        ),
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML settings file (where the term index is).")
    ] = None,
) -> None:
    """Strict mention-level precision, recall and F1 per type and micro, plus speed, as JSON.

    Example: [bold]medkg evaluate ner --model runs/ner-bc5cdr --data ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.ner import NerModel, canonical_labels, strict_scores
    from extractors.pubtator_writer import write_pubtator

    with failing():
        ner = NerModel.load(model, quantize=quantize)
        gold = _read(data)
        if ner.card.get("config", {}).get("canonical_types"):
            gold = canonical_labels(gold)
        normalizer = None
        if drop_ungrounded:
            from wiring.settings import load_settings

            normalizer = load_settings(config).normalizer(progress=True).load_encoder()
        t0 = time.perf_counter()
        pred = ner.predict(
            gold,
            progress=True,
            abbreviations=abbreviations,
            tidy=tidy,
            gazetteer=gazetteer,
            constrained=constrained,
        )
        if normalizer is not None:
            pred = normalizer.normalize_predicted(pred)
        seconds = time.perf_counter() - t0
    scores = strict_scores(gold, pred, ner.types)
    scores["speed"] = {
        "documents": len(gold),
        "seconds": round(seconds, 2),
        "abstracts_per_s": round(len(gold) / seconds, 1),
        "device": ner.device,
        "weights": ner.weights,
        "bf16_autocast": ner.bf16,
    }
    if pred_out:
        write_pubtator(pred, pred_out)
    typer.echo(json.dumps(scores, indent=2))


def extract_cmd(
    input: Annotated[Path, typer.Argument(help="Documents in any reader format.")],
    out: Annotated[
        Path,
        typer.Option(
            help="Output file, its format from the name: .jsonl, .pubtator, .xml (BioC XML: x.bioc.xml) or .json (BioC "
            "JSON)."
        ),
    ],
    ner_model: Annotated[
        list[Path] | None,
        typer.Option(
            "--ner-model",
            help="NER model folder; repeat for several (each entity type from the first that tags it). Default: the "
            "installed ner-bc5cdr, then ner-biored, with their relation models.",
        ),
    ] = None,
    re_model: Annotated[
        list[Path] | None,
        typer.Option(
            "--re-model",
            help="Relation model folder: also extract relations between the normalized entities; repeat for several. "
            "Default: none with --ner-model, else the installed re-bc5cdr and re-biored.",
        ),
    ] = None,
    with_relations: Annotated[
        bool,
        typer.Option(
            "--relations/--no-relations",
            help="With the installed models: extract relations too (--no-relations: entities only).",
        ),
    ] = True,
    normalize: Annotated[
        bool, typer.Option(help="Ground mentions to ontology ids with the term index (needed for relations).")
    ] = True,
    keep_ungrounded: Annotated[
        bool,
        typer.Option(
            help="Keep predicted mentions as tagged (by default a chemical that names only a disease becomes one, a "
            "disease takes one more word where that makes a vocabulary name, and diseases grounded below 0.7 are "
            "dropped: mostly not diseases)."
        ),
    ] = False,
    quantize: Annotated[
        str | None,
        typer.Option(help="int8, bf16 or fp32 NER weights (default: bf16 where the CPU computes in bf16 natively)."),
    ] = None,
    batch_docs: Annotated[int, typer.Option(min=1, help="Documents per inference batch.")] = 64,
    one_type_per_pair: Annotated[
        bool,
        typer.Option(
            help="One relation per entity pair, of BioRED's eight types, as BioCreative VIII scores them: the "
            "relations of the models of BioRED's types alone where there is one, else a cause as "
            "Positive_Correlation and a treatment as Negative_Correlation (by default every model's relations are "
            "written: BC5CDR's CID beside BioRED's type of the same pair)."
        ),
    ] = False,
    strict: Annotated[bool, typer.Option(help="Fail on the first malformed record instead of skipping it.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML settings file (where the term index and data are).")
    ] = None,
) -> None:
    """Find mentions in documents, ground them to ontology ids, optionally extract relations, and
    write everything as JSONL, PubTator (mention lines, then relation lines) or BioC XML/JSON (as
    BioRED and PubTator3 write it), by the name of --out.

    Examples:
      [bold]medkg extract ../shared/data/pubmed/medline16n0902.xml.gz --out extracted.pubtator[/] (the installed models, as `medkg ingest` uses them: BC5CDR's, then BioRED's)
      [bold]medkg extract ../shared/data/pubmed/medline16n0902.xml.gz --ner-model ~/.cache/medkg/models/ner-bc5cdr --re-model ~/.cache/medkg/models/re-bc5cdr --out extracted.jsonl[/] (chemicals, diseases and their causes only)
      [bold]medkg extract ../shared/data/corpora/biored/Dev.PubTator --one-type-per-pair --out biored.pubtator[/] (a BioCreative VIII relation submission)
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.bioc_writer import write_bioc
    from extractors.doc_relations import load_relation_model
    from extractors.ensemble import for_one_type, reads_correlations, relate_with, tag_with
    from extractors.ensemble import one_type_per_pair as one_type
    from extractors.ner import NerModel
    from extractors.pubtator_writer import write_jsonl, write_pubtator
    from kg.store import batched
    from ontologies.treatment import separate_treatments
    from wiring.settings import load_settings

    writers = {
        ".pubtator": write_pubtator,
        ".jsonl": write_jsonl,
        ".xml": lambda d, p: write_bioc(d, p, "xml"),
        ".json": lambda d, p: write_bioc(d, p, "json"),
    }
    with failing():
        if out.suffix.lower() not in writers:
            raise ConfigError(
                f"--out {out}: name it *.jsonl, *.pubtator, *.bioc.xml or *.bioc.json (the format comes from the name)"
            )
        if re_model and not normalize:
            raise ConfigError("--re-model needs normalized entities: drop --no-normalize")
        settings = load_settings(config)
        if not ner_model:
            from flows.ingest import resolve_models

            found_ner, found_re = resolve_models(
                settings,
                [],
                [str(p) for p in re_model or []],
                relations=with_relations and normalize,
                warn=warn,
            )
            ner_model, re_model = [Path(p) for p in found_ner], [Path(p) for p in found_re]
        ners = [NerModel.load(p, quantize=quantize) for p in ner_model]
        normalizer = None
        if normalize:
            with status("loading the term index (built on first use: a few minutes)"):
                normalizer = settings.normalizer()
        relations = [load_relation_model(p) for p in re_model or []]
        if one_type_per_pair:  # BioRED's model's relations alone, where it is one of them
            relations = for_one_type(relations)
        check = None
        if relations and normalizer is not None:
            with status("loading the cause check (trained on first use: about half a minute)"):
                check = settings.cause_checker()
        report = ReadReport()
        docs = (
            d
            for d in read_documents(input, on_error="raise" if strict else "skip", report=report)
            if not d.deleted and d.text
        )
        results: list[Document] = []
        t0 = time.perf_counter()
        with status("extracting") as shown:
            for chunk in batched(docs, batch_docs):
                found = tag_with(ners, chunk, normalizer.fills_gap if normalizer is not None else None)
                if normalizer is not None:
                    found = (
                        normalizer.normalize_documents(found)
                        if keep_ungrounded
                        else normalizer.normalize_predicted(found)
                    )
                if relations:
                    found = relate_with(relations, found)
                    if normalizer is not None:  # as the ingest flow does: treatments are not causes
                        found = separate_treatments(found, normalizer.index.treatment_knowledge())
                    if check is not None:  # and a cause the evidence does not state is an association
                        found = check.apply(found, correlated=reads_correlations(relations))
                    if one_type_per_pair:
                        found = one_type(found)
                results.extend(found)
                shown.update(f"extracting: {len(results)} documents, {len(results) / (time.perf_counter() - t0):.1f}/s")
        if not results and strict:
            raise InputError(f"{input}: no document with text in this file", source=str(input))
    writers[out.suffix.lower()](results, out)
    n = sum(len(d.mentions) for d in results)
    r = sum(len(d.relations) for d in results)
    console.print(
        f"{len(results)} documents, {n} mentions, {r} relations -> {out} ({len(report.skipped)} records skipped)"
    )


@train_app.command("re")
def train_re_cmd(
    train: Annotated[Path, typer.Option(help="Training corpus with relations (BC5CDR, BioRED; PubTator or BioC).")],
    dev: Annotated[Path, typer.Option(help="Development corpus, for early stopping.")],
    out: Annotated[Path, typer.Option(help="Folder for the model artifact.")],
    architecture: Annotated[
        str,
        typer.Option(
            help="'doc': one encoder pass per document, pairs at any distance (fast); 'pair': one pass per mention "
            "pair with entity markers; 'lexical': TF-IDF and logistic regression over each concept pair's words, "
            "trained in minutes, no encoder (BioRED's default: 15 points more pair + type F1 on its dev)."
        ),
    ] = "doc",
    base_model: Annotated[
        str,
        typer.Option(
            help=f"{OFFLINE_ENCODER} (offline), a Hugging Face id, or a local folder; best: the folder of a `medkg "
            "train ner` model of the same training split (its fine-tuned encoder: BC5CDR dev CID 53.41 -> 59.10)."
        ),
    ] = _DOC_RE.base_model,
    epochs: Annotated[
        int | None,
        typer.Option(
            help=f"Epochs (default: the architecture's, {_DOC_RE.epochs} doc, {_PAIR_RE.epochs} pair; fewer when dev "
            "stops improving)."
        ),
    ] = None,
    max_minutes: Annotated[
        float | None,
        typer.Option(
            help=f"Safety cap on wall time (default: {_DOC_RE.max_minutes:g} doc, {_PAIR_RE.max_minutes:g} pair): a "
            "doc run it cuts short keeps its best model and can go on with --resume."
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="doc: go on from where a run cut short by --max-minutes stopped (same other flags).")
    ] = False,
    window: Annotated[
        int | None, typer.Option(help=f"pair: mentions at most this many sentences apart (default {_PAIR_RE.window}).")
    ] = None,
    context_pooling: Annotated[
        bool | None,
        typer.Option(help="doc: ATLOP's localized context pooling (entity pairs read the context both attend to)."),
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(
            help=f"Peak learning rate of the encoder (default {_DOC_RE.learning_rate:g} doc, "
            f"{_PAIR_RE.learning_rate:g} pair)."
        ),
    ] = None,
    known_pairs: Annotated[
        bool | None,
        typer.Option(
            help="doc: keep the training split's relations as a prior (a pair annotated there needs a lower "
            "probability, chosen on dev; on by default)."
        ),
    ] = None,
    set_: SetOpt = None,
    limit: Annotated[int | None, typer.Option(help="Use only the first N training documents.")] = None,
) -> None:
    """Fine-tune a relation model on gold entities; keeps the best dev pair-F1 checkpoint.

    Example: [bold]medkg train re --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt --dev ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt --out runs/re-cdr --base-model runs/ner-bc5cdr[/]
    (the encoder of a NER model trained with `medkg train ner` on the same split)
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.configs import relation_config
    from extractors.doc_relations import train_relation_model
    from extractors.models import relation_measure

    with failing():
        given: dict[str, Any] = {
            "base_model": base_model,
            "epochs": epochs,
            "max_minutes": max_minutes,
            "learning_rate": learning_rate,
        }
        only: dict[str, dict[str, Any]] = {
            "doc": {"context_pooling": context_pooling, "known_pairs": known_pairs},
            "pair": {"window": window},
        }
        for other, fields in only.items():
            if other != architecture and any(v is not None for v in fields.values()):
                raise ConfigError(
                    f"--{'/--'.join(k.replace('_', '-') for k in fields)}: only for --architecture {other}"
                )
        if architecture == "lexical" and (resume or any(v is not None for k, v in given.items() if k != "base_model")):
            raise ConfigError(
                "--epochs/--max-minutes/--learning-rate/--resume: not for --architecture lexical, which fits in "
                "minutes (set its fields with --set, e.g. --set c=3)"
            )
        if architecture == "lexical":
            given = {}  # no encoder
        config = relation_config(architecture, {**given, **only.get(architecture, {})}, set_ or ())
        train_docs, dev_docs = _read(train, limit), _read(dev)
        schedule = (
            f"{config.folds}-fold cross-validation on the training documents chooses the threshold"
            if isinstance(config, LexicalRelationConfig)
            else f"{config.epochs} epochs, capped at {config.max_minutes:g} minutes"
        )
        console.print(
            f"training a {architecture} relation model on {len(train_docs)} documents, {len(dev_docs)} for dev; "
            f"{schedule}"
        )
        card = train_relation_model(train_docs, dev_docs, out, config, data_files=[train, dev], resume=resume)
    epoch = card["metrics"].get("best_epoch")
    console.print(
        f"best dev {relation_measure(card)} F1 "
        f"{card['metrics']['dev']['f1']:.2f}{f' at epoch {epoch}' if epoch is not None else ''} "
        f"({card['train_minutes']} min); saved to {out}"
    )
    _cap_note(card, "medkg train re")
    typer.echo(json.dumps(card["metrics"]["dev"], indent=2))


@train_app.command("known-pairs")
def train_known_pairs_cmd(
    model: Annotated[Path, typer.Option(help="A document-level model folder from `medkg train re`.")],
    train: Annotated[
        Path, typer.Option(help="The corpus the model was trained on: its annotated relations are the known pairs.")
    ],
    dev: Annotated[Path, typer.Option(help="Development corpus: both thresholds are chosen on it.")],
) -> None:
    """Give a relation model the training split's annotated pairs as a prior (such a pair needs a
    lower probability, chosen on dev with the other threshold) without retraining; `medkg train
    re` does this itself.

    Example: [bold]medkg train known-pairs --model runs/re-cdr --train ../shared/data/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt --dev ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.doc_relations import add_known_pairs

    with failing():  # a folder of another kind is refused by DocRelationModel.load
        train_docs, dev_docs = _read(train), _read(dev)
        with status(f"choosing both thresholds on {len(dev_docs)} dev documents"):
            result = add_known_pairs(model, train_docs, dev_docs)
    console.print(
        f"{result['known_pairs']} known pairs saved to {model}; dev pair F1 {result['before']['f1']:.2f} -> "
        f"{result['after']['f1']:.2f}"
    )
    typer.echo(json.dumps(result, indent=2))


@evaluate_app.command("re")
def evaluate_re_cmd(
    model: Annotated[Path, typer.Option(help="A model folder from `medkg train re`.")],
    data: Annotated[Path, typer.Option(help="Annotated corpus with gold entities and relations.")],
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Probability above which a pair is a relation (default: the model's own, 0.5 for a pair classifier)."
        ),
    ] = None,
    known_pairs: Annotated[
        bool,
        typer.Option(
            help="document-level models: pairs annotated in the training split need only the model's known-pairs "
            "threshold."
        ),
    ] = True,
) -> None:
    """Document-level relation precision, recall and F1 with gold entities, plus speed, as JSON.

    Example: [bold]medkg evaluate re --model runs/re-cdr --data ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt[/]
    """  # noqa: E501 (examples run as printed, one line each)
    from extractors.doc_relations import DocRelationModel, load_relation_model
    from extractors.lexical_relations import LexicalRelationModel
    from extractors.relations import pair_scores

    with failing():
        rm = load_relation_model(model)
        gold = _read(data)
        t0 = time.perf_counter()
        pred = (
            rm.predict(gold, threshold, known_pairs=known_pairs)
            if isinstance(rm, DocRelationModel)
            else rm.predict(gold, threshold)
            if isinstance(rm, LexicalRelationModel)
            else rm.predict(gold, 0.5 if threshold is None else threshold)
        )
        seconds = time.perf_counter() - t0
    scores = pair_scores(gold, pred, rm._symmetric)
    scores["speed"] = {
        "documents": len(gold),
        "seconds": round(seconds, 2),
        "abstracts_per_s": round(len(gold) / seconds, 1),
    }
    typer.echo(json.dumps(scores, indent=2))


models_app = typer.Typer(
    help="Package trained models, install them elsewhere, list what is installed.", no_args_is_help=True
)


def _models_dir(config: Path | None) -> Path:
    from wiring.settings import load_settings

    return load_settings(config).home / "models"


@models_app.command("list")
def models_list_cmd(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")] = None,
) -> None:
    """The installed models (MEDKG_HOME/models) with their task and best dev score, as JSON.

    Example: [bold]medkg models list[/]
    """
    from extractors.packaging import list_models

    with failing():
        rows = list_models(_models_dir(config))
    typer.echo(json.dumps(rows, indent=2))


@models_app.command("package")
def models_package_cmd(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Installed model names or model folders (default: those `medkg run` uses: ner-bc5cdr, re-bc5cdr, "
            "ner-biored, re-biored, and the phenotype encoder where it is installed)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the archive.")] = Path("dist"),
    name: Annotated[str | None, typer.Option(help="Archive name (default: the model names joined by '+').")] = None,
    index: Annotated[
        bool,
        typer.Option(
            help="Also carry the term index built here (about 130 MB; saves the ten minutes `medkg run` takes to build "
            "it where the vocabulary files are the same)."
        ),
    ] = True,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")] = None,
) -> None:
    """Pack trained models into one archive with checksums and their cards, to install elsewhere,
    with the term index built here (unless --no-index).

    Train once where it is fast (a GPU, a CPU with native bf16), package, install everywhere.

    Example: [bold]medkg models package --out dist --name bc5cdr[/], copy dist/bc5cdr.medkg.tar.gz,
    then on the other machine [bold]medkg models install bc5cdr.medkg.tar.gz[/] and [bold]medkg run[/].
    """
    from extractors.packaging import package_models
    from wiring.settings import load_settings

    with failing():
        settings = load_settings(config)
        home = settings.home / "models"
        from wiring.diagnosis import phenotype_encoder_dir

        used = [
            p
            for p in [*settings.ner_model_dirs(), *settings.re_model_dirs(), phenotype_encoder_dir(settings)]
            if (p / "medkg.json").is_file()
        ]
        folders = (
            [Path(n).expanduser() if Path(n).expanduser().is_dir() else home / n for n in names]
            if names
            else used or [home / "ner-bc5cdr", home / "re-bc5cdr"]
        )
        extras = []
        if index:
            built = _built_index(settings)
            if built is None:
                console.print(
                    "[yellow]no term index built here for these vocabulary files yet (`medkg run` builds one); "
                    "packaging the models only[/]"
                )
            else:
                extras.append((f"index/{built.name}", built))
        # the cause check trained here travels with the models (a site without the corpora uses it);
        # one of an older format would not be read there
        from extractors.cause_check import FORMAT

        checks = sorted(
            (settings.home / "cause-check").glob(f"cause-check-v{FORMAT}-*.json"), key=lambda p: p.stat().st_mtime
        )
        extras += [(f"cause-check/{p.name}", p) for p in checks[-1:]]
        archive = package_models(folders, out, name=name, extras=extras)
    what = f"{len(folders)} models" + (" and the term index" if any(r.startswith("index/") for r, _ in extras) else "")
    what += " and the cause check" if checks else ""
    console.print(
        f"{what} -> {archive} ({archive.stat().st_size / 1e6:.1f} MB); install with: medkg models install {archive}",
        soft_wrap=True,
    )  # paths stay whole, whatever the terminal's width


def _built_index(settings: Settings) -> Path | None:
    """The term index built for these settings, when there is one (none when the vocabulary
    files are missing too)."""
    try:
        path = settings.term_index_path(fetch=False)
    except OSError:
        return None
    return path if path.is_file() else None


@models_app.command("install")
def models_install_cmd(
    archive: Annotated[Path, typer.Argument(help="An archive from `medkg models package`.")],
    force: Annotated[bool, typer.Option(help="Replace installed models of the same names.")] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")] = None,
) -> None:
    """Install packaged models where every command finds them (MEDKG_HOME/models), and the term
    index when the package carries one (MEDKG_HOME/index); every file's checksum is checked first.
    `medkg run` then uses them instead of training and building.

    Example: [bold]medkg models install dist/bc5cdr.medkg.tar.gz[/]
    """
    from extractors.packaging import install_models
    from wiring.settings import load_settings

    with failing():
        settings = load_settings(config)
        installed = install_models(archive, settings.home / "models", force=force, extras_dir=settings.home)
    for path in installed:
        console.print(f"installed {path}", soft_wrap=True)
    indexes = [p for p in installed if p.parent == settings.home / "index"]
    if indexes:
        try:
            here = settings.term_index_path().name  # fetches the vocabularies the index was built with
        except (OSError, MedkgError):
            here = None
        if any(p.name == here for p in indexes):
            console.print(
                f"the term index matches the vocabulary files in {settings.data_dir}: `medkg run` uses it",
                soft_wrap=True,
            )
        else:
            console.print(
                "[yellow]the packaged term index was built from other vocabulary files than those in "
                f"{settings.data_dir} "
                "(or by another medkg version): `medkg run` builds its own[/]",
                soft_wrap=True,
            )


@models_app.command("promote")
def models_promote_cmd(
    candidate: Annotated[Path, typer.Argument(help="A trained model folder (e.g. from `medkg train ner --out ...`).")],
    name: Annotated[str, typer.Option(help="The registry name it takes: ner-bc5cdr, re-bc5cdr...")],
    force: Annotated[
        bool, typer.Option(help="Promote even when its dev score is worse than the current model's.")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")] = None,
) -> None:
    """Make a trained model the current one under NAME (MEDKG_HOME/models/NAME), which every
    command, flow and the API load, when its dev score is not worse; the replaced model is kept
    for `medkg models rollback`.

    Example: [bold]medkg models promote runs/ner-new --name ner-bc5cdr[/]
    """
    from extractors.registry import promote

    with failing():
        result = promote(candidate.expanduser(), _models_dir(config), name, force=force)
    console.print(str(result), soft_wrap=True)


@models_app.command("rollback")
def models_rollback_cmd(
    name: Annotated[str, typer.Argument(help="The registry name: ner-bc5cdr, re-bc5cdr...")],
    config: Annotated[Path | None, typer.Option("--config", "-c", help="YAML settings file.")] = None,
) -> None:
    """Bring back the model the last promotion of NAME replaced (run it again to undo).

    Example: [bold]medkg models rollback ner-bc5cdr[/]
    """
    from extractors.registry import rollback

    with failing():
        folder = rollback(_models_dir(config), name)
    console.print(f"{name}: {folder} is the previous model again", soft_wrap=True)
