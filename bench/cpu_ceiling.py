"""How close the extraction models run to this CPU's fp32 ceiling (issue 15). Prints JSON.

Times the NER and relation models on BC5CDR dev abstracts, with the share spent in the
encoder's matrix products (``torch.nn.functional.linear``), attention and GELU (cProfile), and
the throughput of one encoder-sized matrix product ([2000 x 384] x [384 x 1536]) through
PyTorch's BLAS, oneDNN, numpy's BLAS and int8 dynamic quantization. When the models spend most
of their time in products that already run at what the BLAS libraries reach, only less encoder
work per abstract (a smaller or shared encoder) makes ingestion faster.

    python bench/cpu_ceiling.py --ner-model ~/.cache/medkg/models/ner-bc5cdr --re-model ~/.cache/medkg/models/re-bc5cdr
    python bench/cpu_ceiling.py --gemm-only --threads 1
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpora" / "bc5cdr" / "CDR_DevelopmentSet.PubTator.txt"
OPS = {"linear": "torch._C._nn.linear", "attention": "scaled_dot_product_attention", "gelu": "_nn.gelu"}


def gflops(f: Callable[[], Any], flop: float, n: int = 20) -> float:
    f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return round(flop * n / (time.perf_counter() - t) / 1e9, 1)


def products() -> dict[str, float]:
    import numpy as np
    import torch

    x, w, b = torch.randn(2000, 384), torch.randn(1536, 384), torch.randn(1536)
    flop = 2 * 2000 * 384 * 1536
    out = {"torch_linear": gflops(lambda: torch.nn.functional.linear(x, w, b), flop)}
    xm, wm = x.to_mkldnn(), w.to_mkldnn()
    out["onednn_linear"] = gflops(lambda: torch._C._nn.mkldnn_linear(xm, wm, b), flop)
    xn, wn = x.numpy(), w.t().contiguous().numpy()
    out["numpy_matmul"] = gflops(lambda: np.matmul(xn, wn), flop)
    lin = torch.nn.Sequential(torch.nn.Linear(384, 1536))
    for name, qconfig in (
        ("int8_per_tensor", torch.ao.quantization.default_dynamic_qconfig),
        ("int8_per_channel", torch.ao.quantization.per_channel_dynamic_qconfig),
    ):
        q = torch.ao.quantization.quantize_dynamic(lin, {torch.nn.Linear: qconfig})
        with torch.inference_mode():
            out[name] = gflops(lambda q=q: q(x), flop)
    return out


def profiled(run: Callable[[], Any]) -> dict[str, float]:
    """Wall time of ``run`` and the seconds spent in each of ``OPS``."""
    profile = cProfile.Profile()
    t = time.perf_counter()
    profile.runcall(run)
    total = time.perf_counter() - t
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    out = {"seconds": round(total, 2)}
    for op, needle in OPS.items():
        out[f"{op}_s"] = round(sum(v[2] for k, v in stats.items() if needle in str(k[2])), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ner-model", type=Path)
    ap.add_argument("--re-model", type=Path)
    ap.add_argument("--eval", type=Path, default=DEV)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: as torch picks)")
    ap.add_argument("--gemm-only", action="store_true")
    args = ap.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    report: dict[str, Any] = {
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gflops": products(),
    }
    if not args.gemm_only:
        from extractors.doc_relations import DocRelationModel
        from extractors.ner import NerModel
        from readers import read_documents

        docs = list(read_documents(args.eval))[: args.docs]
        if args.ner_model:
            ner = NerModel.load(args.ner_model)
            ner.predict(docs[:10])  # warm-up
            report["ner"] = {
                "abstracts": len(docs),
                "tokens": sum(len(w.input_ids) for w in ner.windows(docs, with_labels=False)),
                **profiled(lambda: ner.predict(docs)),
            }
            report["ner"]["abstracts_per_s"] = round(len(docs) / report["ner"]["seconds"], 2)
            c = ner.model.config  # the encoder's products per token: Q, K, V, output, and the two feed-forward
            flop = (
                report["ner"]["tokens"]
                * c.num_hidden_layers
                * 2
                * (4 * c.hidden_size**2 + 2 * c.hidden_size * c.intermediate_size)
            )
            report["ner"]["linear_gflops"] = round(flop / max(report["ner"]["linear_s"], 1e-9) / 1e9, 1)
        if args.re_model:
            rel = DocRelationModel.load(args.re_model)
            rel.probabilities(docs[:10])
            report["relations"] = {"abstracts": len(docs), **profiled(lambda: rel.probabilities(docs))}
            report["relations"]["abstracts_per_s"] = round(len(docs) / report["relations"]["seconds"], 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
