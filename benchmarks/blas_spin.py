"""Why the retriever's exact cosines avoid BLAS: OpenBLAS threads that busy-wait slow the embedder next.

    python -m benchmarks.blas_spin            # writes benchmarks/results/blas_spin.json
    python -m benchmarks.blas_spin --acl      # also ask() p50 at 30k, both ways (needs the `acl` collection)

`HybridRetriever.cosines` multiplies the whole vector matrix by the query vector. Written as `matrix @ q`,
numpy hands that to OpenBLAS, which splits it over its thread pool; its threads then spin for a while
after the product returns, on the same cores onnxruntime runs the evidence sentences on next. This
benchmark times:

- `micro`: one onnxruntime batch of 4 sentences (30-40 tokens, from the bundled corpus) right after nothing,
  after `M @ q` (BLAS) and after `np.einsum('ij,j->i', M, q)` (numpy's own loop, shipped), with M a
  30k x 384 float32 matrix (the ACL collection's shape), and the cosine product itself. Each variant runs
  in blocks (two of `--rounds` each, a second's pause before each): spinning threads outlive one round;
- `--acl`: `ask()` over the acl-v16 and acl-v17 questions (validation sets) with each way of computing the
  cosines, each pass cold (sentence vectors and per-paper caches cleared), passes alternated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, WORK, write_json


def _sentences(n: int) -> list[str]:
    from rag.corpus import load_papers
    from rag.sentences import paper_sentences

    papers = load_papers(REPO / "data" / "seed")
    return [s for p in papers for s in paper_sentences(p)][:n]


def micro(rounds: int) -> dict:
    from rag.embed import get_embedder
    from rag.settings import load_settings

    emb = get_embedder(load_settings())
    session = emb._get_session()
    enc = emb.tokenizer.encode_batch(pool := _sentences(3000))
    pool = [s for s, e in zip(pool, enc, strict=True) if 30 <= len(e.ids) <= 40]
    rng = np.random.default_rng(0)
    m = rng.standard_normal((30000, 384), dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    q = m[0].copy()
    before = {"none": lambda: None, "blas": lambda: m @ q, "einsum": lambda: np.einsum("ij,j->i", m, q)}
    onnx = {k: [] for k in before}
    product = {k: [] for k in before if k != "none"}
    random.seed(0)
    for _block in range(2):  # blocks, not alternation: spinning threads outlive a round (~0.1 s)
        for name, fn in before.items():
            time.sleep(1.0)
            for _ in range(rounds):
                batch = random.sample(pool, 4)
                t = time.perf_counter()
                fn()
                if name in product:
                    product[name].append(time.perf_counter() - t)
                t = time.perf_counter()
                emb._encode_batch(session, batch)
                onnx[name].append(time.perf_counter() - t)
    return {
        "onnx_batch_of_4_after_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in onnx.items()},
        "cosines_30k_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in product.items()},
    }


def acl(home: str, passes: int) -> dict:
    os.environ["RAG_HOME"] = home
    from rag.answer.judge import _token_cache
    from rag.pipeline import ask, get_engine
    from rag.retrieval.hybrid import HybridRetriever

    questions = [json.loads(line) for v in ("v16", "v17")
                 for line in open(REPO / "benchmarks" / "data" / f"validation_acl_{v}.jsonl", encoding="utf-8")]
    ask("warm-up question about parsing", collection="acl")
    eng = get_engine(collection="acl")
    shipped = HybridRetriever.cosines

    def with_blas(self, qvec):
        vecs = self.lexical.vectors
        return vecs @ np.asarray(qvec, dtype=np.float32)

    out: dict[str, list[float]] = {"blas": [], "einsum": []}
    for i in range(passes * 2):
        name = ("blas", "einsum")[i % 2]
        HybridRetriever.cosines = with_blas if name == "blas" else shipped
        eng.sentences.vecs.clear()
        _token_cache.clear()
        times = []
        for q in questions:
            t = time.perf_counter()
            ask(q["question"], history=q.get("history"), collection="acl")
            times.append(time.perf_counter() - t)
        out[name].append(round(statistics.median(times) * 1000, 1))
        print(f"pass {i + 1}: {name} p50 {out[name][-1]} ms", flush=True)
    HybridRetriever.cosines = shipped
    return {"questions": len(questions), "ask_p50_ms_per_pass": out}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=40, help="rounds per block of the micro benchmark")
    ap.add_argument("--acl", action="store_true", help="also time ask() at 30k both ways")
    ap.add_argument("--acl-home", default=str(WORK / "shared_acl"), help="RAG_HOME holding the `acl` collection")
    ap.add_argument("--passes", type=int, default=2, help="cold passes per variant with --acl")
    ap.add_argument("--out", type=Path, default=None, help="JSON result (default: benchmarks/results/blas_spin.json)")
    args = ap.parse_args()
    result = {"benchmark": "blas_spin", "cpus": os.cpu_count(), "micro": micro(args.rounds)}
    print(json.dumps(result["micro"], indent=1))
    if args.acl:
        result["acl_30k"] = acl(args.acl_home, args.passes)
    write_json("blas_spin", result, args.out)


if __name__ == "__main__":
    main()
