"""The ingestion flow end to end under a real (temporary) Prefect, with small real models."""

import json
from pathlib import Path
from typing import Any

import pytest

from extractors.gazetteer import Gazetteer
from extractors.ner import label_list
from tests.extractors.helpers import tiny_doc_relations as _tiny_relations
from tests.extractors.helpers import tiny_ner as _tiny_model
from wiring.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "data"
pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    tmp = tmp_path_factory.mktemp("models")
    ner = _tiny_model(tmp, label_list(["Chemical", "Disease"]))
    # An untrained tagger's spans are noise; its gazetteer makes sure each test abstract has a
    # chemical and a disease the normalizer grounds, so relations can reach the store.
    ner.gazetteer = Gazetteer({"Lidocaine": "Chemical", "asystole": "Disease", "hypotension": "Disease"})
    ner.save(tmp / "ner", {"config": {"max_length": 64, "stride": 4}})
    rm = _tiny_relations(tmp)  # the document-level model, medkg's default
    rm.threshold = 0.3  # an untrained model's probabilities hover around 0.5: some pairs become relations
    rm.save(tmp / "re", {"config": {"max_length": 128}})
    return str(tmp / "ner"), str(tmp / "re")


@pytest.fixture(scope="module")
def settings(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("home")
    # TF-IDF-only normalization: embedding the 56,000 disease names would add a minute here; the
    # dense fallback has its own tests in tests/ontologies.
    return Settings(home=home, data_dir=shared_data, neo4j_uri=None, dictionary_corpora=[], normalizer_encoder="")


def _citation(pmid: str, abstract: str) -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal><Title>J</Title></Journal>"
        f"<ArticleTitle>Lidocaine and cardiac asystole.</ArticleTitle><Abstract><AbstractText>{abstract}</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle>"
    )


def _file(path: Path, *articles: str, deleted: tuple[str, ...] = ()) -> Path:
    deletions = "".join(f"<PMID>{p}</PMID>" for p in deleted)
    path.write_text(
        f"<PubmedArticleSet>{''.join(articles)}"
        + (f"<DeleteCitation>{deletions}</DeleteCitation>" if deleted else "")
        + "</PubmedArticleSet>"
    )
    return path


def test_ingest_flow_is_incremental_updates_and_deletes(
    prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    from flows.ingest import ingest

    ner, re_ = models
    settings = settings.model_copy(update={"store_path": tmp_path / "graph"})
    first = _file(
        tmp_path / "a.xml",
        _citation("1", "Lidocaine caused cardiac asystole in a man."),
        _citation("2", "Breast and ovarian cancers were not seen."),
    )
    result = ingest([str(first), str(DATA / "medline_sample.xml")], ner, re_, batch_size=2, settings=settings)
    assert result["documents_read"] == 4 and result["unchanged"] == 0 and result["deleted"] == 0
    assert (
        result["models"]["ner"]["path"] == ner and result["models"]["relations"]["path"] == re_
    )  # which versions served
    assert result["triples_loaded"] > 0  # relations with their sentences reached the store
    assert set(result["seconds_by_stage"]) >= {"read", "ner", "normalize", "relations", "load"}
    with settings.open_store() as store:
        counts = store.counts()
    again = ingest([str(first), str(DATA / "medline_sample.xml")], ner, re_, batch_size=2, settings=settings)
    assert again["unchanged"] == 4 and again["triples_loaded"] == 0
    with settings.open_store() as store:
        assert store.counts() == counts
    # after a model upgrade: everything extracted again, old evidence replaced, the same graph here
    redone = ingest(
        [str(first), str(DATA / "medline_sample.xml")], ner, re_, batch_size=2, settings=settings, reextract=True
    )
    assert (redone["unchanged"], redone["updated"]) == (0, 4) and redone["triples_loaded"] == result["triples_loaded"]
    with settings.open_store() as store:
        assert store.counts() == counts
    update = _file(tmp_path / "b.xml", _citation("1", "Lidocaine did not cause anything."), deleted=("2",))
    third = ingest([str(update)], ner, re_, settings=settings)
    assert (third["updated"], third["deleted"]) == (1, 1)
    with settings.open_store() as store:
        pmids = {r["pmid"] for r in store.query("MATCH (a:Article) RETURN a.pmid AS pmid")}
        assert pmids == {"1", "100001", "100002"}
        text = store.query("MATCH (a:Article {pmid: '1'}) RETURN a.content_hash AS h")[0]["h"]
    from readers import read_documents

    assert text == next(iter(read_documents(update))).content_hash
    # records apply in file order: a citation and then its deletion in one file leave nothing
    added_then_deleted = _file(tmp_path / "c.xml", _citation("3", "Lidocaine caused cardiac asystole."), deleted=("3",))
    fourth = ingest([str(added_then_deleted)], ner, re_, settings=settings)
    assert fourth["documents_read"] == 0
    with settings.open_store() as store:
        assert {r["pmid"] for r in store.query("MATCH (a:Article) RETURN a.pmid AS pmid")} == {"1", "100001", "100002"}


def test_a_cause_the_evidence_does_not_state_is_stored_as_an_association(
    prefect: None, models: tuple[str, str], settings: Settings, cause_check_home: Path, tmp_path: Path
) -> None:
    """With the cause check on (the default outside tests), ``causes`` needs a sentence that states
    it: the pair of a sentence that only measures both is stored as ``ASSOCIATED_WITH``, nothing lost."""
    import shutil

    from flows.ingest import ingest

    ner, re_ = models
    source = _file(  # titles without the pair: the evidence is the abstract's sentence
        tmp_path / "a.xml",
        _citation("1", "Lidocaine induced asystole in a man.").replace("Lidocaine and cardiac asystole.", "A case."),
        _citation("2", "Lidocaine levels were measured in patients with asystole.").replace(
            "Lidocaine and cardiac asystole.", "A series."
        ),
    )
    shutil.copytree(cause_check_home / "cause-check", tmp_path / "home" / "cause-check")  # trained once per session
    edges = {}
    for checked in (False, True):
        here = settings.model_copy(
            update={"store_path": tmp_path / f"graph-{checked}", "home": tmp_path / "home", "cause_check": checked}
        )
        ingest([str(source)], ner, re_, settings=here)
        with here.open_store(read_only=True) as store:
            edges[checked] = {
                (r["t"], r["pmid"])
                for r in store.query(
                    "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE v.subject = 'MESH:D008012' "
                    "AND v.object = 'MESH:D006323' RETURN v.predicate AS t, a.pmid AS pmid"
                )
            }
    assert edges[False] == {("biolink:causes", "1"), ("biolink:causes", "2")}  # the untrained model links both
    assert edges[True] == {("biolink:causes", "1"), ("biolink:associated_with", "2")}


def _medkg(*args: str, env: dict[str, str], timeout: float = 600, cwd: Path | None = None) -> Any:
    """``medkg ARGS`` in a fresh process (``python -m cli.main``), its output captured."""
    import subprocess
    import sys

    captured: dict[str, Any] = {"capture_output": True, "text": True, "timeout": timeout}
    return subprocess.run([sys.executable, "-m", "cli.main", *args], check=False, env=env, cwd=cwd, **captured)


def _medline(path: Path, n: int) -> Path:
    arts = "".join(
        _citation(str(1000 + i), f"Lidocaine dose {i} caused cardiac asystole and hypotension in patient {i}.")
        for i in range(n)
    )
    return _file(path, arts)


def test_dask_runner_gives_the_same_graph(
    prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    from flows.ingest import ingest, with_task_runner

    ner, re_ = models
    source = _medline(tmp_path / "many.xml", 12)
    plain = settings.model_copy(update={"store_path": tmp_path / "plain"})
    dask = settings.model_copy(update={"store_path": tmp_path / "dask"})
    ingest([str(source)], ner, re_, batch_size=3, settings=plain)
    result = with_task_runner("dask", workers=2)([str(source)], ner, re_, batch_size=3, settings=dask)
    assert result["documents_read"] == 12
    with plain.open_store() as a, dask.open_store() as b:
        assert a.counts() == b.counts()
        q = (
            "MATCH (a:Article)-[m:MENTIONS]->(e:Entity) RETURN a.pmid AS pmid, e.curie AS curie, m.count AS n "
            "ORDER BY pmid, curie"
        )
        assert a.query(q) == b.query(q)


def test_a_killed_run_resumes_to_the_same_graph(
    prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from flows.ingest import ingest

    ner, re_ = models
    source = _medline(tmp_path / "many.xml", 60)
    clean = settings.model_copy(update={"store_path": tmp_path / "clean"})
    ingest([str(source)], ner, re_, batch_size=4, settings=clean)
    killed_store = tmp_path / "killed"
    env = {
        **os.environ,
        "MEDKG_HOME": str(settings.home),
        "MEDKG_DATA_DIR": str(settings.data_dir),
        "MEDKG_STORE_PATH": str(killed_store),
        "MEDKG_DICTIONARY_CORPORA": "[]",
        "MEDKG_NORMALIZER_ENCODER": "",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    # the command starts its own temporary server, as for a user, and logs its batches (importing
    # cli.main in this process, as other tests do, set Prefect's flow-run logs to CRITICAL here)
    for key in (
        "MEDKG_NEO4J_URI",
        "PREFECT_API_URL",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL",
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL",
    ):
        env.pop(key, None)
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "ingest",
        str(source),
        "--ner-model",
        ner,
        "--re-model",
        re_,
        "--batch-size",
        "4",
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    assert proc.stdout is not None

    def servers() -> set[int]:  # the Prefect API server the command started (uvicorn), wherever it was reparented
        found = set()
        for entry in Path("/proc").iterdir():
            try:
                if (
                    entry.name.isdigit()
                    and os.getpgid(int(entry.name)) == proc.pid
                    and b"uvicorn" in (entry / "cmdline").read_bytes()
                ):
                    found.add(int(entry.name))
            except (OSError, ProcessLookupError):
                continue
        return found

    started: set[int] = set()
    output: list[str] = []
    seen, deadline = 0, time.monotonic() + 240
    for line in proc.stdout:  # kill it once a few batches have been loaded, in the middle of the run
        output.append(line)
        started |= servers()  # the flow runs: its server is up
        if "documents so far" in line:
            seen += 1
        if seen >= 3 or time.monotonic() > deadline:
            break
    os.kill(proc.pid, signal.SIGKILL)  # the command only, as `kill -9 PID` does: its server must not outlive it
    proc.wait()
    assert seen >= 3, "the run did not get far enough to be killed part-way:\n" + "".join(output[-30:])
    assert started, "the command's Prefect server was never seen:\n" + "".join(output[-30:])
    deadline = time.monotonic() + 30
    while started & servers() and time.monotonic() < deadline:
        time.sleep(0.5)
    left = started & servers()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "the Prefect server outlived the killed command"
    resumed = settings.model_copy(update={"store_path": killed_store})
    with resumed.open_store() as store:
        partial = store.counts()["nodes"].get("Article", 0)
        # an article is complete once its content hash is written (last); a batch the kill cut
        # short has articles without one, which the next run extracts again
        complete = store.query("MATCH (a:Article) WHERE a.content_hash IS NOT NULL RETURN count(a) AS n")[0]["n"]
    assert 0 < partial < 60 and complete <= partial
    result = ingest([str(source)], ner, re_, batch_size=4, settings=resumed)
    assert result["unchanged"] == complete
    with clean.open_store() as a, resumed.open_store() as b:
        assert a.counts() == b.counts()


@pytest.mark.neo4j
def test_ingest_into_neo4j_gives_the_embedded_graph(
    prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path, neo4j_store
) -> None:  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

    ner, re_ = models
    source = _medline(tmp_path / "some.xml", 8)
    embedded = settings.model_copy(update={"store_path": tmp_path / "embedded"})
    neo4j = settings.model_copy(update={"neo4j_uri": neo4j_store.uri})
    ingest([str(source)], ner, re_, batch_size=3, settings=embedded)
    result = ingest([str(source)], ner, re_, batch_size=3, settings=neo4j)
    assert result["documents_read"] == 8
    again = ingest([str(source)], ner, re_, batch_size=3, settings=neo4j)
    assert again["unchanged"] == 8
    with embedded.open_store() as a:
        assert a.counts() == neo4j_store.counts()


def test_models_packaged_and_installed_into_a_fresh_home_ingest_the_same(
    prefect: None, models: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    """Train once, package, install everywhere: `medkg models package` on one HOME carries the
    models and the term index built there, `medkg models install` on a fresh HOME puts both where
    every command finds them, and ingestion there gives the graph the original models give
    without building an index."""
    from typer.testing import CliRunner

    from cli.main import app
    from flows.ingest import ingest

    ner, re_ = models
    runner = CliRunner()
    settings.term_index()  # built here once
    env = {
        "MEDKG_HOME": str(settings.home),
        "MEDKG_DATA_DIR": str(settings.data_dir),
        "MEDKG_DICTIONARY_CORPORA": "[]",
        "MEDKG_NORMALIZER_ENCODER": "",
    }
    packed = runner.invoke(
        app, ["models", "package", ner, re_, "--out", str(tmp_path / "dist"), "--name", "tiny"], env=env
    )
    assert packed.exit_code == 0, packed.output
    assert "2 models and the term index" in packed.output
    archive = tmp_path / "dist" / "tiny.medkg.tar.gz"
    fresh = tmp_path / "fresh-home"
    fresh_env = {**env, "MEDKG_HOME": str(fresh)}
    installed = runner.invoke(app, ["models", "install", str(archive)], env=fresh_env)
    assert installed.exit_code == 0, installed.output
    assert "matches the vocabulary files" in installed.output
    index_name = settings.term_index_path().name
    assert [p.name for p in (fresh / "index").iterdir()] == [index_name]
    listed = runner.invoke(app, ["models", "list"], env=fresh_env)
    assert [m["name"] for m in json.loads(listed.stdout)] == ["ner", "re"]
    again = runner.invoke(app, ["models", "install", str(archive)], env=fresh_env)
    assert again.exit_code == 2 and "--force" in again.output
    elsewhere = runner.invoke(
        app,
        ["models", "install", str(archive)],
        env={**fresh_env, "MEDKG_HOME": str(tmp_path / "other-home"), "MEDKG_DICTIONARY_CORPORA": '["/dev/null"]'},
    )
    assert elsewhere.exit_code == 0 and "builds its own" in elsewhere.output  # other vocabulary: said, not used

    source = _medline(tmp_path / "some.xml", 6)
    original = settings.model_copy(update={"store_path": tmp_path / "original"})
    moved = settings.model_copy(update={"home": fresh, "store_path": tmp_path / "moved"})
    before = (fresh / "index" / index_name).stat().st_mtime_ns
    ingest([str(source)], ner, re_, batch_size=3, settings=original)
    result = ingest(
        [str(source)], str(fresh / "models" / "ner"), str(fresh / "models" / "re"), batch_size=3, settings=moved
    )
    assert result["documents_read"] == 6 and result["triples_loaded"] > 0
    assert [p.name for p in (fresh / "index").iterdir()] == [index_name]  # the installed index served: none was built
    assert (fresh / "index" / index_name).stat().st_mtime_ns == before
    with original.open_store() as a, moved.open_store() as b:
        assert a.counts() == b.counts()


def test_cli_ingest_skips_overlong_texts_and_fails_in_one_line(
    models: tuple[str, str], settings: Settings, tmp_path: Path
) -> None:
    """As a user runs it: `medkg ingest` in its own process (its own Prefect server). A text over
    MEDKG_MAX_DOCUMENT_CHARS is reported as skipped, the rest ingested; a malformed record under
    --strict is one `error:` line, exit 2, no traceback."""
    import os

    ner, _ = models
    source = _file(
        tmp_path / "feed.xml", _citation("1", "Lidocaine caused asystole."), _citation("2", "Lidocaine " * 300)
    )
    env = {
        **os.environ,
        "MEDKG_HOME": str(settings.home),
        "MEDKG_DATA_DIR": str(settings.data_dir),
        "MEDKG_STORE_PATH": str(tmp_path / "g"),
        "MEDKG_DICTIONARY_CORPORA": "[]",
        "MEDKG_NORMALIZER_ENCODER": "",
        "MEDKG_MAX_DOCUMENT_CHARS": "1000",
    }
    for key in ("MEDKG_NEO4J_URI", "MEDKG_DEBUG", "PREFECT_API_URL"):
        env.pop(key, None)
    run = _medkg("ingest", str(source), "--ner-model", ner, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(run.stdout)
    assert result["documents_read"] == 1 and result["skipped"] == 1
    assert "over MEDKG_MAX_DOCUMENT_CHARS=1,000" in result["skipped_records"][0]["reason"]

    bad = tmp_path / "bad.xml"
    bad.write_bytes(source.read_bytes().replace(b"caused", b"caus\xe9d"))
    strict = _medkg("ingest", str(bad), "--ner-model", ner, "--strict", env=env)
    output = strict.stdout + strict.stderr
    assert strict.returncode == 2, output
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert "Traceback" not in output and len(errors) == 1, output
    assert errors[0].startswith(f"error: {bad}:1: not utf-8 (invalid continuation byte at byte "), output


def test_the_deployments_run_on_a_real_prefect_server(
    models: tuple[str, str], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prefect.yaml as a user deploys it: a real `prefect server start`, the process work pool,
    `prefect deploy --all` from the repository, a worker, update files dropped into the watched
    folder and `prefect deployment run`: the graph gains the new articles and their evidence and
    loses the deleted one, with no error and no library progress bar in the logs. Then
    `train-bc5cdr` as the worker runs it (a tiny budget: six documents, from the tiny test
    encoder): both models are promoted into MEDKG_HOME/models, the replaced ones kept, and the
    next `pubmed-updates` run (which extracts only what is new) and the API serve exactly the
    promoted versions. Paths come only from the worker's MEDKG_* settings, models from the
    registry folder MEDKG_HOME/models."""
    import gzip
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from fastapi.testclient import TestClient

    from extractors.models import card_version, read_card
    from tests.diagnosis.helpers import mini_data, tiny_encoder
    from wiring.serving import ServeOptions, build_app

    ner, re_ = models
    home = tmp_path / "home"
    settings.term_index()  # built once for this module's tests; the worker's settings find the same file
    shutil.copytree(settings.home / "index", home / "index")
    shutil.copytree(ner, home / "models" / "ner-bc5cdr")
    shutil.copytree(re_, home / "models" / "re-bc5cdr")
    watch = tmp_path / "watch"
    watch.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "MEDKG_HOME": str(home),
        "MEDKG_DATA_DIR": str(settings.data_dir),
        "MEDKG_WATCH_DIR": str(watch),
        "MEDKG_DICTIONARY_CORPORA": "[]",
        "MEDKG_NORMALIZER_ENCODER": "",
        "PREFECT_LOGGING_LEVEL": "INFO",  # the flow runs' logs reach the worker's output, as for a user
    }
    # (importing cli.main in this process, as other tests do, set Prefect's flow-run logs to CRITICAL here)
    for key in (
        "MEDKG_NEO4J_URI",
        "MEDKG_STORE_PATH",
        "MEDKG_NER_MODEL",
        "MEDKG_RE_MODEL",
        "PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL",
        "PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL",
        "TRANSFORMERS_VERBOSITY",  # prefect.yaml sets these for the flow runs, as a user's worker lacks them
        "HF_HUB_DISABLE_PROGRESS_BARS",
    ):
        env.pop(key, None)
    prefect = [sys.executable, "-m", "prefect"]
    root = Path(__file__).resolve().parents[2]

    def cli(*args: str, timeout: float = 300, stderr: bool = False, worker_env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [*prefect, *args],
            check=False,
            env=worker_env or env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"prefect {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout + (done.stderr if stderr else "")

    server = subprocess.Popen(
        [*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "prefect server did not start"
                time.sleep(1)
        cli("work-pool", "create", "medkg", "--type", "process")
        cli("--no-prompt", "deploy", "--all")

        def trigger(
            deployment: str = "medkg-ingest-folder/pubmed-updates",
            *params: str,
            worker_env: dict[str, str] | None = None,
        ) -> str:
            """Run the deployment now through a worker and wait for that flow run to complete (the
            worker polls again while it has not ended); the worker's output, the run's logs in it."""
            import re

            created = cli("deployment", "run", deployment, *(a for p in params for a in ("--param", p)))
            run_id = re.search(r"UUID: ([0-9a-f-]{36})", created)
            assert run_id, created
            log, deadline = "", time.monotonic() + 900
            while True:
                log += cli(
                    "worker", "start", "--pool", "medkg", "--run-once", timeout=900, stderr=True, worker_env=worker_env
                )
                state = json.loads(cli("flow-run", "inspect", run_id.group(1), "--output", "json"))["state_type"]
                if state in ("FAILED", "CRASHED", "CANCELLED"):
                    pytest.fail(f"{deployment}: flow run {state}\n{log}")
                if state == "COMPLETED":
                    assert "Traceback" not in log and "| ERROR" not in log, log  # nothing that looks like failure
                    assert "Loading weights" not in log, log  # nor a progress bar per model loaded
                    return log
                assert time.monotonic() < deadline, f"{deployment}: flow run still {state}\n{log}"
                time.sleep(2)

        def graph() -> tuple[set[str], dict]:
            from wiring.settings import Settings as S

            with S(home=home, data_dir=settings.data_dir, neo4j_uri=None).open_store(read_only=True) as store:
                pmids = {r["pmid"] for r in store.query("MATCH (a:Article) RETURN a.pmid AS pmid")}
                return pmids, store.counts()

        (watch / "pubmed26n0001.xml.gz").write_bytes(
            gzip.compress(
                _file(
                    tmp_path / "u1.xml",
                    _citation("11", "Lidocaine caused cardiac asystole."),
                    _citation("12", "Lidocaine caused hypotension."),
                ).read_bytes()
            )
        )
        trigger()
        pmids, counts = graph()
        assert pmids == {"11", "12"} and counts["nodes"].get("Evidence", 0) > 0
        (watch / "pubmed26n0002.xml.gz").write_bytes(
            gzip.compress(
                _file(
                    tmp_path / "u2.xml", _citation("13", "Lidocaine caused cardiac asystole again."), deleted=("11",)
                ).read_bytes()
            )
        )
        trigger()
        assert graph()[0] == {"12", "13"}

        registry = home / "models"
        before = {name: read_card(registry / name) for name in ("ner-bc5cdr", "re-bc5cdr")}
        log = trigger("medkg-train/train-bc5cdr", "limit=6", f"base_model={ner}")
        trained = {name: read_card(registry / name) for name in ("ner-bc5cdr", "re-bc5cdr")}
        for name in trained:  # the current models had no dev score, so any trained one is not worse
            assert f"{name}: promoted" in log, log
            assert read_card(registry / ".previous" / name) == before[name]
        assert "ner-biored: promoted" in log, log  # BioRED's tagger trains with BC5CDR's (ModelSet.ner_with)
        assert trained["ner-bc5cdr"]["task"] == "ner" and "dev" in trained["ner-bc5cdr"]["metrics"]
        served = {name: card_version(card) for name, card in trained.items()}
        assert served["ner-bc5cdr"]["data_hash"] and served["ner-bc5cdr"] != card_version(before["ner-bc5cdr"])

        (watch / "pubmed26n0003.xml.gz").write_bytes(
            gzip.compress(_file(tmp_path / "u3.xml", _citation("14", "Lidocaine caused hypotension.")).read_bytes())
        )
        log = trigger()
        assert graph()[0] == {"12", "13", "14"}
        # 12 and 13 are not extracted again; 11 is (its deletion comes in the second file) and goes again
        assert "done: 4 documents read (2 new, 0 updated, 2 unchanged), 1 deleted" in log, log
        for name, version in served.items():  # the run logs which versions it extracted with
            assert f"{registry / name} (dev F1 {version['dev_f1']}, data {version['data_hash']})" in log, log

        for key, value in env.items():  # the API, as `medkg serve` builds it from the same settings
            if key.startswith("MEDKG_"):
                monkeypatch.setenv(key, value)
        for key in ("MEDKG_NEO4J_URI", "MEDKG_STORE_PATH", "MEDKG_NER_MODEL", "MEDKG_RE_MODEL"):
            monkeypatch.delenv(key, raising=False)
        api = TestClient(build_app(ServeOptions()))
        health = api.get("/health").json()
        ner = dict(health["models"]["ner"])  # BC5CDR's tagger, and BioRED's, trained with it by train-bc5cdr
        assert [m["task"] for m in ner.pop("more")] == ["ner"]
        assert ner == served["ner-bc5cdr"]
        assert health["models"]["relations"] == served["re-bc5cdr"]
        assert health["models"]["diagnosis"] is None  # none trained yet, and no disease graph: /v1/predict says so
        tall = "Tall, with long slender fingers, a dislocated lens and aortic dilatation."
        case = {"text": tall, "setting": "general"}
        refused = api.post("/v1/predict", json=case)
        assert refused.status_code == 503 and "medkg load-hpo" in refused.json()["detail"]

        # train-diagnosis as the worker runs it, on the small HPO of tests/data (loaded first, as a user runs
        # `medkg load-hpo`, here without the term index's xrefs): the models land in the registry and the API
        # serves them.
        small = {**env, "MEDKG_DATA_DIR": str(mini_data(tmp_path / "mini-data"))}
        loaded = _medkg("load-hpo", "--no-xrefs", env=small, cwd=root, timeout=300)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        # (the API reads the shared data's term index and HPO names; the dense lay matcher would embed all 40k)
        monkeypatch.setenv("MEDKG_DIAGNOSIS_DENSE", "false")
        api = TestClient(build_app(ServeOptions()))  # the graph, no model yet: the general setting answers
        general = api.post("/v1/predict", json=case)
        assert general.status_code == 200 and general.json()["diagnoses"], general.text
        assert api.post("/v1/predict", json={**case, "setting": "rare"}).status_code == 503
        base = tiny_encoder(tmp_path / "tiny-encoder")
        log = trigger(
            "medkg-train-diagnosis/train-diagnosis",
            "diseases=8",
            "max_minutes=2",
            "text_max_minutes=1",
            f"base_model={base}",
            worker_env=small,
        )
        assert "diagnosis: promoted" in log, log
        health = TestClient(build_app(ServeOptions())).get("/health").json()
        assert health["models"]["diagnosis"] == card_version(read_card(registry / "diagnosis" / "graph-ranker"))
        assert health["models"]["diagnosis"]["task"] == "diagnosis"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
