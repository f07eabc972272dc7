"""Models that travel: trained model folders packed into one archive with checksums and their
cards, and installed from it where every command finds them.

Train once where it is fast (a GPU, a CPU with native bf16), package, install everywhere: an
archive is a gzipped tar of the model folders (``NAME/...``) plus ``MANIFEST.json`` (format,
creation time, and per model its card summary and every file's sha256). Other files can travel
with the models (``extras``: the term index ``medkg run`` would otherwise build for ten minutes),
under ``extras/`` in the archive, checksummed the same way. Installing checks every checksum
before anything is moved into place, refuses paths that leave the archive, and replaces an
installed model only when asked to.

>>> archive = package_models([Path("~/.cache/medkg/models/ner-bc5cdr")], Path("dist"))  # doctest: +SKIP
>>> install_models(archive, Path("~/.cache/medkg/models"))  # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractors.models import ARTIFACT_FILE, CHECKPOINT, card_dev_acc, card_dev_f1, read_card, sha256_file
from extractors.registry import card_folder, has_model
from kg.errors import ConfigError, InputError

FORMAT = "medkg-models/1"
MANIFEST = "MANIFEST.json"
SUFFIX = ".medkg.tar.gz"
_SKIP_DIRS = {Path(CHECKPOINT).parts[0]}  # a resumable run's optimizer state: not part of a model


def _model_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).parts[0] not in _SKIP_DIRS)


def _summary(card: dict[str, Any]) -> dict[str, Any]:
    return {
        k: card.get(k)
        for k in (
            "task",
            "architecture",
            "base_model",
            "types",
            "labels",
            "metrics",
            "data_hash",
            "versions",
            "stopped_by",
            "train_minutes",
        )
        if k in card
    }


EXTRAS = "extras"


def package_models(
    folders: Sequence[Path], out: Path, *, name: str | None = None, extras: Sequence[tuple[str, Path]] = ()
) -> Path:
    """Write one archive holding ``folders`` (each a model folder with a ``medkg.json`` card) into
    the folder ``out``; returns its path. A model whose training was cut short and can still be
    resumed is packaged as it is, and its manifest says so. ``extras`` are (relative destination,
    file) pairs that travel along and are installed under the destination folder
    ``install_models`` is given (e.g. ``("index/term-index-v9-....pkl", path)``)."""
    if not folders:
        raise ConfigError("no model folders to package")
    models: dict[str, Any] = {}
    for folder in folders:
        folder = Path(folder).expanduser()
        card = read_card(folder)  # refuses a folder that is no model
        if folder.name in models:
            raise ConfigError(f"two models named {folder.name!r}: package them separately")
        models[folder.name] = {
            "card": _summary(card),
            "resumable": bool(card.get("resumable")),
            "files": {str(p.relative_to(folder)): sha256_file(p) for p in _model_files(folder)},
        }
    extra_files: dict[str, str] = {}
    for rel, path in extras:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ConfigError(f"{rel}: an extra file's destination must be a relative path inside the install folder")
        extra_files[rel] = sha256_file(Path(path))
    out = Path(out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{name or '+'.join(sorted(models))}{SUFFIX}"
    manifest = json.dumps(
        {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "models": models,
            EXTRAS: extra_files,
        },
        indent=2,
    )
    tmp = archive.with_name(archive.name + ".part")
    with tarfile.open(tmp, "w:gz") as tar:
        info = tarfile.TarInfo(MANIFEST)
        data = manifest.encode()
        info.size, info.mtime = len(data), int(time.time())
        tar.addfile(info, io.BytesIO(data))
        for folder in folders:
            folder = Path(folder).expanduser()
            for p in _model_files(folder):
                tar.add(p, arcname=f"{folder.name}/{p.relative_to(folder)}", recursive=False)
        for rel, path in extras:
            tar.add(Path(path), arcname=f"{EXTRAS}/{rel}", recursive=False)
    tmp.replace(archive)
    return archive


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a model archive (checked to be one)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (OSError, tarfile.TarError, KeyError, json.JSONDecodeError) as exc:
        raise InputError(f"{archive}: not a medkg model archive ({exc}); make one with `medkg models package`") from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("models"), dict)
    ):
        raise InputError(f"{archive}: not a {FORMAT} archive; make one with `medkg models package`")
    return manifest


def install_models(
    archive: Path, models_dir: Path, *, force: bool = False, extras_dir: Path | None = None
) -> list[Path]:
    """Install every model of ``archive`` into ``models_dir`` (one folder per model, named as it
    was packaged), and its extra files under ``extras_dir`` (default: the folder above
    ``models_dir``, i.e. MEDKG_HOME); returns what was put in place, models first. Nothing is
    moved into place unless every file's checksum matches; an installed model of the same name
    is replaced only with ``force``; an extra file already there with the same checksum is kept."""
    archive = Path(archive).expanduser()
    if not archive.is_file():
        raise InputError(f"{archive}: no such file")
    manifest = read_manifest(archive)
    models_dir = Path(models_dir).expanduser()
    models_dir.mkdir(parents=True, exist_ok=True)
    taken = [name for name in manifest["models"] if (models_dir / name).exists()]
    if taken and not force:
        raise ConfigError(f"{', '.join(str(models_dir / n) for n in taken)} already installed; pass --force to replace")
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".install-") as tmp_name:
        tmp = Path(tmp_name)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(tmp, filter="data")  # refuses absolute paths, '..', links out of the folder
        for name, entry in manifest["models"].items():
            folder = tmp / name
            if "/" in name or not (folder / ARTIFACT_FILE).is_file():
                raise InputError(f"{archive}: model {name!r} has no {ARTIFACT_FILE}")
            listed = entry.get("files", {})
            present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
            if present != set(listed):
                raise InputError(
                    f"{archive}: model {name!r} files differ from its manifest "
                    f"(missing {sorted(set(listed) - present)[:3]}, extra {sorted(present - set(listed))[:3]})"
                )
            for rel, digest in listed.items():
                if sha256_file(folder / rel) != digest:
                    raise InputError(f"{archive}: {name}/{rel} does not match its checksum; the archive is damaged")
        extras = manifest.get(EXTRAS) or {}
        for rel, digest in extras.items():
            if not (tmp / EXTRAS / rel).is_file() or sha256_file(tmp / EXTRAS / rel) != digest:
                raise InputError(
                    f"{archive}: {EXTRAS}/{rel} is missing or does not match its checksum; the archive is damaged"
                )
        installed = []
        for name in manifest["models"]:
            dest = models_dir / name
            if dest.exists():
                old = tmp / f".replaced-{name}"
                dest.rename(old)
            (tmp / name).rename(dest)
            installed.append(dest)
        target = Path(extras_dir).expanduser() if extras_dir is not None else models_dir.parent
        for rel, digest in extras.items():
            dest = target / rel
            if not (dest.is_file() and sha256_file(dest) == digest):
                dest.parent.mkdir(parents=True, exist_ok=True)
                part = dest.with_name(dest.name + ".part")
                shutil.move(tmp / EXTRAS / rel, part)  # copied when on another file system
                part.replace(dest)  # so that a killed install never leaves half a file under the real name
            installed.append(dest)
    return installed


def list_models(models_dir: Path) -> list[dict[str, Any]]:
    """The model folders in ``models_dir`` with what their cards say (task, best dev score)."""
    rows = []
    for folder in sorted(Path(models_dir).expanduser().glob("*")):
        if not has_model(folder):
            continue
        card = read_card(card_folder(folder))
        rows.append(
            {
                "name": folder.name,
                "task": card.get("task"),
                "dev_f1": card_dev_f1(card),
                **({"dev_acc": acc} if (acc := card_dev_acc(card)) is not None else {}),
                "best_epoch": card.get("metrics", {}).get("best_epoch"),
                "resumable": bool(card.get("resumable")),
                "data_hash": (card.get("data_hash") or "")[:12],
                "path": str(folder),
            }
        )
    return rows
