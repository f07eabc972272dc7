"""Load benchmark of the HTTP API: N concurrent clients on loopback for a bounded time, per endpoint.

Starts ``medkg serve`` on a free port (or uses ``--url`` of a running server), waits for /ready,
then for each endpoint runs ``--clients`` threads that post a 100-word case back to back for
``--seconds``, and prints JSON: requests/s and p50/p95/p99 latency in ms. With ``--cases`` the
clients post the texts of a cases file in turn instead (the simulated test cases of
``medkg train diagnosis``, say), so that latency reflects many different cases.

    python bench/api_load.py --clients 4 --seconds 30
    python bench/api_load.py --cases ~/.cache/medkg/models/diagnosis/cases/test_seen.jsonl --endpoints /v1/predict
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

# 100 words, the size the target is stated for.
CASE = (
    "A 6-year-old boy was referred for evaluation of recurrent seizures that began at the age of two. "
    "His parents report global developmental delay, with walking at three years and only a few words. "
    "On examination he has microcephaly, a small jaw, widely spaced eyes and low muscle tone. "
    "He also shows short stature and poor weight gain despite adequate feeding. "
    "An ophthalmologist noted poor vision and a cataract in the left eye. "
    "There is no family history of similar problems, and his two sisters are healthy. "
    "Brain imaging was reported as abnormal, and an EEG recently showed frequent epileptiform discharges."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(f"{url}/ready", timeout=5)
            if r.status_code == 200:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} not ready after {timeout:.0f}s")


def load(url: str, path: str, bodies: list[dict], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    turn = itertools.count()

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < stop:
                body = bodies[next(turn) % len(bodies)]
                t0 = time.perf_counter()
                r = http.post(f"{url}{path}", json=body)
                dt = time.perf_counter() - t0
                with lock:
                    if r.status_code == 200:
                        latencies.append(dt)
                    else:
                        errors[0] += 1

    httpx.post(f"{url}{path}", json=bodies[0], timeout=60).raise_for_status()  # warm-up, and fail early
    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    ms = np.array(latencies) * 1000
    return {
        "endpoint": path,
        "texts": len(bodies),
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": errors[0],
        "requests_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "p99_ms": round(float(np.percentile(ms, 99)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server; default: start `medkg serve` here")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--endpoints", default="/v1/predict,/v1/extract")
    parser.add_argument("--serve-args", default="", help="extra `medkg serve` flags, e.g. '--rerank 5'")
    parser.add_argument(
        "--cases", type=Path, help="a JSONL of cases with a 'text' field to post in turn instead of the 100-word case"
    )
    args = parser.parse_args()
    server = None
    url = args.url
    if url is None:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        medkg = Path(sys.executable).with_name("medkg")
        server = subprocess.Popen(
            [str(medkg), "serve", "--port", str(port), *args.serve_args.split()],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    try:
        ready = _wait_ready(url, 300)
        texts = (
            [json.loads(line)["text"] for line in args.cases.read_text().splitlines() if line.strip()]
            if args.cases
            else [CASE]
        )
        bodies = {"/v1/predict": [{"text": t, "top_k": 5} for t in texts], "/v1/extract": [{"text": t} for t in texts]}
        results = [load(url, path, bodies[path], args.clients, args.seconds) for path in args.endpoints.split(",")]
        words = round(sum(len(t.split()) for t in texts) / len(texts), 1)
        print(
            json.dumps(
                {"mean_words": words, "serve_args": args.serve_args, "ready": ready["checks"], "results": results},
                indent=2,
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
