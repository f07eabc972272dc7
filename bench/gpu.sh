#!/usr/bin/env bash
# The GPU path, checked in one call: fine-tune NER and the relation model on CUDA with the default
# epochs, score both on dev, and ingest BC5CDR dev text; prints timings and scores (JSON lines).
# Sized for one H100/H200 in under 10 minutes. CUDA is never needed by the tests.
#
#   bench/gpu.sh [DATA_DIR] [OUT_DIR]      # DATA_DIR: the shared data (default ../shared/data)
#
# On a machine that gets only the repository (a lent GPU box), copy the BC5CDR folder and the
# ontologies into an ignored folder of the checkout and pass it as DATA_DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
DATA="${1:-${MEDKG_DATA_DIR:-../shared/data}}"
OUT="${2:-/tmp/medkg-gpu}"
PY="${PYTHON:-python3}"
TRAIN="$DATA/corpora/bc5cdr/CDR_TrainingSet.PubTator.txt"
DEV="$DATA/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt"
export MEDKG_HOME="$OUT/home" MEDKG_DATA_DIR="$DATA" PYTHONUNBUFFERED=1
mkdir -p "$OUT"
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else "no CUDA device: this check is for a GPU machine")'
"$PY" -c 'import torch, json; print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__}))'
stamp() { date +%s.%N; }
t0=$(stamp)
"$PY" -m cli.main train ner --train "$TRAIN" --dev "$DEV" --out "$OUT/ner" >"$OUT/ner.json"
t1=$(stamp)
"$PY" -m cli.main train re --train "$TRAIN" --dev "$DEV" --out "$OUT/re" --base-model "$OUT/ner" >"$OUT/re.json"
t2=$(stamp)
"$PY" - "$OUT" "$t0" "$t1" "$t2" <<'PY'
import json, sys
out, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
ner, re_ = json.load(open(f"{out}/ner/medkg.json")), json.load(open(f"{out}/re/medkg.json"))
print(json.dumps({"ner_minutes": round((t1 - t0) / 60, 2), "ner_dev_f1": ner["metrics"]["dev"]["micro"]["f1"],
                  "ner_epochs": len(ner["history"]), "re_minutes": round((t2 - t1) / 60, 2),
                  "re_dev_f1": re_["metrics"]["dev"]["f1"], "re_epochs": len(re_["history"])}))
PY
"$PY" bench/ner.py --model "$OUT/ner" --eval "$DEV" --drop-ungrounded
"$PY" bench/ingest.py --ner-model "$OUT/ner" --re-model "$OUT/re" "$DEV"
