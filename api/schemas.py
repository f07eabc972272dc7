"""The API's contract: request and response bodies as pydantic models, so that ``/openapi.json``
describes what the endpoints really send (FastAPI validates each response against them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer (FastAPI's own validation errors included: status 422)."""

    error: str = Field(
        description="A short machine-readable code: bad_request, unauthorized, forbidden, refused, not_found, "
        "query_timeout, query_failed, payload_too_large, text_too_long, empty_text, bad_text, "
        "not_ready, internal_error..."
    )
    detail: str = Field(description="What went wrong, for a person.")


class ExtractRequest(BaseModel):
    text: str = Field(description="The text to analyse (an abstract, a case report...).")


class PredictRequest(BaseModel):
    text: str = Field(description="The case: symptoms, signs, findings, exposures, in words.")
    top_k: int = Field(default=5, ge=1, le=50, description="How many ranked diagnoses to return.")
    setting: Literal["rare", "general"] = Field(
        default="rare",
        description="Where the patient is seen: rare (a rare-disease clinic: every disease equally likely before "
        "the findings) or general (general practice: diseases outside OMIM, Orphanet and DECIPHER twice as likely, "
        "the text also compared with each disease's description, diseases whose names everyday English writes often "
        "weighed up).",
    )


class QueryRequest(BaseModel):
    cypher: str = Field(description="A read-only Cypher query (one statement).")
    params: dict[str, Any] = Field(default_factory=dict, description="Values of the query's $parameters.")


class ModelVersion(BaseModel):
    task: str | None = None
    dev_f1: float | None = Field(default=None, description="Best dev F1 of the model card.")
    dev_acc: float | None = Field(default=None, description="Best dev acc@1 (the diagnosis ranker's card).")
    best_epoch: int | None = None
    data_hash: str | None = Field(default=None, description="First 12 characters of the training data's hash.")
    more: list[ModelVersion] | None = Field(
        default=None, description="The other models of the same task that also serve."
    )


class Health(BaseModel):
    status: str
    models: dict[str, ModelVersion | None] = Field(
        description="ner, relations and diagnosis: which model versions serve (null: none loaded)."
    )


class Ready(BaseModel):
    ready: bool
    checks: dict[str, bool] = Field(
        description="store, ner, normalizer, relations, diagnosis (the model: every setting), diagnosis_general "
        "(the general setting, which needs no model): loaded and answering."
    )


class Grounding(BaseModel):
    curie: str
    name: str
    score: float
    taxon: str = Field(
        "", description="a gene's species (NCBITaxon:9606 human, NCBITaxon:10090 mouse); empty otherwise"
    )


class ExtractedMention(BaseModel):
    start: int
    end: int
    text: str
    label: str
    score: float
    groundings: list[Grounding]


class ExtractedRelation(BaseModel):
    subject: str
    predicate: str
    object: str
    score: float
    novel: bool | None = Field(
        None,
        description="BioRED's novelty: the text reports the relation as its own finding (true) or as background "
        "(false); null where the relation model says nothing (BC5CDR's).",
    )
    sentence: str | None = None


class Extraction(BaseModel):
    mentions: list[ExtractedMention]
    relations: list[ExtractedRelation]


class Finding(BaseModel):
    start: int
    end: int
    text: str
    curie: str
    name: str
    category: str
    source: str
    negated: bool = Field(False, description='Found and denied in the text ("no fever"); never counts for a disease.')


class EvidenceFact(BaseModel):
    fact: str
    curies: list[str]
    pmids: list[str]
    source: str
    matches_case: bool


class Diagnosis(BaseModel):
    curie: str
    name: str
    score: float
    confidence: float = Field(
        description="Calibrated probability that this is the diagnosis (softmax over the re-ranked candidates, "
        "temperature chosen on dev cases; general setting: over every candidate's fused score); 0 for candidates "
        "not re-ranked."
    )
    phenotype_similarity: float
    description_similarity: float | None = Field(
        None,
        description="The case text's cosine with the disease's description (name, definition, phenotypes); "
        "general setting only, where it is fused with the phenotype similarity to rank the candidates.",
    )
    familiarity: float | None = Field(
        None,
        description="How often everyday English writes the disease's name, as the weight (0-1, the most familiar "
        "disease 1) its fused score was multiplied by; general setting only (diagnosis.familiarity).",
    )
    evidence: list[EvidenceFact]


class Prediction(BaseModel):
    entities: list[Finding]
    confident: bool = Field(
        description="False: no confident diagnosis (too few findings, or the first candidate's probability "
        "is below 0.5); the candidates are still listed."
    )
    note: str = Field(description="Why there is no confident diagnosis; empty when there is one.")
    setting: str = Field(description="The setting the diagnoses were ranked for (rare or general).")
    diagnoses: list[Diagnosis]


class QueryResult(BaseModel):
    rows: list[dict[str, Any]]
    row_count: int
    truncated: bool = Field(description="True when the query had more rows than the server returns.")


class EntityRef(BaseModel):
    curie: str
    name: str | None = None


class Neighbour(BaseModel):
    predicate: str = Field(description="A Biolink predicate CURIE (biolink:causes, biolink:has_phenotype...).")
    direction: str = Field(description="out: the entity is the subject; in: the object.")
    curie: str
    name: str | None = None
    evidence: int | None = Field(default=None, description="Statements (or phenotype sources) behind the edge.")
    pmids: list[str] | None = None
    frequency: float | None = Field(default=None, description="has_phenotype only: the annotation's frequency.")


class EntityAnswer(BaseModel):
    curie: str
    name: str | None = None
    category: str | None = None
    xrefs: list[str] | None = None
    in_taxon: str | None = Field(
        default=None, description="A gene's species (NCBITaxon:9606 human, NCBITaxon:10090 mouse)."
    )
    parents: list[EntityRef]
    articles: int = Field(description="Articles that mention the entity.")
    neighbour_count: int
    neighbours: list[Neighbour]
