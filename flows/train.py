"""The training flow: fine-tune the NER and relation models as Prefect tasks (for the scheduled
training deployment); the CLI's ``medkg train`` commands call the same library functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from diagnosis.configs import DiagnosisConfig, SimulationConfig
from extractors.configs import DocRelationConfig, NerConfig, relation_config
from kg.encoders import OFFLINE_ENCODER
from readers import read_documents


@task(name="train-ner")
def train_ner_task(
    train: str,
    dev: str,
    out: str,
    max_minutes: float,
    base_model: str,
    limit: int | None = None,
    canonical_types: bool = False,
    resume: bool = False,
    progress: bool = False,
    held_out_every: int | None = None,
    together: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Train one tagger, or with ``together`` (each: train, dev, out, canonical_types,
    held_out_every) several with one encoder (``extractors.ner.train_taggers``); their cards."""
    from extractors.ner import TaggerData, train_taggers

    specs = [
        {"train": train, "dev": dev, "out": out, "canonical_types": canonical_types, "held_out_every": held_out_every},
        *(together or []),
    ]
    taggers, splits = [], []
    for spec in specs:
        train_docs, dev_docs, split = _split(spec["train"], spec["dev"], limit, spec["held_out_every"])
        files = [Path(spec["train"]), Path(spec["dev"])]
        taggers.append(TaggerData(train_docs, dev_docs, Path(spec["out"]), spec["canonical_types"], files))
        splits.append(split)
    config = NerConfig(max_minutes=max_minutes, base_model=base_model, canonical_types=canonical_types)
    cards = train_taggers(taggers, config, progress=progress, resume=resume)
    return [_note_split(str(t.out), card, split) for t, card, split in zip(taggers, cards, splits, strict=True)]


@task(name="train-re")
def train_re_task(
    train: str,
    dev: str,
    out: str,
    max_minutes: float,
    base_model: str,
    architecture: str = "doc",
    limit: int | None = None,
    resume: bool = False,
    progress: bool = False,
    held_out_every: int | None = None,
) -> dict[str, Any]:
    from extractors.doc_relations import train_relation_model

    train_docs, dev_docs, split = _split(train, dev, limit, held_out_every)
    card = train_relation_model(
        train_docs,
        dev_docs,
        out,
        relation_config(
            architecture, {} if architecture == "lexical" else {"base_model": base_model, "max_minutes": max_minutes}
        ),
        data_files=[Path(train), Path(dev)],
        progress=progress,
        resume=resume,
    )
    return _note_split(out, card, split)


def _split(
    train: str, dev: str, limit: int | None, held_out_every: int | None
) -> tuple[list[Any], list[Any], str | None]:
    """The training documents (the training split and the dev documents that join it), the
    held-out dev documents (``extractors.training.split_dev``), and how a card names them."""
    from extractors.training import dev_split_label, split_dev

    joins, held = split_dev(list(read_documents(dev))[:limit], held_out_every)
    return list(read_documents(train))[:limit] + joins, held, dev_split_label(dev, held_out_every, len(joins))


def _note_split(out: str, card: dict[str, Any], split: str | None) -> dict[str, Any]:
    """The card with the dev documents its scores come from (``dev_split``), also on disk."""
    from extractors.models import write_card

    card = {**card, "dev_split": split}
    write_card(Path(out), card)
    return card


def _trained_with(settings: Any, chosen: Any, models: Path, missing_only: bool) -> list[Any]:
    """The model sets whose tagger trains together with ``chosen``'s (``ModelSet.ner_with``: one
    encoder, read once per window by the pipeline), where the pipeline runs that set and, for
    ``medkg run`` (``missing_only``), its tagger is not trained yet."""
    from extractors.registry import model_state

    running = {m.name for m in settings.model_sets()}
    return [
        settings.model_set(name)
        for name in chosen.ner_with
        if name in running and not (missing_only and model_state(models / f"ner-{name}") == "done")
    ]


def _partner_dir(models: Path, name: str, resume: bool) -> Path:
    """Where a tagger trained with another writes: an empty candidate, or when their training goes
    on from a checkpoint, where it wrote before (the registry's copy when a time cap cut it short
    and it was promoted as it was, ``registry.training_dir``)."""
    from extractors.registry import CANDIDATES, candidate_dir, model_state, training_dir

    if not resume:
        return candidate_dir(models, name)
    if model_state(models / name) == "resumable":
        return training_dir(models, name)[0]
    return models / CANDIDATES / name


def outdated(folder: Path, architecture: str) -> bool:
    """The relation model in ``folder`` is of another architecture than its set's (an older
    medkg's fine-tuned BioRED model, where the set now fits the lexical one), or a lexical model
    of an older pair description (``extractors.lexical_relations.FEATURES``): ``medkg run`` fits
    the set's beside it, and the registry keeps the better on dev; one kept over the set's
    architecture that way is not challenged again."""
    from extractors.models import read_card
    from extractors.registry import has_model

    if not has_model(folder):
        return False
    card = read_card(folder)
    wanted = _edition(architecture)
    return card.get("kept_over") != wanted and _edition(card.get("architecture", architecture), card) != wanted


def _edition(architecture: str, card: dict[str, Any] | None = None) -> str:
    """The architecture, and for the lexical one the version of its pair description (the
    card's, or this medkg's without a card): "lexical-2"."""
    if architecture != "lexical":
        return architecture
    from extractors.lexical_relations import FEATURES

    return f"lexical-{card.get('features', 1) if card is not None else FEATURES}"


@flow(name="medkg-train")
def train_models(
    train: str | None = None,
    dev: str | None = None,
    out_dir: str | None = None,
    ner_minutes: float = NerConfig().max_minutes,
    re_minutes: float = DocRelationConfig().max_minutes,
    base_model: str = OFFLINE_ENCODER,
    re_architecture: str | None = None,
    limit: int | None = None,
    model_set: str = "bc5cdr",
    missing_only: bool = False,
    progress: bool = False,
    config: str | None = None,
) -> dict[str, Any]:
    """Fine-tune both models of one model set (``bc5cdr`` or ``biored``: ``wiring.settings.MODEL_SETS``)
    by their configured epochs (the minutes are safety caps), the relation model from the new NER
    model's encoder (BC5CDR dev CID 53.41 -> 59.10 over the plain base model), and promote each
    into the model registry (``out_dir``, default MEDKG_HOME/models, as ``ner-<set>`` and
    ``re-<set>``: what ingestion and the API load) only when its dev score is not worse than the
    current one's on the same dev documents. ``train``/``dev`` default to the set's corpus in
    MEDKG_DATA_DIR; where the set says so (``ModelSet.dev_held_out_every``: BC5CDR, whose dev split
    is as large as its training split) most dev documents train too and the rest are held out to
    choose the epoch and thresholds and to score. ``limit`` trains on the first documents only (a
    quick check). ``re_architecture``: the set's (``ModelSet.re_architecture``) unless given.

    A set's tagger trains together with the taggers of the sets it names (``ModelSet.ner_with``:
    BC5CDR's with BioRED's, one encoder that the pipeline reads once per window for both;
    ``extractors.ner.train_taggers``), where the pipeline runs them and, for ``missing_only``,
    they are missing too; each is promoted by its own dev score. A set whose tagger another set
    trains (BioRED's) trains only its relation model unless its tagger is missing.

    ``missing_only`` (what ``medkg run`` asks for) trains only what the registry lacks: a model
    whose training ended is kept, one a time cap or a kill cut short goes on from its checkpoint,
    and a relation model is trained again only for a new NER model or when it is of another
    architecture than the set's (``outdated``). Returns the dev metrics, what
    was promoted, which trainings went on from a checkpoint (``resumed``), and a line for each model
    a time cap cut short (``notes``)."""
    from extractors.registry import candidate_dir, model_state, promote, training_dir
    from extractors.training import cap_note
    from wiring.settings import load_settings

    settings = load_settings(Path(config) if config else None)
    chosen = settings.model_set(model_set)
    train = train or str(settings.data_dir / chosen.train)
    dev = dev or str(settings.data_dir / chosen.dev)
    models = Path(out_dir) if out_dir else settings.models_dir
    ner_name, re_name = f"ner-{chosen.name}", f"re-{chosen.name}"
    architecture = re_architecture or chosen.re_architecture
    # A tagger another set's training trains (``ModelSet.ner_with``) is trained here only when missing.
    trained_by_other = any(chosen.name in m.ner_with for m in settings.model_sets())
    train_ner = model_state(models / ner_name) != "done" or not (missing_only or trained_by_other)
    stale = outdated(models / re_name, architecture)
    train_re = train_ner or model_state(models / re_name) != "done" or stale
    result: dict[str, Any] = {"ner": None, "re": None, "trained_with": {}, "promoted": {}, "resumed": [], "notes": []}
    logger = get_run_logger()

    def finish(name: str, folder: Path, card: dict[str, Any], command: str) -> Path:
        promotion = promote(folder, models, name)
        logger.info("%s", promotion)
        result["promoted"][name] = promotion.promoted
        note = cap_note(card, "the next `medkg run`" if missing_only else f"`{command} ... --resume` (the same flags)")
        if note:
            result["notes"].append(f"{name}: {note}")
        return models / name if promotion.promoted else folder

    base_for_re = models / ner_name
    if train_ner:
        ner_dir, resume = training_dir(models, ner_name) if missing_only else (candidate_dir(models, ner_name), False)
        result["resumed"] += [ner_name] if resume else []
        partners = _trained_with(settings, chosen, models, missing_only)
        together = [
            {
                "train": str(settings.data_dir / other.train),
                "dev": str(settings.data_dir / other.dev),
                "out": str(_partner_dir(models, f"ner-{other.name}", resume)),
                "canonical_types": other.canonical_types,
                "held_out_every": other.dev_held_out_every,
            }
            for other in partners
        ]
        cards = train_ner_task(
            train,
            dev,
            str(ner_dir),
            ner_minutes,
            base_model,
            limit,
            chosen.canonical_types,
            resume,
            progress,
            chosen.dev_held_out_every,
            together,
        )
        result["ner"] = cards[0]["metrics"]
        base_for_re = finish(ner_name, ner_dir, cards[0], "medkg train ner")
        for other, spec, card in zip(partners, together, cards[1:], strict=True):
            result["trained_with"][f"ner-{other.name}"] = card["metrics"]
            finish(f"ner-{other.name}", Path(spec["out"]), card, "medkg train ner")
    if train_re:
        # A new NER model means a new relation model: it starts from that model's encoder.
        re_dir, resume = (
            training_dir(models, re_name) if missing_only and not train_ner else (candidate_dir(models, re_name), False)
        )
        result["resumed"] += [re_name] if resume else []
        card = train_re_task(
            train,
            dev,
            str(re_dir),
            re_minutes,
            str(base_for_re),
            architecture,
            limit,
            resume,
            progress,
            chosen.dev_held_out_every,
        )
        result["re"] = card["metrics"]
        finish(re_name, re_dir, card, "medkg train re")
        if stale and not result["promoted"][re_name]:  # the installed one stays, and is not challenged again
            from extractors.models import read_card, write_card

            write_card(models / re_name, {**read_card(models / re_name), "kept_over": _edition(architecture)})
    return result


@task(name="train-diagnosis")
def train_diagnosis_task(diseases: int, max_minutes: float, text_max_minutes: float, base_model: str) -> dict[str, Any]:
    from wiring.diagnosis import train_diagnosis_into_registry
    from wiring.settings import load_settings

    settings = load_settings()
    report = train_diagnosis_into_registry(
        settings,
        SimulationConfig(diseases=diseases),
        DiagnosisConfig(max_minutes=max_minutes, text_max_minutes=text_max_minutes, base_model=base_model),
        progress=False,
    )
    get_run_logger().info("%s", report["promotion"])
    return report


@flow(name="medkg-train-diagnosis")
def train_diagnosis_flow(
    diseases: int = SimulationConfig().diseases,
    max_minutes: float = DiagnosisConfig().max_minutes,
    text_max_minutes: float = DiagnosisConfig().text_max_minutes,
    base_model: str = DiagnosisConfig().base_model,
) -> dict[str, Any]:
    """Simulate patients from the graph's HPO annotations, fine-tune the diagnosis models, and
    return the evaluation of the three systems on held-out cases (as `medkg train diagnosis`); the
    new models replace MEDKG_HOME/models/diagnosis only when their dev acc@1 is not worse."""
    return train_diagnosis_task(diseases, max_minutes, text_max_minutes, base_model)
