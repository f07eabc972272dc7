"""medkg's settings: ``MEDKG_*`` environment variables, optionally a YAML file.

Hosts and secrets come only from the environment; a YAML file (``MEDKG_CONFIG`` or ``--config``)
may set the rest. An unknown key or a wrong type fails loudly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from kg.errors import ConfigError
from kg.store import GraphStore

_SECRET_KEYS = {"neo4j_uri", "neo4j_user", "neo4j_password", "api_key"}


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
    batch_size: int = Field(5000, ge=1)  # rows per write transaction (MEDKG_BATCH_SIZE)
    query_timeout_s: float = Field(60.0, gt=0)  # a read query (CLI, API) is stopped after this long
    # Longer texts are not extracted (reported as skipped): a 5 MB "abstract" would hold a run for
    # many minutes and gigabytes. 500,000 characters is about five long full-text articles.
    max_document_chars: int = Field(500_000, ge=1_000)
    api_key: SecretStr | None = None  # MEDKG_API_KEY: required by POST /v1/query
    # Annotated training corpora whose gold names join the term index as synonyms.
    dictionary_corpora: list[Path] | None = None
    # The encoder that embeds disease names for the normalizer's dense fallback (an id or folder
    # NameEncoder accepts); empty: TF-IDF only (MEDKG_NORMALIZER_ENCODER="").
    normalizer_encoder: str = "all-minilm-l6-v2"
    # What embeds mentions: "static", the query encoder distilled from it when the index is built
    # (1.5-2x the mentions/s), or "full", the encoder itself (MEDKG_NORMALIZER_QUERY_ENCODER).
    normalizer_query_encoder: Literal["static", "full"] = "static"
    # The models every command, flow and the API use unless told otherwise: MEDKG_HOME/models/
    # ner-bc5cdr and re-bc5cdr (where `medkg run`, the training flow and `medkg models install`
    # put them), or these folders (MEDKG_NER_MODEL, MEDKG_RE_MODEL).
    ner_model: Path | None = None
    re_model: Path | None = None
    # The folder the scheduled `pubmed-updates` deployment ingests (MEDKG_WATCH_DIR; default
    # MEDKG_HOME/updates).
    watch_dir: Path | None = None

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    def ner_model_dir(self) -> Path:
        return self.ner_model or self.models_dir / "ner-bc5cdr"

    def re_model_dir(self) -> Path:
        return self.re_model or self.models_dir / "re-bc5cdr"

    def updates_dir(self) -> Path:
        return self.watch_dir or self.home / "updates"

    def normalizer_corpora(self) -> list[Path]:
        """The training splits used as extra dictionaries (never a split that is evaluated)."""
        if self.dictionary_corpora is not None:
            return self.dictionary_corpora
        defaults = [
            self.data_dir / "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt",
            self.data_dir / "corpora/ncbi-disease/NCBItrainset_corpus.txt",
        ]
        return [p for p in defaults if p.is_file()]

    def term_index(self, *, progress: bool = False):  # type: ignore[no-untyped-def]
        """The cached term index over the shared vocabularies (built on first use)."""
        from ontologies.sources import load_or_build

        return load_or_build(
            self.data_dir, self.home / "index", self.normalizer_corpora(), self.normalizer_encoder or None, progress=progress
        )

    def term_index_path(self) -> Path:
        """Where ``term_index`` keeps (or finds) the index for these settings' vocabulary files:
        named by their contents, so that an index installed from a package is found here."""
        from ontologies.sources import index_path

        return index_path(self.data_dir, self.home / "index", self.normalizer_corpora(), self.normalizer_encoder or None)

    def normalizer(self, *, progress: bool = False):  # type: ignore[no-untyped-def]
        """A ``Normalizer`` over ``term_index`` with these settings' query encoder."""
        from ontologies.normalizer import Normalizer

        return Normalizer(self.term_index(progress=progress), query_encoder=self.normalizer_query_encoder)

    @property
    def graph_path(self) -> Path:
        return self.store_path or self.home / "graph"

    def open_store(self, *, read_only: bool = False) -> GraphStore:
        """The configured store: Neo4j when ``MEDKG_NEO4J_URI`` is set, else the embedded one
        (``read_only``: shared with other reading processes; Neo4j serves many clients anyway)."""
        if self.neo4j_uri:
            from kg.neo4j_store import Neo4jStore

            password = self.neo4j_password.get_secret_value() if self.neo4j_password else None
            auth = (self.neo4j_user, password) if password else None
            return Neo4jStore(
                self.neo4j_uri, auth, database=self.neo4j_database, batch_size=self.batch_size,
                query_timeout_s=self.query_timeout_s,
            )
        from kg.embedded_store import EmbeddedStore

        return EmbeddedStore(self.graph_path, batch_size=self.batch_size, read_only=read_only, query_timeout_s=self.query_timeout_s)


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
            f"{'.'.join(map(str, e['loc']))} (MEDKG_{str(e['loc'][0]).upper() if e['loc'] else '?'}): {e['msg']}, got {e.get('input')!r}"
            for e in exc.errors()
        )
        raise ConfigError(f"bad setting: {problems}") from exc
