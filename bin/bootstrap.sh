# Sourced by bin/medkg and bin/test: makes sure the virtual environment exists and is current.
# The environment lives outside the checkout (default ~/.cache/medkg/venv) so that every clone,
# CI's included, reuses it; it is reinstalled when pyproject.toml changes or the checkout moves.
set -euo pipefail

MEDKG_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MEDKG_VENV="${MEDKG_VENV:-$HOME/.cache/medkg/venv}"

_medkg_python() {
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 14) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$MEDKG_VENV/bin/python" ]; then
  PY="$(_medkg_python)" || {
    echo "medkg needs Python 3.11-3.13 (e.g. apt-get install python3 python3-venv)" >&2
    exit 1
  }
  echo "medkg: creating the virtual environment in $MEDKG_VENV (once)" >&2
  "$PY" -m venv "$MEDKG_VENV"
  "$MEDKG_VENV/bin/python" -m pip install -q --upgrade pip uv
fi

_stamp_file="$MEDKG_VENV/.medkg-stamp"
_stamp="$( (cat "$MEDKG_ROOT/pyproject.toml"; echo "$MEDKG_ROOT") | sha256sum | cut -c1-16)"
if [ "$(cat "$_stamp_file" 2>/dev/null || true)" != "$_stamp" ]; then
  echo "medkg: installing dependencies into $MEDKG_VENV (the first time takes several minutes: PyTorch is large)" >&2
  # PyTorch's own index has CPU-only wheels (about 1 GB instead of the 4 GB CUDA build PyPI
  # serves): uv picks the build that fits this machine's GPU driver, or the CPU one without a
  # GPU (MEDKG_TORCH_BACKEND=auto, or cpu, cu128...; "pypi" skips it). Where that index cannot be
  # reached, PyTorch comes from PyPI as before.
  _backend="${MEDKG_TORCH_BACKEND:-auto}"
  if [ "$_backend" = pypi ] || ! "$MEDKG_VENV/bin/python" -m uv pip install -q --python "$MEDKG_VENV/bin/python" \
      --torch-backend "$_backend" -e "$MEDKG_ROOT[dev]" 2>/dev/null; then
    [ "$_backend" = pypi ] || echo "medkg: PyTorch's index (download.pytorch.org) is not reachable; installing PyTorch from PyPI" >&2
    "$MEDKG_VENV/bin/python" -m uv pip install -q --python "$MEDKG_VENV/bin/python" -e "$MEDKG_ROOT[dev]"
  fi
  echo "$_stamp" >"$_stamp_file"
fi
export PATH="$MEDKG_VENV/bin:$PATH"
