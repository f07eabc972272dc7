import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "corpora/bc5cdr/CDR_TrainingSet.PubTator.txt",
            {
                "documents": 500,
                "mentions_by_type": {"Chemical": 5203, "Disease": 4182},
                "relations_by_type": {"CID": 1038},
            },
        ),
        (
            "corpora/bc5cdr/CDR_TrainingSet.BioC.xml",
            {
                "documents": 500,
                "mentions_by_type": {"Chemical": 5203, "Disease": 4182},
                "relations_by_type": {"CID": 1038},
            },
        ),
        ("corpora/ncbi-disease/NCBItrainset_corpus.txt", {"documents": 593, "unique_pmids": 592, "mentions": 5145}),
        ("corpora/biored/Train.PubTator", {"documents": 400, "mentions": 13351, "relations": 4178}),
        ("pubmed/medline16n0902.xml.gz", {"documents": 604, "with_abstract": 526, "deletions": 1}),
    ],
)
def test_cli_corpus_stats_reports_the_published_counts(shared_data: Path, path: str, expected: dict) -> None:
    result = runner.invoke(app, ["corpus", "stats", str(shared_data / path)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert {k: stats[k] for k in expected} == expected
    assert stats["skipped"] == 0


def test_cli_corpus_stats_counts_skipped_records_and_strict_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pubtator"
    bad.write_text(
        (DATA / "sample.pubtator").read_text().replace("\t18\t34\tcardiac asystole", "\t18\t34\tcardiac arrest")
    )
    result = runner.invoke(app, ["corpus", "stats", str(bad)])
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert (stats["documents"], stats["skipped"]) == (1, 1)
    strict = runner.invoke(app, ["corpus", "stats", str(bad), "--strict"])
    assert strict.exit_code == 2
    assert "does not match" in strict.output


def test_cli_load_and_query_on_the_embedded_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path))
    monkeypatch.delenv("MEDKG_NEO4J_URI", raising=False)
    for _ in range(2):
        assert runner.invoke(app, ["load", str(DATA / "sample.pubtator")]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "query",
            "MATCH (c:Entity)-[r:CAUSES]->(d:Entity) RETURN d.curie AS disease, r.evidence_count AS n",
            "-o",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"disease": "MESH:D006323", "n": 1}]
    refused = runner.invoke(app, ["query", "MATCH (n) DETACH DELETE n"])
    assert refused.exit_code == 2 and "read-only" in refused.output
    bracketed = runner.invoke(app, ["query", "RETURN 'benzo[a]pyrene' AS name"])  # a table cell is no markup
    assert bracketed.exit_code == 0 and "benzo[a]pyrene" in bracketed.output
    many = (
        "MATCH (e:Entity) WHERE e.curie IN ['MESH:D008012', 'MESH:D006323'] "
        "RETURN e.curie AS curie, e.name AS name, [1, 2] AS xs ORDER BY curie"
    )
    for fmt, first in (("csv", "curie,name,xs"), ("tsv", "curie\tname\txs"), ("jsonl", '{"curie": "MESH:D006323"')):
        printed = runner.invoke(app, ["query", many, "--format", fmt])
        assert printed.exit_code == 0 and printed.stdout.splitlines()[0].startswith(first), (fmt, printed.output)
        assert len(printed.stdout.splitlines()) == (2 if fmt == "jsonl" else 3)
    saved = runner.invoke(app, ["query", many, "-f", "tsv", "--out", str(tmp_path / "rows.tsv")])
    assert (
        saved.exit_code == 0
        and (tmp_path / "rows.tsv").read_text().splitlines()[1] == "MESH:D006323\tcardiac asystole\t1|2"
    )
    unknown = runner.invoke(app, ["query", many, "--format", "xml"])
    assert unknown.exit_code == 2 and "choose table, json, jsonl, csv or tsv" in unknown.output
    stats = runner.invoke(app, ["stats", "--format", "jsonl"])
    assert (
        stats.exit_code == 0 and len(stats.stdout.strip().splitlines()) == 1 and json.loads(stats.stdout)["nodes"] > 0
    )
    missing = runner.invoke(app, ["query", "MATCH (e:Entity {name: $d}) RETURN e.curie AS c"])
    assert missing.exit_code == 2 and "missing parameter $d" in missing.output
    assert runner.invoke(app, ["query", "RETURN 1 AS x", "-o", "xml"]).exit_code == 2
    nodes = runner.invoke(app, ["query", "MATCH (e:Entity {curie: 'MESH:D008012'}) RETURN e", "-o", "json"])
    assert json.loads(nodes.stdout)[0]["e"] == {
        "curie": "MESH:D008012",
        "name": "Lidocaine",
        "category": "biolink:ChemicalEntity",
        "xrefs": [],
        "in_taxon": None,  # a gene's species; the embedded store returns every column of a node
    }
    graphml = runner.invoke(app, ["export", str(tmp_path / "g.graphml")])  # the format from the name
    assert graphml.exit_code == 0 and (tmp_path / "g.graphml").read_text().startswith("<?xml")
    clash = runner.invoke(app, ["export", str(tmp_path / "g.graphml"), "-f", "ttl"])
    assert clash.exit_code == 2 and "name it *.ttl" in clash.output
    kgx = runner.invoke(app, ["export", str(tmp_path / "kgx" / "medkg.tsv")])  # KGX from the .tsv suffix
    assert kgx.exit_code == 0 and "medkg_edges.tsv" in kgx.output
    header = (tmp_path / "kgx" / "medkg_edges.tsv").read_text().splitlines()[0].split("\t")
    assert header[:4] == ["id", "subject", "predicate", "object"] and "publications" in header
    sound = runner.invoke(app, ["check"])
    assert sound.exit_code == 0 and json.loads(sound.stdout)["problems"] == 0, sound.output
    from kg.embedded_store import EmbeddedStore

    with EmbeddedStore(tmp_path / "graph") as store:  # a second copy of an edge, as the LadybugDB defect left
        store._execute("MATCH (a:Article)-[m:MENTIONS]->(e:Entity) CREATE (a)-[:MENTIONS {count: m.count}]->(e)", {})
    damaged = runner.invoke(app, ["check"])
    assert damaged.exit_code == 1 and json.loads(damaged.stdout)["duplicate_edges"]["MENTIONS"] > 0
    assert "medkg run" in damaged.stderr


def test_cli_load_applies_deletions_in_file_order_and_validates_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path))
    monkeypatch.delenv("MEDKG_NEO4J_URI", raising=False)

    def citation(pmid: str) -> str:
        return (
            f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><ArticleTitle>Title {pmid}.</ArticleTitle>"
            "</Article></MedlineCitation></PubmedArticle>"
        )

    feed = tmp_path / "feed.xml"
    feed.write_text(
        f"<PubmedArticleSet>{citation('1')}{citation('2')}<DeleteCitation><PMID>2</PMID></DeleteCitation>"
        f"{citation('3')}</PubmedArticleSet>"
    )
    assert runner.invoke(app, ["load", str(feed)]).exit_code == 0
    pmids = runner.invoke(app, ["query", "MATCH (a:Article) RETURN a.pmid AS pmid ORDER BY pmid", "-o", "json"])
    assert [r["pmid"] for r in json.loads(pmids.stdout)] == ["1", "3"]
    later = tmp_path / "later.xml"
    later.write_text("<PubmedArticleSet><DeleteCitation><PMID>1</PMID></DeleteCitation></PubmedArticleSet>")
    deleted = runner.invoke(app, ["load", str(later)])
    assert deleted.exit_code == 0 and "1 DeleteCitation records applied: 1 stored articles deleted" in " ".join(
        deleted.output.split()
    )
    broken = tmp_path / "broken.xml"
    broken.write_bytes(feed.read_bytes().replace(b"Title 2", b"Title \xe9"))
    strict = runner.invoke(app, ["load", str(broken), "--strict"])
    assert strict.exit_code == 2 and "not utf-8" in strict.output
    monkeypatch.setenv("MEDKG_BATCH_SIZE", "0")
    zero = runner.invoke(app, ["stats"])
    assert zero.exit_code == 2 and "MEDKG_BATCH_SIZE" in zero.output and "greater than or equal to 1" in zero.output


def test_cli_config_file_may_not_hold_secrets(tmp_path: Path) -> None:
    cfg = tmp_path / "medkg.yaml"
    cfg.write_text("neo4j_password: hunter2\n")
    result = runner.invoke(app, ["query", "RETURN 1", "--config", str(cfg)])
    assert result.exit_code == 2 and "only come from the environment" in result.output


def test_cli_help_shows_examples() -> None:
    for cmd in (["corpus", "stats"], ["load"], ["run"], ["query"], ["models", "package"], ["models", "install"]):
        result = runner.invoke(app, [*cmd, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
    query_help = " ".join(runner.invoke(app, ["query", "--help"], terminal_width=400).output.split())
    assert "(c:Entity)-[r:CAUSES]->(d:Entity" in query_help  # the example runs as printed


def test_command_help_flows_as_paragraphs() -> None:
    """A summary written over two docstring lines is one paragraph in ``medkg --help``, and a
    command's help flows to the terminal's width, not in ragged lines (rich markup keeps a
    docstring's line breaks); an example's indented lines keep theirs."""
    infos = [
        *app.registered_commands,
        *(c for g in app.registered_groups for c in g.typer_instance.registered_commands),
    ]
    assert len(infos) > 15
    for info in infos:
        assert info.short_help and "\n" not in info.short_help, info.name
        assert info.help and not re.search(r"\n\S", info.help.replace("\n\n", "")), info.name
    run = next(i for i in app.registered_commands if i.name == "run")
    assert "build or load the ontology index, ingest the shared PubMed samples" in run.short_help
    assert "build or load the ontology index, ingest" in " ".join(
        runner.invoke(app, ["--help"]).output.replace("│", " ").split()
    )
    run_help = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"}).output
    assert "A second run reuses models, index and store, skips unchanged citations" in run_help
    export_help = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "200"}).output
    assert "\n medkg export graph.ttl" in export_help  # one example a line


def test_cli_load_strict_fails_on_a_file_with_no_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A BioC collection with no document (or wrapped in a list, as PubTator3's API answers) is
    never a silent 0: a warning, and an error with --strict."""
    monkeypatch.setenv("MEDKG_HOME", str(tmp_path))
    monkeypatch.delenv("MEDKG_NEO4J_URI", raising=False)
    for name, text in (
        (
            "empty.bioc.xml",
            "<?xml version='1.0'?><collection><source>x</source><date>d</date><key>k</key></collection>",
        ),
        ("wrapped.json", '[{"source": "x", "documents": []}]'),
    ):
        path = tmp_path / name
        path.write_text(text)
        lenient = runner.invoke(app, ["load", str(path)])
        assert lenient.exit_code == 0 and "no document in this file" in " ".join(lenient.output.split())
        strict = runner.invoke(app, ["load", "--strict", str(path)])
        assert strict.exit_code == 2 and "no document in this file" in " ".join(strict.output.split())


def test_run_does_not_train_over_a_model_folder_the_user_named(tmp_path: Path) -> None:
    """MEDKG_NER_MODEL naming an empty folder: `medkg run` says so instead of training into the
    registry a model that the setting would then hide."""
    from cli.main import _ensure_models
    from kg.errors import ConfigError
    from wiring.settings import Settings

    settings = Settings(home=tmp_path / "home", ner_model=tmp_path / "mine", biored=False)
    with pytest.raises(ConfigError, match="mine: no trained model there"):
        _ensure_models(settings, None, 1.0, 1.0)


def test_run_says_how_to_read_stored_articles_with_models_or_an_index_it_just_put_in_place() -> None:
    """A run that promoted a model (a first run's, or a lexical model of a newer pair description)
    or built the term index anew (a newer index format) over a store whose articles it skipped as
    unchanged names `medkg run --reextract`; nothing new, or nothing stored before, says nothing."""
    from cli.main import _reextract_hint

    hint = _reextract_hint(["re-biored"], 617)
    assert hint is not None and "re-biored" in hint and "617 articles" in hint and "--reextract" in hint
    assert "term index" not in hint
    index = _reextract_hint([], 617, new_index=True)
    assert index is not None and index.startswith("a new term index this run") and "--reextract" in index
    both = _reextract_hint(["re-biored"], 617, new_index=True)
    assert both is not None and "re-biored" in both and "term index" in both
    assert _reextract_hint([], 617) is None
    assert _reextract_hint(["ner-bc5cdr", "re-bc5cdr"], 0) is None
    assert _reextract_hint([], 0, new_index=True) is None


def test_run_names_the_phenotype_encoder_next_until_it_is_installed(tmp_path: Path) -> None:
    from cli.main import _next_steps
    from wiring.diagnosis import phenotype_encoder_dir
    from wiring.settings import Settings

    settings = Settings(home=tmp_path / "home")
    first = _next_steps(settings)
    assert "medkg train phenotype-encoder" in first and first.index("phenotype-encoder") < first.index("diagnosis")
    folder = phenotype_encoder_dir(settings)
    folder.mkdir(parents=True)
    (folder / "medkg.json").write_text("{}")
    assert "phenotype-encoder" not in _next_steps(settings) and "medkg train diagnosis" in _next_steps(settings)


def test_run_keeps_an_older_lexical_model_where_the_corpus_to_fit_a_new_one_is_missing(tmp_path: Path) -> None:
    """Installed models (a lexical relation model of an older pair description among them) on a
    machine without BioRED's corpus: `medkg run` uses them as they are instead of failing to fit
    a newer one."""
    import json

    from cli.main import _ensure_models
    from wiring.settings import Settings

    settings = Settings(home=tmp_path / "home", data_dir=tmp_path / "data")
    for name, card in (
        ("ner-bc5cdr", {"task": "ner", "stopped_by": "done"}),
        ("re-bc5cdr", {"task": "re", "architecture": "doc", "stopped_by": "done"}),
        ("ner-biored", {"task": "ner", "stopped_by": "done"}),
        ("re-biored", {"task": "re-lexical", "architecture": "lexical", "stopped_by": "done"}),  # no "features": 1
    ):
        folder = settings.models_dir / name
        folder.mkdir(parents=True)
        (folder / "medkg.json").write_text(json.dumps(card))
    ners, rels, promoted = _ensure_models(settings, None, 1.0, 1.0)
    models = settings.models_dir
    assert ners == [models / "ner-bc5cdr", models / "ner-biored"]
    assert rels == [models / "re-bc5cdr", models / "re-biored"] and promoted == []
