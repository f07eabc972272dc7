"""Several models over the same documents: each entity type from the first model that tags it,
each relation from every relation model.

medkg's default set is two pairs of models: BC5CDR's (chemicals, diseases and chemical-induced
disease, the corpus made for them) and BioRED's (genes, variants, species, cell lines and eight
relation types between any of them). A type the first NER model tags is taken from it alone; a
later model adds its mentions of the other types, and where such a mention overlaps an earlier
model's, the later one wins: a model that never learned genes tags many gene products as
chemicals ("APOE", "syndecan-1"), and one that learned both tells them apart (BENCHMARKS.md,
"BioRED").

A later model's mention of a type an earlier model tags is added where the earlier models tagged
nothing (or only shorter mentions inside it), when the caller's ``fill`` accepts it: the
pipeline's normalizer takes a disease BioRED's model finds in a gap, or longer than BC5CDR's,
when it names a disease exactly (``ontologies.normalizer.Normalizer.fills_gap``; BENCHMARKS.md,
sessions 34 and 40).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from extractors.abbreviations import short_forms_as_defined
from kg.schema import predicate
from kg.types import Document, Mention, Relation


class Tagger(Protocol):
    types: list[str]

    def predict(self, docs: Sequence[Document]) -> list[Document]: ...


class RelationPredictor(Protocol):
    def predict(self, docs: Sequence[Document]) -> list[Document]: ...


def tag_with(
    models: Sequence[Tagger], docs: Sequence[Document], fill: Callable[[Document, Mention], bool] | None = None
) -> list[Document]:
    """The documents' mentions from ``models``: the first model's, then from each next model its
    mentions of types no earlier model tags, each replacing the mentions it overlaps, and those of
    the other types that ``fill`` accepts where no mention is (``_fill``); then a short form the
    document defines is of its long form's type, whichever model tagged it
    (``abbreviations.short_forms_as_defined``)."""
    if not models:
        return list(docs)
    taken_before: list[set[str]] = []  # per model, the types the models before it tag
    taken: set[str] = set()
    for model in models:
        taken_before.append(set(taken))
        taken |= set(model.types)
    new_types = [set(model.types) - before for model, before in zip(models, taken_before, strict=True)]
    needed = [i for i in range(len(models)) if i == 0 or new_types[i] or fill is not None]
    predicted = dict(zip(needed, _predict([models[i] for i in needed], docs), strict=True))
    out = predicted[0]
    for i in needed[1:]:
        added = new_types[i]
        out = [
            _fill(_add(doc, [m for m in more.mentions if m.label in added]), more.mentions, taken_before[i], fill)
            for doc, more in zip(out, predicted[i], strict=True)
        ]
    return [short_forms_as_defined(doc) for doc in out] if len(models) > 1 else out


def _predict(models: Sequence[Tagger], docs: Sequence[Document]) -> list[list[Document]]:
    """Each model's predictions; NER models that share encoder layers read each window once
    (``extractors.ner.predict_together``)."""
    from extractors.ner import NerModel, predict_together

    ners = [m for m in models if isinstance(m, NerModel)]
    out = dict(zip(map(id, ners), predict_together(ners, docs), strict=True))
    return [out[id(m)] if id(m) in out else m.predict(docs) for m in models]


def _fill(
    doc: Document, more: Sequence[Mention], taken: set[str], fill: Callable[[Document, Mention], bool] | None
) -> Document:
    """``doc`` with those of ``more`` (of the ``taken`` types) that ``fill`` accepts where no
    mention is, or over shorter mentions that lie inside them: of another type ("G6PD deficiency"
    over the chemical "G6PD", "iron overload" over "iron") or of its own ("aggressive
    periodontitis" over "periodontitis", "type 2B von Willebrand disease" over "von Willebrand
    disease"; BENCHMARKS.md, session 40). A mention that only overlaps, or has the same span as one
    already there, is not taken."""
    if fill is None:
        return doc
    mentions = list(doc.mentions)
    added = False
    for m in more:
        if m.label not in taken:
            continue
        under = [o for o in mentions if o.start < m.end and m.start < o.end]
        if any(not (m.start <= o.start and o.end <= m.end) or o.end - o.start == m.end - m.start for o in under):
            continue
        if fill(doc, m):
            mentions = [o for o in mentions if o not in under] + [m]
            added = True
    if not added:
        return doc
    return replace(doc, mentions=tuple(sorted(mentions, key=lambda m: (m.start, m.end))))


def _add(doc: Document, more: Sequence[Mention]) -> Document:
    kept = [o for o in doc.mentions if not any(o.start < m.end and m.start < o.end for m in more)]
    return replace(doc, mentions=tuple(sorted([*kept, *more], key=lambda m: (m.start, m.end))))


def relate_with(models: Sequence[RelationPredictor], docs: Sequence[Document]) -> list[Document]:
    """The documents with the relations of every model in ``models`` (each reads the same
    mentions; a model sees only the type pairs it was trained on), first model's first."""
    if not models:
        return list(docs)
    found: list[list[Relation]] = [[] for _ in docs]
    for model in models:
        for i, doc in enumerate(model.predict(docs)):
            seen = {(r.subject, r.predicate, r.object) for r in found[i]}
            found[i].extend(r for r in doc.relations if (r.subject, r.predicate, r.object) not in seen)
    return [replace(doc, relations=tuple(rels)) for doc, rels in zip(docs, found, strict=True)]


def reads_correlations(models: Iterable[Any]) -> bool:
    """Whether one of the relation ``models`` relates pairs by BioRED's types (it can answer
    Positive_Correlation): the cause check's agreement needs one (``extractors.cause_check``)."""
    return any("Positive_Correlation" in (getattr(m, "labels", None) or ()) for m in models)


# BioRED's eight relation types, and what BC5CDR's and the treatment split's types are in them (BioRED's
# guidelines: a chemical that induces a disease is a Positive_Correlation, one that treats it a
# Negative_Correlation).
BIORED_TYPES = (
    "Association",
    "Positive_Correlation",
    "Negative_Correlation",
    "Bind",
    "Cotreatment",
    "Comparison",
    "Drug_Interaction",
    "Conversion",
)
AS_BIORED_TYPE = {
    predicate("CID").curie: "Positive_Correlation",
    predicate("treats").curie: "Negative_Correlation",
}


def one_type_per_pair(docs: Sequence[Document]) -> list[Document]:
    """The documents with one relation per concept pair, of one of BioRED's types, as BioCreative
    VIII's relation task asks: where several models related a pair (BC5CDR's chemical-induced
    disease and BioRED's Association), the type of a model trained on BioRED's types (its
    relations carry BioRED's novelty flag) wins, then any other relation of a BioRED type, then a
    cause as a Positive_Correlation and a treatment as a Negative_Correlation. BioRED dev, gold
    entities: pair + type F1 48.07 as two models' relations, 49.64 so (BENCHMARKS.md, session 35);
    from the relations of ``for_one_type``'s models alone 49.82, and 50.02 with BioRED's variant ids
    read whole and its model fitted again (session 38)."""
    out = []
    for doc in docs:
        chosen: dict[frozenset[str], Relation] = {}
        rank: dict[frozenset[str], int] = {}
        for r in doc.relations:
            if r.predicate in BIORED_TYPES:
                r_rank = 0 if r.novel is not None else 1
            elif (as_type := AS_BIORED_TYPE.get(predicate(r.predicate).curie)) is not None:
                r, r_rank = replace(r, predicate=as_type), 2
            else:
                continue
            pair = frozenset((r.subject, r.object))
            if pair not in chosen or r_rank < rank[pair]:
                chosen[pair], rank[pair] = r, r_rank
        out.append(replace(doc, relations=tuple(chosen.values())))
    return out


def for_one_type(models: Sequence[Any]) -> list[Any]:
    """The relation models whose relations ``one_type_per_pair`` should get: those that predict
    BioRED's types (their ``labels``) where there is one, else all. Another model's causes and
    treatments only cost pair + type F1 beside them (BioRED train, the lexical model's out-of-fold
    probabilities and BC5CDR's relation model, gold entities: 52.11 alone, 51.91 with BC5CDR's causes
    as Positive_Correlation; BioRED dev 49.82 and 49.64; BENCHMARKS.md, session 38)."""
    typed = [m for m in models if any(label in BIORED_TYPES for label in getattr(m, "labels", ()))]
    return typed or list(models)


class Taggers:
    """Several NER models as one (``tag_with``), for code that holds one tagger (the API)."""

    def __init__(self, models: Sequence[Tagger], fill: Callable[[Document, Mention], bool] | None = None) -> None:
        self.models = list(models)
        self.fill = fill
        self.types = sorted({t for m in self.models for t in m.types})

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        return tag_with(self.models, docs, self.fill)


class RelationModels:
    """Several relation models as one (``relate_with``)."""

    def __init__(self, models: Sequence[RelationPredictor]) -> None:
        self.models = list(models)

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        return relate_with(self.models, docs)
