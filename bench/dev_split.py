"""The held-out part of a dev split as the training flow splits it (``ModelSet.dev_held_out_every``:
BC5CDR's models train on three of every four dev abstracts too and are chosen and scored on the
fourth), written as PubTator, so that a model trained that way is scored on documents it never saw.

    python bench/dev_split.py ../shared/data/corpora/bc5cdr/CDR_DevelopmentSet.PubTator.txt > held-out.pubtator
    python bench/dev_split.py DEV --every 4 --part joins > trained.pubtator   # the documents that trained

The documents are copied verbatim from the file (text, annotations and relations).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractors.training import split_dev
from readers import read_documents
from wiring.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dev", type=Path, help="a PubTator dev split")
    parser.add_argument(
        "--every",
        type=int,
        default=load_settings().model_set("bc5cdr").dev_held_out_every,
        help="every n-th document is held out (default: BC5CDR's setting)",
    )
    parser.add_argument("--part", choices=("held-out", "joins"), default="held-out")
    args = parser.parse_args()
    joins, held = split_dev(list(read_documents(args.dev)), args.every)
    wanted = {d.pmid for d in (held if args.part == "held-out" else joins)}
    blocks = [b for b in args.dev.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    kept = [b.strip("\n") for b in blocks if b.strip("\n").split("|", 1)[0] in wanted]
    if len(kept) != len(wanted):
        sys.exit(f"{args.dev}: found {len(kept)} of the {len(wanted)} documents in its PubTator blocks")
    sys.stdout.write("\n\n".join(kept) + "\n\n")
    print(f"{len(kept)} documents ({args.part}) of {len(blocks)}", file=sys.stderr)


if __name__ == "__main__":
    main()
