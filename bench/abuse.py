"""Abuse benchmark: replay the probes of a hostile feed and a hostile client against the CLI and a
live ``medkg serve``, and report what each one got.

Every probe ends in one of:

- ``clear``: the outcome the probe expects (a counted skip with every good record kept, a typed
  4xx, a one-line error with a non-zero exit);
- ``silent_loss``: exit 0 / HTTP 200 but good records missing or a refusal that did not happen;
- ``crash``: a traceback, an HTTP 500, a dropped connection, or a benign request failing right
  after a hostile one (one client poisoned the server for the next);
- ``wrong``: anything else that is not what the probe expects.

Then a benign client reads ``/v1/entities/{curie}`` back to back, alone and while a hostile client
sends cartesian-product queries (stopped by the query timeout) and oversized bodies, and the
report gives both p95 latencies and their ratio (target: within 2x).

    python bench/abuse.py --data-dir ../shared/data --serve-args "--ner-model M/ner-bc5cdr --re-model M/re-bc5cdr"
    python bench/abuse.py --url http://127.0.0.1:8000 --key secret   # a running server (API probes only)

Without ``--url`` it loads BioRED train into a temporary embedded store, starts ``medkg serve``
on it (``MEDKG_QUERY_TIMEOUT_S=5``, a key of its own) and stops it at the end. Needs what
``medkg serve`` needs (a NER model and the term index, from the settings or ``--serve-args``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kg.layout import DataLayout
from tests.readers.corruptions import CASES, GOOD  # the corruptions the reader tests inject

MEDKG = str(Path(sys.executable).with_name("medkg"))


@dataclass
class Probe:
    group: str
    name: str
    outcome: str  # clear | silent_loss | crash | wrong
    detail: str


def _run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MEDKG, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _articles(env: dict[str, str]) -> int:
    done = _run(["query", "MATCH (a:Article) RETURN count(a) AS n", "-o", "json"], env)
    return int(json.loads(done.stdout)[0]["n"]) if done.returncode == 0 else -1


def _judge_cli(done: subprocess.CompletedProcess[str], *, fail: bool, message: str = "") -> tuple[str, str]:
    out = done.stdout + done.stderr
    last = (out.strip().splitlines() or [""])[-1][:160]
    if "Traceback" in out:
        return "crash", last
    if fail != (done.returncode != 0):
        return ("silent_loss" if fail else "wrong"), f"exit {done.returncode}: {last}"
    if message and message.lower() not in out.lower():
        return "wrong", f"no {message!r} in: {last}"
    return "clear", last


def cli_probes(data_dir: Path, work: Path) -> list[Probe]:
    probes: list[Probe] = []
    fmts = {"pubtator": "pubtator", "bioc-xml": "bioc.xml", "bioc-json": "bioc.json", "pubmed": "xml", "jsonl": "jsonl"}

    def store_env(name: str, **extra: str) -> dict[str, str]:
        return {**os.environ, "MEDKG_STORE_PATH": str(work / f"store-{name}"), "MEDKG_GENES": "false", **extra}

    # A feed's corruptions: one bad record, every good one kept (load and --strict).
    for i, (fmt, sample, what, corrupt, message) in enumerate(CASES):
        bad = work / f"bad{i}.{fmts[fmt]}"
        bad.write_bytes(corrupt(sample(data_dir)))
        env = store_env(f"c{i}")
        done = _run(["load", str(bad)], env)
        outcome, detail = _judge_cli(done, fail=False, message="skipped")
        kept = _articles(env)
        if outcome == "clear" and kept != GOOD - 1:
            outcome, detail = "silent_loss", f"{kept} of {GOOD - 1} good records stored"
        probes.append(Probe("feed", f"load {fmt}: {what}", outcome, detail))
        strict = _run(["load", "--strict", str(bad)], store_env(f"s{i}"))
        probes.append(Probe("feed", f"load --strict {fmt}: {what}", *_judge_cli(strict, fail=True, message=message)))

    # Update semantics: a citation and later its DeleteCitation leave nothing.
    pubmed = CASES[[c[0] for c in CASES].index("pubmed")][1](data_dir).decode()
    first = pubmed.split("<PMID")[1].split(">", 1)[1].split("<", 1)[0]
    updates = work / "update.xml"
    updates.write_text(
        pubmed.replace(
            "</MedlineCitationSet>",
            f'<DeleteCitation><PMID Version="1">{first}</PMID></DeleteCitation></MedlineCitationSet>',
        )
    )
    env = store_env("update")
    done = _run(["load", str(updates)], env)
    outcome, detail = _judge_cli(done, fail=False, message="deleted")
    if outcome == "clear" and _articles(env) != GOOD - 1:
        outcome, detail = "silent_loss", f"{_articles(env)} articles, {GOOD - 1} expected after the deletion"
    probes.append(Probe("feed", "citation then its DeleteCitation", outcome, detail))

    # Settings and inputs.
    good = work / "good.pubtator"
    good.write_bytes(CASES[0][1](data_dir))
    for value in ("0", "-1", "many"):
        done = _run(["load", str(good)], store_env(f"batch{value}", MEDKG_BATCH_SIZE=value))
        probes.append(
            Probe("settings", f"MEDKG_BATCH_SIZE={value}", *_judge_cli(done, fail=True, message="MEDKG_BATCH_SIZE"))
        )
    folder = work / "folder"
    folder.mkdir()
    (folder / "a.pubtator").write_bytes(good.read_bytes())
    env = store_env("folder")
    done = _run(["load", str(folder)], env)
    outcome, detail = _judge_cli(done, fail=done.returncode != 0)
    probes.append(
        Probe(
            "input",
            "a folder as input",
            outcome if "no such file" not in (done.stdout + done.stderr) else "wrong",
            detail,
        )
    )
    for name, content in (("empty.xml", b""), ("garbage.xml", os.urandom(4096)), ("garbage.json", b"\x00\xff{[")):
        path = work / name
        path.write_bytes(content)
        done = _run(["load", "--strict", str(path)], store_env(name))
        probes.append(Probe("input", f"load --strict {name}", *_judge_cli(done, fail=True)))
    done = _run(["load", str(work / "missing.xml")], store_env("missing"))
    probes.append(Probe("input", "a file that does not exist", *_judge_cli(done, fail=True, message="missing.xml")))

    # Queries from the CLI (on a loaded store).
    env = store_env("c0")
    for name, args, message in (
        ("two statements", ["MATCH (e:Entity) RETURN e.curie; RETURN 1"], "one statement"),
        ("CALL timeout=1", ["CALL timeout=1"], "refused"),
        ("CALL threads=1", ["CALL threads=1"], "refused"),
        ("a write", ["CREATE (e:Entity {curie: 'x:1'})"], "read-only"),
        ("LOAD FROM", ["LOAD FROM '/etc/passwd' RETURN *"], ""),
        ("unbound $parameter", ["MATCH (e:Entity {curie: $c}) RETURN e.name"], "$c"),
        ("mixed-type list parameter", ["UNWIND $xs AS x RETURN x", "-p", 'xs=[1, "a", {"b": 2}]'], ""),
        ("unknown output format", ["RETURN 1 AS x", "-o", "xml"], "xml"),
    ):
        done = _run(["query", *args], env)
        probes.append(Probe("cli-query", name, *_judge_cli(done, fail=True, message=message)))

    # A query while another process loads into the same store.
    env = store_env("busy")
    corpus = DataLayout(data_dir).corpus("bc5cdr_train")
    loader = subprocess.Popen(
        [MEDKG, "load", str(corpus)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    answers = []
    while loader.poll() is None and len(answers) < 20:
        answers.append(_run(["query", "MATCH (a:Article) RETURN count(a) AS n", "-o", "json"], env))
    loader.wait(timeout=600)
    bad = [a for a in answers if a.returncode != 0 and ("Traceback" in a.stderr or "corrupt" in a.stderr.lower())]
    locked = [a for a in answers if a.returncode != 0 and a not in bad]
    probes.append(
        Probe(
            "cli-query",
            f"queries during a load ({len(answers)})",
            "crash" if bad else "clear",
            (bad[0].stderr.strip().splitlines() or [""])[-1][:160]
            if bad
            else f"{len(locked)} answered with a clear 'busy' line",
        )
    )
    return probes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, timeout: float, server: subprocess.Popen[str] | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit(
                f"medkg serve ended with {server.returncode}: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} not up after {timeout:.0f} s")


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    block = b" " * size
    for _ in range(total // size):
        yield block


def _declared_length(url: str, path: str, length: int) -> httpx.Response:
    """A request that declares ``length`` bytes and sends two (httpx refuses to): the status line
    of the answer, read from a raw socket."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n{{}}".encode()
        )
        answer = sock.recv(65536).decode("latin-1")
    status = int(answer.split(" ", 2)[1])
    return httpx.Response(status, content=answer.split("\r\n\r\n", 1)[-1].encode("latin-1"))


def _rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/status").read_text().split("VmRSS:")[1].split()
        return int(fields[0]) / 1024
    except (OSError, IndexError):
        return None


def api_probes(url: str, key: str, curie: str, timeout_s: float, server_pid: int | None) -> list[Probe]:
    probes: list[Probe] = []
    http = httpx.Client(base_url=url, timeout=timeout_s + 60)
    auth = {"X-API-Key": key}

    def benign_ok() -> bool:
        try:
            return http.get(f"/v1/entities/{curie}").status_code == 200 and http.get("/health").status_code == 200
        except httpx.HTTPError:
            return False

    def probe(
        group: str,
        name: str,
        send: Callable[[], httpx.Response],
        expect: set[int],
        *,
        check: Callable[[httpx.Response], str] | None = None,
        seconds: float | None = None,
    ) -> None:
        started = time.monotonic()
        try:
            r = send()
        except (httpx.HTTPError, OSError) as exc:  # the server dropped the connection, or is gone
            probes.append(Probe(group, name, "crash", f"{type(exc).__name__}: {exc}"[:160]))
            return
        took = time.monotonic() - started
        body = r.text[:160]
        if r.status_code >= 500:
            outcome = "crash"
        elif r.status_code not in expect:
            outcome = "silent_loss" if r.status_code == 200 else "wrong"
        elif check is not None and (problem := check(r)):
            outcome, body = "wrong", problem
        elif seconds is not None and took > seconds:
            outcome, body = "wrong", f"took {took:.1f} s (over {seconds:g})"
        else:
            outcome = "clear"
        if outcome == "clear" and not benign_ok():
            outcome, body = "crash", "the next benign request failed (the server was poisoned)"
        probes.append(Probe(group, name, outcome, f"{r.status_code} in {took:.2f} s: {body}"))

    def query(
        cypher: str, params: dict[str, Any] | None = None, headers: dict[str, str] = auth
    ) -> Callable[[], httpx.Response]:
        return lambda: http.post("/v1/query", json={"cypher": cypher, "params": params or {}}, headers=headers)

    for cypher in (
        "MATCH (e:Entity) RETURN e.curie; RETURN 1",
        "RETURN 1; MATCH (e:Entity) DETACH DELETE e",
        "CALL timeout=1",
        "CALL threads=1",
        "CREATE (e:Entity {curie: 'x:1'})",
        "MATCH (e:Entity) SET e.name = 'x'",
        "MATCH (e:Entity) DETACH DELETE e",
        "MERGE (e:Entity {curie: 'x:2'})",
        "COPY Entity FROM '/tmp/x.csv'",
        "LOAD FROM '/etc/passwd' RETURN *",
        "CALL db.clear()",
        "DROP TABLE Entity",
    ):
        probe("refused", cypher, query(cypher), {400, 403})
    probe(
        "query", "mixed-type list parameter", query("UNWIND $xs AS x RETURN x", {"xs": [1, "a", {"b": 2}]}), {400, 422}
    )
    probe("query", "unbound $parameter", query("MATCH (e:Entity {curie: $c}) RETURN e"), {400})
    probe("query", "no key", query("RETURN 1", headers={}), {401, 403})
    probe(
        "query",
        "non-ASCII key",
        lambda: http.post("/v1/query", json={"cypher": "RETURN 1"}, headers={"X-API-Key": "clé".encode()}),
        {401, 403},
    )
    probe("query", "wrong key", query("RETURN 1", headers={"X-API-Key": key + "x"}), {403})
    probe(
        "bounded",
        "1M rows asked, 1,000 returned",
        query("UNWIND range(1, 1000000) AS x RETURN x"),
        {200, 400},
        check=lambda r: (
            "" if r.status_code == 400 or (r.json()["row_count"] == 1000 and r.json()["truncated"]) else "not truncated"
        ),
        seconds=timeout_s + 5,
    )
    probe(
        "bounded",
        "range() of 2 billion values",
        query("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*) AS n"),
        {403},
        seconds=5,
    )
    probe(
        "bounded",
        "range() bounds from parameters",
        query("UNWIND range($a, $b) AS x RETURN count(*) AS n", {"a": 1, "b": 10**10}),
        {403},
        seconds=5,
    )
    probe(
        "bounded",
        "cartesian product stopped by the timeout",
        query(
            "MATCH (a:Entity), (b:Entity), (c:Entity) WHERE a.name < b.name AND b.name < c.name RETURN count(*) AS n"
        ),
        {400},
        check=lambda r: "" if r.json().get("error") == "query_timeout" else r.text[:160],
        seconds=timeout_s + 5,
    )
    before = _rss_mb(server_pid)
    probe("body", "100 MB chunked body, no key", lambda: http.post("/v1/query", content=_chunks(100 << 20)), {413})
    after = _rss_mb(server_pid)
    if before is not None and after is not None and after - before > 50:
        probes[-1] = Probe("body", probes[-1].name, "wrong", f"server memory grew {after - before:.0f} MB")
    probe(
        "body",
        "Content-Length of 10 GB",
        lambda: _declared_length(url, "/v1/extract", 10_000_000_000),
        {413},
        seconds=5,
    )
    probe(
        "body",
        "not JSON",
        lambda: http.post("/v1/extract", content=b'{"text": ', headers={"Content-Type": "application/json"}),
        {400, 422},
    )
    probe(
        "body",
        "lone surrogate in text",
        lambda: http.post(
            "/v1/extract", content=b'{"text": "a \\ud800 b"}', headers={"Content-Type": "application/json"}
        ),
        {400},
    )
    probe("body", "empty text", lambda: http.post("/v1/extract", json={"text": "   "}), {400})
    probe("body", "text over the limit", lambda: http.post("/v1/extract", json={"text": "word " * 30_000}), {413})
    probe("body", "top_k = 0", lambda: http.post("/v1/predict", json={"text": "fever", "top_k": 0}), {422})
    probe("body", "text is a number", lambda: http.post("/v1/predict", json={"text": 5}), {422})
    probe("entities", "not a CURIE", lambda: http.get("/v1/entities/aspirin"), {400})
    probe("entities", "unknown CURIE", lambda: http.get("/v1/entities/MESH:D999999999"), {404})
    probe(
        "entities",
        "lower-case prefix",
        lambda: http.get(f"/v1/entities/{curie.lower().split(':')[0]}:{curie.split(':', 1)[1]}"),
        {200},
    )
    probe("entities", "limit = -1", lambda: http.get(f"/v1/entities/{curie}", params={"limit": -1}), {422})
    probe("routes", "unknown route", lambda: http.get("/v1/nothing"), {404})
    probe("routes", "wrong method", lambda: http.get("/v1/query"), {405})
    http.close()
    return probes


def _latencies(url: str, curie: str, seconds: float) -> list[float]:
    out: list[float] = []
    stop = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=120) as http:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            r = http.get(f"/v1/entities/{curie}")
            out.append(time.perf_counter() - t0 if r.status_code == 200 else float("inf"))
    return out


def contention(url: str, key: str, curie: str, seconds: float) -> dict[str, Any]:
    """p95 of a benign client alone, then beside a hostile one."""
    idle = _latencies(url, curie, seconds)
    stop = threading.Event()
    hostile_requests = Counter[int]()

    def hostile() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while not stop.is_set():
                r = http.post(
                    "/v1/query",
                    json={
                        "cypher": "MATCH (a:Entity), (b:Entity), (c:Entity) WHERE a.name < b.name AND b.name < c.name "
                        "RETURN count(*) AS n"
                    },
                    headers={"X-API-Key": key},
                )
                hostile_requests[r.status_code] += 1
                r = http.post("/v1/query", content=_chunks(20 << 20))
                hostile_requests[r.status_code] += 1

    thread = threading.Thread(target=hostile, daemon=True)
    thread.start()
    time.sleep(1)
    busy = _latencies(url, curie, seconds)
    stop.set()
    thread.join(timeout=120)

    def p95(xs: list[float]) -> float:
        return round(float(np.percentile(np.array(xs) * 1000, 95)), 1)

    failed = sum(1 for x in busy if x == float("inf"))
    return {
        "benign_idle_requests": len(idle),
        "benign_idle_p95_ms": p95(idle),
        "benign_busy_requests": len(busy),
        "benign_busy_failed": failed,
        "benign_busy_p95_ms": p95(busy),
        "ratio": round(p95(busy) / p95(idle), 2),
        "hostile_statuses": dict(hostile_requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--url", help="a running server (API probes only); default: load a store and start `medkg serve` on it"
    )
    parser.add_argument("--key", default="abuse-bench-key", help="its MEDKG_API_KEY")
    parser.add_argument("--serve-args", default="", help="extra `medkg serve` flags (models)")
    parser.add_argument("--timeout-s", type=float, default=5.0, help="MEDKG_QUERY_TIMEOUT_S of the started server")
    parser.add_argument("--seconds", type=float, default=20.0, help="each half of the contention test")
    parser.add_argument("--skip-cli", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="medkg-abuse-"))
    probes = [] if args.skip_cli or args.url else cli_probes(args.data_dir, work)
    server = None
    url = args.url
    if url is None:
        env = {
            **os.environ,
            "MEDKG_STORE_PATH": str(work / "served"),
            "MEDKG_API_KEY": args.key,
            "MEDKG_QUERY_TIMEOUT_S": str(args.timeout_s),
        }
        subprocess.run(
            [MEDKG, "load", str(DataLayout(args.data_dir).corpus("biored_train"))],
            env=env,
            check=True,
            capture_output=True,
        )
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [MEDKG, "serve", "--port", str(port), *args.serve_args.split()],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        _wait_up(url, 600, server)
        top = httpx.post(
            f"{url}/v1/query",
            headers={"X-API-Key": args.key},
            timeout=60,
            json={
                "cypher": "MATCH (e:Entity)-[r]-(:Entity) RETURN e.curie AS c, count(r) AS n ORDER BY n DESC LIMIT 1"
            },
        ).json()
        curie = top["rows"][0]["c"]
        probes += api_probes(url, args.key, curie, args.timeout_s, server.pid if server else None)
        load = contention(url, args.key, curie, args.seconds)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
    outcomes = Counter(p.outcome for p in probes)
    print(
        json.dumps(
            {
                "probes": len(probes),
                "clear": outcomes["clear"],
                "silent_losses": outcomes["silent_loss"],
                "crashes": outcomes["crash"],
                "wrong": outcomes["wrong"],
                "entity": curie,
                "contention": load,
                "not_clear": [asdict(p) for p in probes if p.outcome != "clear"],
                "all": [asdict(p) for p in probes],
            },
            indent=1,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
