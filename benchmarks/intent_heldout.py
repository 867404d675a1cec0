"""Score the shipped list-intent model (rag/data/intent.json, fitted on v1-v8) on the later human sets.

    python -m benchmarks.intent_heldout      # seconds; writes benchmarks/results/intent_heldout.json

The sets from v9 on were never part of the model's training data, so its scores there are held out.
Also reported, to ask whether refitting with them would help: leave-one-version-out over v1 to the last
set, and its score on the later sets' folds. Nothing is fitted or written to the model file here.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

import benchmarks.train_intent as T
from benchmarks.common import write_json


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=None, help="report (default: benchmarks/results/intent_heldout.json)")
    args = ap.parse_args(argv)
    from rag.intent import load_intent

    last = max(int(p.stem.rsplit("_v", 1)[1]) for p in T.DATA.glob("validation_bundled_v*.jsonl"))
    T.SEEN = range(1, last + 1)
    rows = T.load_questions()
    texts = np.array([q["question"] for q in rows])
    y = np.array([q["label"] for q in rows])
    version = np.array([q["version"] for q in rows])
    later = version >= 9
    model = load_intent()
    shipped = np.array([model.probability(t) for t in texts])
    report: dict = {"model": "rag/data/intent.json (fitted on v1-v8)",
                    "shipped_on_later_sets": T.scores(y[later], shipped[later]),
                    "shipped_by_set": {f"v{v}": T.scores(y[version == v], shipped[version == v])
                                       for v in range(9, last + 1)}}
    oof = np.zeros(len(rows))
    for v in T.SEEN:
        held = version == v
        oof[held] = T.predict(T.pipeline().fit(texts[~held], y[~held]), texts[held])
    report["leave_one_version_out_all"] = T.scores(y, oof)
    report["leave_one_version_out_later_folds"] = T.scores(y[later], oof[later])
    print(json.dumps(report, indent=1))
    write_json("intent_heldout", report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
