"""Fit the relevance model (rag/data/relevance.json) and the reference IDF (rag/data/idf.json.gz).

    python -m benchmarks.train_relevance            # rebuild both, deterministically (seeded)

Labelled (question, paper) pairs, none from the dev set or the validation sets v20-v21:
- SciFact train claims with their BEIR train qrels (809 claims over 5,183 abstracts); for a third of
  them the gold papers are left out of the candidates, which makes unanswerable cases;
- ACL Anthology topic questions made from title n-grams (every paper whose title holds the phrase
  is relevant; papers that mention it only in the abstract are left unlabelled), asked of the full
  30k collection and of random sub-libraries of 2, 20 and 200 papers;
- "which papers use X" questions for names (datasets, models) that 2-8 abstracts mention, all of those
  papers relevant (ACL and the bundled corpus);
- known-item questions from ACL and bundled-corpus metadata (shuffled titles, a middle sentence), and
  questions naming a paper's distinctive short name ('what is GrowNet?', some in other languages);
- absent topics: ACL topics and SciFact claims asked of the bundled corpus, where no paper holds them;
- the human-written validation sets already looked at (v1-v19 and v22; benchmarks/relevance_sources.py), weighted up;
  v20-v21 are collected and scored (`validation` in the report), never fitted on.

Queries are split by a hash of their text: 80% fit the model, 20% ("calibration split") give the
calibration report and, with out-of-fold predictions for the human-written questions, choose the
answer and list thresholds. Nothing here is ever scored as held out.
Writes benchmarks/results/relevance.json (calibration, ECE, reliability curve, coefficients).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from benchmarks.common import REPO, WORK, add_common_args, data_root, write_json
from benchmarks.relevance_sources import (
    HUMAN,
    HUMAN_SETS,
    V1_LIBRARIES,
    VALIDATION,
    author_questions,
    gold_label,
    load_set,
    title_phrase,
)

SEED = 13
TEMPLATES = [
    "{p}", "papers on {p}", "which papers study {p}?", "what approaches exist for {p}?", "{p}: methods?",
    "anything about {p}", "work on {p}", "I'm looking for research on {p}", "is there work on {p}?",
    "what has been done on {p}", "{p} papers", "show me studies of {p}", "how do people approach {p}?",
]


def _split(text: str) -> str:
    return "cal" if int(hashlib.sha1(text.encode()).hexdigest(), 16) % 5 == 0 else "fit"


# --- reference IDF -------------------------------------------------------------------------------
def build_idf(papers_by_corpus: dict[str, list], out: Path) -> dict:
    import bm25s

    from rag.lexical import lexical_text, stemmer

    df: Counter = Counter()
    n = 0
    for papers in papers_by_corpus.values():
        texts = [lexical_text(p) for p in papers]
        for start in range(0, len(texts), 5000):
            toks = bm25s.tokenize(texts[start:start + 5000], stopwords="en", stemmer=stemmer(),
                                  return_ids=False, show_progress=False)
            for doc in toks:
                df.update(set(doc))
        n += len(texts)
    kept = {t: c for t, c in sorted(df.items()) if c >= 2}
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump({"n_docs": n, "df": kept, "corpora": {k: len(v) for k, v in papers_by_corpus.items()}}, fh)
    return {"n_docs": n, "terms": len(kept)}


# --- question sets -------------------------------------------------------------------------------
def scifact_claims(root: Path) -> list[tuple[str, set[str]]]:
    csv.field_size_limit(sys.maxsize)
    qrels: dict[str, set[str]] = defaultdict(set)
    with open(root / "scifact" / "qrels" / "train.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels[row["query-id"]].add(row["corpus-id"])
    claims = {}
    with open(root / "scifact" / "claims_train.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            claims[row["id"]] = row["claim"]
    return [(claims[q], docs) for q, docs in sorted(qrels.items()) if q in claims]


def title_phrases(papers: list, rng: random.Random, n: int) -> list[str]:
    """Word n-grams (2-3 words) that occur in the titles of 3-12 papers, content words at both ends."""
    from rag.text import STOPWORDS

    counts: Counter = Counter()
    for p in papers:
        words = re.findall(r"[a-z][a-z-]+", (p.title or "").lower())
        seen = set()
        for k in (2, 3):
            for i in range(len(words) - k + 1):
                g = words[i:i + k]
                if g[0] in STOPWORDS or g[-1] in STOPWORDS or any(len(w) < 3 for w in g):
                    continue
                seen.add(" ".join(g))
        counts.update(seen)
    pool = sorted(ph for ph, c in counts.items() if 3 <= c <= 12)
    rng.shuffle(pool)
    return pool[:n]


MENTION_TEMPLATES = ["which papers report experiments on {n}?", "anything built on {n}?", "papers that use {n}",
                     "where is {n} used?", "list the papers evaluated on {n}", "{n} results", "work using {n}",
                     "what do we have that mentions {n}?", "studies with {n}", "who compares against {n}?",
                     "papers mentioning {n}", "{n}"]


def mention_terms(papers: list, rng: random.Random, n: int) -> list[tuple[str, set[str]]]:
    """Names (acronyms, CamelCase, letters with digits: 'Omniglot'-like datasets, 'Swin', 'TIMIT') that
    2-8 abstracts mention, most of them outside any title, with every paper that mentions them: the
    positives of 'which papers use X' questions, whose topic lives in the abstracts rather than the titles."""
    from rag.query import norm_term

    pat = re.compile(r"\b(?:[A-Z][a-z]*[A-Z0-9][\w-]*[A-Za-z0-9]|[A-Z][a-z]{4,}(?=\s(?:dataset|benchmark|corpus)))\b")
    where: dict[str, set[str]] = defaultdict(set)
    typed: dict[str, str] = {}
    for p in papers:  # every paper naming the term in any form ('GANs', 'GAN-based', 'GAN') is a positive
        for m in set(pat.findall(f"{p.title or ''} {p.abstract}")):
            key = norm_term(m)
            if len(key) >= 3:
                where[key].add(p.paper_id)
                typed.setdefault(key, re.sub(r"-(based|like|style)$", "", m))
    pool = sorted(key for key, ids in where.items() if 2 <= len(ids) <= 8)
    rng.shuffle(pool)
    return [(typed[key], where[key]) for key in pool[:n]]


NAME_TEMPLATES = ["what is {n}?", "{n}", "how does {n} work?", "tell me about {n}", "{n}: what problem does it address?",
                  "what does {n} do", "{n} paper", "Was ist {n}?", "¿Qué es {n}?", "Qu'est-ce que {n} ?", "Что такое {n}?"]


def name_questions(papers: list, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """Questions naming a paper's distinctive short name ('GrowNet' in 'Gradient Boosting Neural Networks:
    GrowNet', 'PLATO' in 'PLATO: Pre-trained …'): the title's one-word part before or after its colon,
    CamelCase or an acronym, unique in the collection. Some are asked in other languages."""
    names: Counter = Counter()
    owner: dict[str, str] = {}
    for p in papers:
        if not p.title or ":" not in p.title:
            continue
        head, tail = (x.strip() for x in p.title.split(":", 1))
        for part in (head, tail):
            if re.fullmatch(r"[A-Za-z][\w-]{2,}", part) and re.search(r"[A-Z].*[A-Z]|[a-z][A-Z]", part):
                names[part] += 1
                owner[part] = p.paper_id
    pool = sorted(name for name, count in names.items() if count == 1)
    rng.shuffle(pool)
    return [(rng.choice(NAME_TEMPLATES).format(n=name), owner[name]) for name in pool[:n]]


def known_items(papers: list, rng: random.Random, n: int) -> list[tuple[str, str]]:
    from benchmarks.acl_scale import middle_sentence, shuffled_title

    out = []
    pool = list(papers)
    rng.shuffle(pool)
    for p in pool[:n]:
        if p.title and rng.random() < 0.4:
            out.append((shuffled_title(p.title, rng).lower(), p.paper_id))
        else:  # a loose paraphrase: half of a middle sentence's content words, locally shuffled
            from rag.text import content_terms

            words = content_terms(middle_sentence(p.abstract, rng))
            keep = [w for w in words if rng.random() > 0.5] or words[:3]
            for i in range(0, len(keep) - 1, 3):
                if rng.random() < 0.5:
                    keep[i], keep[i + 1] = keep[i + 1], keep[i]
            out.append((" ".join(keep), p.paper_id))
    return out


# --- features -----------------------------------------------------------------------------------
class Collector:
    def __init__(self):
        self.X: list[np.ndarray] = []
        self.y: list[np.ndarray] = []
        self.groups: list[dict] = []

    def add(self, eng, text: str, labels, source: str, allowed=None, exclude: set[str] | None = None,
            parse_filters: bool = False):
        """labels: paper_id -> 1/0, or a callable(paper) -> 1, 0 or None (unlabelled); one with a
        `wants_hit` attribute is called as labels(paper, hit). `parse_filters` reads filters from the
        question as `ask()` does (author and venue questions)."""
        from rag.answer.evidence import gather
        from rag.answer.judge import JUDGED, feature_matrix
        from rag.query import analyse
        from rag.relevance import N_BASE

        retr = eng.retriever
        if exclude:
            mask = np.ones(len(retr.papers), dtype=bool) if allowed is None else allowed.copy()
            for pid in exclude:
                if pid in retr.by_id:
                    mask[retr.by_id[pid]] = False
            allowed = mask
        query = analyse(text, [], eng if parse_filters else None, parse_filters=parse_filters)
        qvec = retr.embed_query(query.search)
        hits = retr.search(query.search, k=JUDGED, qvec=qvec, allowed=allowed, filters=query.filters)
        if not hits:
            return
        evs = gather(eng, query.search, qvec, hits, listing=not query.wants_detail, **query.detail)
        X = feature_matrix(eng, query, evs)[:, :N_BASE]  # the cache holds base columns; context is derived
        y = []
        for ev in evs:
            if getattr(labels, "wants_hit", False):
                lab = labels(ev.hit.paper, ev.hit)
            else:
                lab = labels(ev.hit.paper) if callable(labels) else int(ev.hit.paper.paper_id in labels)
            y.append(-1 if lab is None else lab)
        y = np.asarray(y)
        self.X.append(X)
        self.y.append(y)
        # `detail`: a figure or the authors are asked for; whether the abstract gives them is checked
        # after the relevance decision (rag.answer._verdict), so such questions do not choose thresholds
        # `absent`: a name the question uses occurs nowhere in the collection ('DreamBooth', 'LoRA')
        self.groups.append({"source": source, "split": _split(source + text), "n": len(y), "text": text,
                            "detail": bool(query.wants_number or query.wants_authors),
                            "absent": bool(query.absent_named(eng.lexical.terms))})


def phrase_label(phrase: str):
    from rag.lexical import query_tokens
    from rag.relevance import tokens

    ptoks = set(query_tokens(phrase))

    def label(paper):
        if ptoks <= tokens(paper.title or ""):
            return 1
        if ptoks <= tokens(paper.abstract):  # the abstract names the topic: relevant unless it is only mentioned
            return None if len(ptoks) < 2 else 1
        return 0

    return label


# --- fitting -------------------------------------------------------------------------------------
KINDS = {"scifact": "claim", "acl-topic": "topic", "acl-mention": "topic", "seed-mention": "topic", "acl-known-item": "known-item", "seed-known-item": "known-item",
         "acl-name": "known-item", "seed-name": "known-item",
         "scifact-gold-out": "absent", "seed-absent": "absent", "acl-author": "author", "seed-author": "author"}


V1_KINDS = {"lookup": "known-item", "detail": "known-item", "multi": "topic", "filter": "topic",
            "unanswerable": "absent", "author": "author"}


def validation(col, idx: list[int], predict, tau: float, tau_list: float, sigma: float | None) -> dict:
    """Answer-level figures on the validation sets (never fitted on), per corpus, with the fitted thresholds
    alone (the pipeline's French/German, absent-name, list-intent and figure rules are not applied here;
    `benchmarks.relevance_eval` scores the whole pipeline): false refusals, refusal recall (unanswerable
    questions refused on relevance: no figure or author list asked), citation precision, lookup hit@1,
    and multi recall@5 (gold papers among the first 5 selected, over all the question's gold papers)."""
    out: dict[str, dict] = {}
    for corpus in ("bundled", "acl"):
        m: dict[str, list[float]] = defaultdict(list)
        for i in idx:
            g = col.groups[i]
            if f"-{corpus}-" not in g["source"]:
                continue
            typ = g["source"].rsplit("-", 1)[1]
            y = col.y[i]
            chosen = selected(predict(col.X[i]), tau, tau_list, sigma)
            if typ == "unanswerable":
                if not g.get("detail"):
                    m["refusal_recall"].append(not chosen)
                continue
            m["false_refusals"].append(not chosen)
            m["citation_precision"] += [float(y[j] == 1) for j in chosen]
            if typ == "lookup":
                m["lookup_hit@1"].append(bool(chosen) and y[chosen[0]] == 1)
            if typ == "multi":
                m["multi_recall@5"].append(sum(y[j] == 1 for j in chosen[:5]) / max(g.get("n_gold", 1), 1))
        out[corpus] = {k: round(float(np.mean(v)), 3) for k, v in m.items()} | {"questions": sum(
            1 for i in idx if f"-{corpus}-" in col.groups[i]["source"])}
    return out


def kind_of(source: str) -> str:
    if source.startswith(HUMAN + VALIDATION):
        return V1_KINDS[source.rsplit("-", 1)[1]]
    return next(k for prefix, k in KINDS.items() if source.startswith(prefix))


def selected(p: np.ndarray, tau: float, tau_list: float, sigma: float | None = None) -> list[int]:
    """The candidates an answer cites, most relevant first: the best paper if it reaches `tau` (or the best
    three together reach `sigma`), then every other at or above `tau_list` (8 at most); [] is a refusal."""
    order = np.argsort(-p)
    answered = p[order[0]] >= tau or (sigma is not None and p[order[:3]].sum() >= sigma)
    return [] if not answered else [order[0]] + [i for i in order[1:] if p[i] >= tau_list][:7]


def answer_f1(p: np.ndarray, y: np.ndarray, tau: float, tau_list: float, sigma: float | None = None) -> float:
    """F1 of the selected papers against the relevant ones (1 for selecting nothing when none is relevant)."""
    sel = selected(p, tau, tau_list, sigma)
    pos = set(np.flatnonzero(y == 1))
    if not pos:
        return 1.0 if not sel else 0.0
    return 0.0 if not sel else 2 * len(pos & set(sel)) / (len(sel) + len(pos))


# The answer threshold trades false refusals (answerable questions refused) against missed refusals
# (unanswerable questions answered). Their costs follow the targets of issue #11: at most 3% false
# refusals and at most 10% missed refusals, so one false refusal costs 0.10 / 0.03 missed refusals.
FALSE_REFUSAL_TARGET, MISSED_REFUSAL_TARGET = 0.03, 0.10


def choose(probs: list[np.ndarray], ys: list[np.ndarray], kinds: list[str],
           human: list[bool | str], absent: list[bool] | None = None) -> tuple[float, float, float]:
    """The answer threshold (the best paper below it: refuse), then the list threshold (other papers at
    or above it are listed).

    `human`: False for generated questions; for human-written ones True, or "topic" where an unanswerable
    question is refused on relevance alone (no figure or author list asked for).

    - answer threshold and support threshold: on the human-written questions (what users ask), the
      lowest cost false-refusal rate / 3% + missed-refusal rate / 10% (averaged over neighbouring
      thresholds), where a question is answered when
      its best paper reaches the answer threshold or its best three together (the sum of their
      probabilities) reach the support threshold: several half-relevant papers answer a broad question;
    - list threshold: the relevance at which a further candidate (ranks 2-8 by relevance) is gold with
      probability 0.5 (a logistic fit of gold on logit(relevance) over all the questions' labelled
      candidates), at most the answer threshold: a listed paper is more likely right than wrong."""
    grid = np.round(np.arange(0.1, 0.86, 0.025), 3)

    def macro(score) -> float:
        per_kind: dict[str, list[float]] = defaultdict(list)
        for p, y, k in zip(probs, ys, kinds, strict=True):
            per_kind[k].append(score(p, y))
        return float(np.mean([np.mean(v) for v in per_kind.values()]))

    # per human question: the best probability and the sum of the best three (the support)
    hp = [(float(p.max()), float(np.sort(p)[::-1][:3].sum()), bool((y == 1).any()))
          for p, y, h in zip(probs, ys, human, strict=True) if h and (y == 1).any() or h == "topic"]
    answerable = np.array([(b, s) for b, s, a in hp if a]).reshape(-1, 2)
    unanswerable = np.array([(b, s) for b, s, a in hp if not a]).reshape(-1, 2)

    def cost(tau: float, sigma: float) -> tuple[float, float, float]:
        def answered(x):
            return (x[:, 0] >= tau) | (x[:, 1] >= sigma)
        fr = float(np.mean(~answered(answerable))) if len(answerable) else 0.0
        miss = float(np.mean(answered(unanswerable))) if len(unanswerable) else 0.0
        return fr / FALSE_REFUSAL_TARGET + miss / MISSED_REFUSAL_TARGET, fr, miss

    sigmas = [float("inf")] + [float(x) for x in np.round(np.arange(0.5, 2.01, 0.05), 2)]
    costs = {(float(t), sg): cost(t, sg) for t in grid for sg in sigmas if sg > t}

    def smoothed(k: tuple[float, float]) -> float:
        """Mean cost over the neighbouring thresholds (+-2 grid steps each way): the curve is flat and
        noisy over a wide range, and a lone dip there is chance, not a better threshold."""
        ti, si = list(grid).index(k[0]), sigmas.index(k[1])
        near = [costs[(float(grid[a]), sigmas[b])][0] for a in range(max(0, ti - 2), min(len(grid), ti + 3))
                for b in ([si] if k[1] == float("inf") else range(max(1, si - 2), min(len(sigmas), si + 3)))
                if (float(grid[a]), sigmas[b]) in costs]
        return float(np.mean(near))

    # lowest smoothed cost; ties: no support rule, then the threshold nearest 0.5
    tau, sigma = min(costs, key=lambda k: (round(smoothed(k), 9), k[1] != float("inf"), abs(k[0] - 0.5)))
    choose.support = None if sigma == float("inf") else sigma

    # Questions using a name the collection never mentions: the best paper alone must reach a threshold
    # of their own (at least the answer threshold; no support rule), chosen by the same cost on them.
    absent = absent or [False] * len(probs)
    ha = [(float(p.max()), bool((y == 1).any())) for p, y, h, a in zip(probs, ys, human, absent, strict=True)
          if a and (h and (y == 1).any() or h == "topic")]
    choose.absent_threshold, choose.absent_curve = None, {}
    if ha and any(not ok for _, ok in ha):
        def cost_absent(t: float) -> float:
            fr = np.mean([p < t for p, ok in ha if ok]) if any(ok for _, ok in ha) else 0.0
            miss = np.mean([p >= t for p, ok in ha if not ok])
            return float(fr / FALSE_REFUSAL_TARGET + miss / MISSED_REFUSAL_TARGET)

        choose.absent_curve = {f"{t:.3f}": round(cost_absent(t), 3) for t in grid if t >= tau}
        best = min((t for t in grid if t >= tau), key=lambda t: (round(cost_absent(t), 9), t))
        choose.absent_threshold = float(best) if best > tau else None
    # The list threshold: where a further paper (every candidate but the most relevant one) is as likely
    # to answer the question as not, over all the questions' labelled candidates (the same even-odds rule
    # as the list-intent threshold, benchmarks.train_intent); never above the answer threshold. The F1
    # of the selected papers is reported by threshold, not used to choose: its curve is flat (within
    # 0.004 from 0.3 to 0.5 in session 10) and its peak moved with every refit.
    from benchmarks.train_intent import even_odds

    further = [[(bool(y[i] == 1), float(p[i])) for i in np.argsort(-p) if y[i] >= 0]
               for p, y in zip(probs, ys, strict=True)]
    at, choose.list_fit = even_odds([c for c in further if len(c) > 1])
    tau_list = round(min(float(at), tau), 3)
    f1 = {float(t): macro(lambda p, y, t=t: answer_f1(p, y, tau, t, choose.support)) for t in grid if t <= tau}
    f1[tau_list] = macro(lambda p, y: answer_f1(p, y, tau, tau_list, choose.support))
    choose.curve = {"human_questions": {"answerable": len(answerable), "unanswerable": len(unanswerable)},
                    "absent_name_questions": {"answerable": sum(ok for _, ok in ha),
                                              "unanswerable": sum(not ok for _, ok in ha)},
                    "absent_threshold": choose.absent_threshold, "absent_cost": choose.absent_curve,
                    "support_threshold": choose.support,
                    "answer_cost_without_support": {
                        f"{t:.3f}": {"cost": round(c, 3), "false_refusals": round(fr, 3), "missed_refusals": round(m, 3)}
                        for (t, sg), (c, fr, m) in costs.items() if sg == float("inf")},
                    "answer_cost_chosen": {"cost": round(costs[tau, sigma][0], 3),
                                           "false_refusals": round(costs[tau, sigma][1], 3),
                                           "missed_refusals": round(costs[tau, sigma][2], 3)},
                    "list_even_odds": choose.list_fit,
                    "list_f1": {f"{t:.3f}": round(v, 4) for t, v in sorted(f1.items())}}
    return tau, tau_list, f1[tau_list]


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[list[dict], float]:
    edges = np.linspace(0, 1, bins + 1)
    rows, ece = [], 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (p >= lo) & (p < hi if hi < 1 else p <= hi)
        if not m.any():
            continue
        conf, acc = float(p[m].mean()), float(y[m].mean())
        ece += m.sum() / len(p) * abs(conf - acc)
        rows.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "mean_p": round(conf, 3),
                     "observed": round(acc, 3)})
    return rows, round(float(ece), 4)


def library_engines() -> dict:
    """Engines over the v1 personal libraries (lib2/lib20/lib200 .bib), ingested once under WORK."""
    import rag
    from rag.pipeline import get_engine
    from rag.settings import load_settings
    from rag.store import list_corpora

    home = WORK / "train_libs"
    home.mkdir(parents=True, exist_ok=True)
    settings = load_settings(home=home)
    have = list_corpora(settings)
    out = {}
    for lib, bib in V1_LIBRARIES.items():
        if not have.get(lib):
            import os

            os.environ["RAG_HOME"] = str(home)
            rag.ingest(str(bib), collection=lib)
        out[lib] = get_engine(settings, lib)
    return out


def _screen(Xf, yf, wf, Xc, yc, export) -> tuple[dict, dict]:
    """The screening model: the same trees without the sentence features, and the probability below
    which a candidate is dropped before its sentences are embedded (99.5% of the calibration split's
    relevant papers stay above it)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from rag.relevance import FEATURES, SCREEN_FEATURES

    cols = [FEATURES.index(f) for f in SCREEN_FEATURES]
    clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                         l2_regularization=1.0, random_state=SEED).fit(Xf[:, cols], yf, sample_weight=wf)
    p = clf.predict_proba(Xc[:, cols])[:, 1]
    drop = float(np.quantile(p[yc == 1], 0.005))
    spec = export(clf) | {"features": list(SCREEN_FEATURES), "drop_below": round(drop, 5)}
    return spec, {"drop_below": round(drop, 5), "relevant_kept": round(float((p[yc == 1] >= drop).mean()), 4),
                  "candidates_dropped": round(float((p < drop).mean()), 4)}


def _importance(predict, X: np.ndarray, y: np.ndarray, auc) -> dict[str, float]:
    """Permutation importance on the calibration split: the drop in AUC when a feature is shuffled."""
    from rag.relevance import FEATURES

    rng = np.random.default_rng(SEED)
    base = auc(y, predict(X))
    out = {}
    for j, name in enumerate(FEATURES):
        Xp = X.copy()
        Xp[:, j] = rng.permutation(Xp[:, j])
        out[name] = round(float(base - auc(y, predict(Xp))), 4)
    return out


def _full(values, used: list[int], fill: float) -> list[float]:
    """Per-feature values for every feature in FEATURES (features left out of the fit get `fill`)."""
    from rag.relevance import FEATURES

    out = [fill] * len(FEATURES)
    for i, v in zip(used, values, strict=True):
        out[i] = float(v)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--acl-home", type=Path, default=WORK / "shared_acl",
                    help="RAG_HOME holding an ingested 'acl' collection (rag ingest …/acl-anthology/xml --collection acl)")
    ap.add_argument("--scifact-home", type=Path, default=WORK / "shared_scifact",
                    help="RAG_HOME holding an ingested 'scifact' collection (corpus_train.csv)")
    ap.add_argument("--skip-idf", action="store_true", help="keep the existing rag/data/idf.json.gz")
    ap.add_argument("--idf-only", action="store_true", help="rebuild rag/data/idf.json.gz and stop")
    ap.add_argument("--no-scifact", action="store_true", help="leave out the SciFact questions (smoke runs)")
    ap.add_argument("--refit", action="store_true",
                    help="reuse the features collected by the last run (benchmarks/.work/relevance_features.npz)")
    ap.add_argument("--recollect", default="",
                    help="with --refit: collect these comma-separated source prefixes anew (e.g. 'scifact') and "
                         "keep the cached features of the others")
    ap.add_argument("--features", default="", help="fit on these comma-separated features only (others weigh 0)")
    ap.add_argument("--quick", action="store_true", help="fewer questions (for a smoke run)")
    ap.add_argument("--model", choices=("trees", "logistic"), default="trees",
                    help="gradient-boosted trees (scikit-learn HistGradientBoosting, default) or logistic regression")
    ap.add_argument("--human-weight", type=float, default=5.0,
                    help="sample weight of the human-written (v1-v19, v22) questions relative to generated ones")
    args = ap.parse_args(argv)
    root = data_root(args.data)
    t0 = time.time()
    from rag.corpus import load_papers
    from rag.pipeline import get_engine
    from rag.relevance import FEATURES, IDF_FILE, MODEL_FILE
    from rag.settings import load_settings

    report: dict = {"seed": SEED}
    if not args.skip_idf:
        print("reference IDF: parsing ACL, SciFact and the bundled corpus …", flush=True)
        corpora = {"acl": load_papers(root / "acl-anthology" / "xml", "acl"),
                   "scifact": load_papers(root / "scifact" / "corpus_train.csv", "scifact"),
                   "seed": load_papers(REPO / "data" / "seed", "seed")}
        report["idf"] = build_idf(corpora, IDF_FILE)
        print(f"  {report['idf']}", flush=True)
        import rag.relevance as relmod

        relmod.reference_idf.cache_clear()
    if args.idf_only:
        return 0
    import os

    os.environ["RAG_MODEL_CACHE"] = str(WORK / "models")

    cache = WORK / "relevance_features.npz"
    col = Collector()
    if args.refit:
        data = np.load(cache, allow_pickle=False)
        groups = json.loads(str(data["groups"]))
        offsets = np.cumsum([0] + [g["n"] for g in groups])
        col.groups = groups
        X, y = data["X"], data["y"]  # read each array once (every data[...] reads the whole array again)
        col.X = [X[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
        col.y = [y[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    prefixes = tuple(p for p in args.recollect.split(",") if p)
    if prefixes:
        keep = [i for i, g in enumerate(col.groups) if not g["source"].startswith(prefixes)]
        col.groups, col.X, col.y = [col.groups[i] for i in keep], [col.X[i] for i in keep], [col.y[i] for i in keep]

    def want(source: str) -> bool:
        return not args.refit or source.startswith(prefixes)

    if not args.refit or prefixes:
        seed_home = WORK / "train_seed"
        seed_home.mkdir(parents=True, exist_ok=True)
        engines = {
            "seed": get_engine(load_settings(home=seed_home), "seed"),
            **({} if args.no_scifact else {"scifact": get_engine(load_settings(home=args.scifact_home), "scifact")}),
            "acl": get_engine(load_settings(home=args.acl_home), "acl"),
        }
        for name, eng in engines.items():
            print(f"{name}: {len(eng.retriever.papers)} papers", flush=True)
        scale = 0.3 if args.quick else 1.0

        claims = scifact_claims(root)
        random.Random(SEED).shuffle(claims)
        claims = claims[:500]
        sf = engines.get("scifact")
        if sf is not None and want("scifact"):
            doc_to_pid = {p.url.rsplit(":", 1)[-1]: p.paper_id for p in sf.retriever.papers}
            for i, (claim, gold) in enumerate(claims[: int(len(claims) * scale)]):
                gold_ids = {doc_to_pid[d] for d in gold if d in doc_to_pid}
                col.add(sf, claim, gold_ids, "scifact")
                if i % 3 == 0:
                    col.add(sf, claim, set(), "scifact-gold-out", exclude=gold_ids)
            print(f"scifact done ({time.time() - t0:.0f}s)", flush=True)

        acl = engines["acl"]
        if want("acl-topic"):
            rng = random.Random(SEED + 1)
            phrases = title_phrases(acl.retriever.papers, rng, int(240 * scale))
            n_acl = len(acl.retriever.papers)
            for i, ph in enumerate(phrases):
                text = rng.choice(TEMPLATES).format(p=ph)
                label = phrase_label(ph)
                if i % 3 == 0:
                    col.add(acl, text, label, "acl-topic")
                    continue
                # a personal library of 2, 20 or 200 papers, holding some of the topic's papers or none
                size = rng.choice((2, 20, 200))
                mask = np.zeros(n_acl, dtype=bool)
                mask[rng.sample(range(n_acl), size)] = True
                if rng.random() < 0.6:
                    for h in acl.retriever.search(ph, k=3)[: rng.choice((1, 2, 3))]:
                        if label(h.paper) == 1:
                            mask[acl.retriever.by_id[h.paper.paper_id]] = True
                col.add(acl, text, label, f"acl-topic-lib{size}", allowed=mask)
            print(f"acl topics done ({time.time() - t0:.0f}s)", flush=True)
        if want("acl-known-item"):
            for text, pid in known_items(acl.retriever.papers, random.Random(SEED + 2), int(150 * scale)):
                col.add(acl, text, {pid}, "acl-known-item")
        seed = engines["seed"]
        for name, eng, count in (("acl", acl, 150), ("seed", seed, 60)):
            if want(f"{name}-mention"):
                rng = random.Random(SEED + 20 + len(name))
                for term, ids in mention_terms(eng.retriever.papers, rng, int(count * scale)):
                    col.add(eng, rng.choice(MENTION_TEMPLATES).format(n=term), ids, f"{name}-mention")
        if want("acl-name"):
            for text, pid in name_questions(acl.retriever.papers, random.Random(SEED + 6), int(150 * scale)):
                col.add(acl, text, {pid}, "acl-name")
        if want("seed-name"):
            for text, pid in name_questions(seed.retriever.papers, random.Random(SEED + 7), int(100 * scale)):
                col.add(seed, text, {pid}, "seed-name")
        if want("seed-known-item"):
            for text, pid in known_items(seed.retriever.papers, random.Random(SEED + 3), int(200 * scale)):
                col.add(seed, text, {pid}, "seed-known-item")
        # absent topics: ACL phrases and SciFact claims asked of the bundled corpus
        if want("seed-absent"):
            rng = random.Random(SEED + 4)
            for ph in title_phrases(acl.retriever.papers, random.Random(SEED + 5), int(200 * scale)):
                label = phrase_label(ph)
                if any(label(p) is not None and label(p) != 0 for p in seed.retriever.papers):
                    continue
                col.add(seed, rng.choice(TEMPLATES).format(p=ph), lambda p: 0, "seed-absent-acl-topic")
            for claim, _ in claims[: int(150 * scale)]:
                col.add(seed, claim, set(), "seed-absent-scifact-claim")
        for name in ("acl", "seed"):
            src = f"{name}-author"
            if want(src):
                eng = engines[name]
                rng = random.Random(SEED + 8 + len(name))
                qs = author_questions(eng.retriever.papers, rng, int((300 if name == "acl" else 120) * scale),
                                      lambda p, r=rng: title_phrase(p, r))
                for text, label, kind in qs:
                    col.add(eng, text, label, f"{src}-{kind}", parse_filters=True)
        if any(want(h) for h in HUMAN + VALIDATION):
            engines.update(library_engines())
            for src, (path, corpus) in HUMAN_SETS.items():
                if not want(src):
                    continue
                eng = engines[corpus]
                for q in load_set(path):
                    if q["type"] == "followup":
                        continue
                    label = gold_label(q)
                    label.wants_hit = True
                    n = len(col.groups)
                    col.add(eng, q["question"], label, f"{src}-{q['type']}", parse_filters=True)
                    if len(col.groups) > n:
                        col.groups[-1]["n_gold"] = len(q.get("gold") or [])
        print(f"all questions done ({time.time() - t0:.0f}s)", flush=True)

        np.savez(cache, X=np.vstack(col.X), y=np.concatenate(col.y), groups=json.dumps(col.groups))

    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler

    from rag.relevance import export_trees, with_context

    col.X = [with_context(x) for x in col.X]
    # the validation sets (v20-v21) are never fitted on, nor used to choose a threshold
    fit = [i for i, g in enumerate(col.groups) if g["split"] == "fit" and not g["source"].startswith(VALIDATION)]
    cal = [i for i, g in enumerate(col.groups) if g["split"] == "cal" and not g["source"].startswith(VALIDATION)]
    val = [i for i, g in enumerate(col.groups) if g["source"].startswith(VALIDATION)]

    def stack(idx):
        X = np.vstack([col.X[i] for i in idx])
        y = np.concatenate([col.y[i] for i in idx])
        w = np.concatenate([np.full(len(col.y[i]), args.human_weight if col.groups[i]["source"].startswith(HUMAN)
                                    else 1.0) for i in idx])
        keep = y >= 0
        return X[keep], y[keep], w[keep]

    Xf, yf, wf = stack(fit)
    used = [FEATURES.index(f) for f in (args.features.split(",") if args.features else FEATURES)]
    def train(idx):
        X, y, w = stack(idx)
        if args.model == "trees":
            m = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
                                               l2_regularization=1.0, random_state=SEED).fit(X, y, sample_weight=w)
            return m, None, lambda Z: m.predict_proba(Z)[:, 1]
        sc = StandardScaler().fit(X[:, used])
        m = LogisticRegression(C=1.0, max_iter=2000).fit(sc.transform(X[:, used]), y, sample_weight=w)
        return m, sc, lambda Z: m.predict_proba(sc.transform(Z[:, used]))[:, 1]

    if args.model == "trees" and len(used) != len(FEATURES):
        ap.error("--features works with --model logistic only")
    clf, scaler, predict = train(fit)

    # Thresholds: on the calibration split of the generated questions, and on out-of-fold predictions
    # for every human-written (v1-v19, v22) question (5 folds; each fold's model never saw that question).
    human = [i for i, g in enumerate(col.groups) if g["source"].startswith(HUMAN)]
    fold = {i: int(hashlib.sha1(f"{col.groups[i]['source']}{i}".encode()).hexdigest(), 16) % 5 for i in human}
    oof: dict[int, np.ndarray] = {}
    for k in range(5):
        _, _, fold_predict = train([i for i in fit if fold.get(i, -1) != k])
        oof.update({i: fold_predict(col.X[i]) for i in human if fold[i] == k})
    chosen = [i for i in cal if i not in fold] + human
    probs = [oof[i] if i in oof else predict(col.X[i]) for i in chosen]
    ys = [col.y[i] for i in chosen]
    # the out-of-fold probabilities, for analysis of the answer decision (benchmarks/.work only)
    np.savez(WORK / "relevance_oof.npz", p=np.array([np.pad(p, (0, 8 - len(p)))[:8] for p in probs]),
             y=np.array([np.pad(y, (0, 8 - len(y)), constant_values=-1)[:8] for y in ys]),
             groups=json.dumps([col.groups[i] for i in chosen]))
    # human questions choose the answer threshold: all answerable ones, and the unanswerable ones whose
    # refusal rests on relevance ("topic"), not on a figure or author list the abstract lacks
    tau, tau_list, f1 = choose(probs, ys, [kind_of(col.groups[i]["source"]) for i in chosen],
                               [("topic" if not col.groups[i].get("detail") else True)
                                if col.groups[i]["source"].startswith(HUMAN) else False for i in chosen],
                               [bool(col.groups[i].get("absent")) for i in chosen])
    Xc, yc, _ = stack(cal)
    pc = predict(Xc)
    curve, ece = reliability(pc, yc)
    by_source: dict[str, dict] = {}
    for src in sorted({g["source"] for g in col.groups}):
        idx = [i for i in cal if col.groups[i]["source"] == src]
        if not idx:
            continue
        sel_f1 = [answer_f1(predict(col.X[i]), col.y[i], tau, tau_list, choose.support) for i in idx]
        by_source[src] = {"questions": len(idx), "answer_set_f1": round(float(np.mean(sel_f1)), 3)}
    screen_info: dict = {}
    if args.model == "trees":
        params = export_trees(clf)
        params["screen"], screen_info = _screen(Xf, yf, wf, Xc, yc, export_trees)
        model_info = {"importance": _importance(predict, Xc, yc, roc_auc_score)}
    else:
        params = {"kind": "logistic", "mean": _full(scaler.mean_, used, 0.0), "scale": _full(scaler.scale_, used, 1.0),
                  "coef": _full(clf.coef_[0], used, 0.0), "intercept": float(clf.intercept_[0])}
        model_info = {"coefficients": dict(zip(FEATURES, [round(c, 4) for c in params["coef"]], strict=True))}
    spec = {
        "features": list(FEATURES), **params,
        "threshold": round(tau, 3), "list_threshold": round(tau_list, 3), "support_threshold": choose.support,
        "absent_threshold": choose.absent_threshold,
        "trained_on": {"pairs": int(len(yf)), "questions": len(fit), "positives": int(yf.sum())},
        "script": f"python -m benchmarks.train_relevance --model {args.model} --human-weight {args.human_weight}",
    }
    MODEL_FILE.write_text(json.dumps(spec, separators=(",", ":")) + "\n")  # ~0.7 MB of tree nodes
    report.update({
        "questions": {"fit": len(fit), "calibration": len(cal)},
        "pairs": {"fit": int(len(yf)), "calibration": int(len(yc))},
        "sources": dict(Counter(g["source"] for g in col.groups)),
        "calibration_split": {"auc": round(float(roc_auc_score(yc, pc)), 4), "ece": ece,
                              "reliability": curve, "answer_set_f1": round(f1, 4), "by_source": by_source},
        "threshold": {"value": round(tau, 3), "list_threshold": round(tau_list, 3),
                      "how": "answer threshold (the best paper below it: refuse): grid 0.1..0.85 minimising (averaged over +-2 grid steps) "
                             "false-refusal rate / 0.03 + missed-refusal rate / 0.10 over the human-written (v1-v19, v22) "
                             "questions, on out-of-fold (5-fold) predictions; list threshold (other papers at or "
                             "above it are listed): the relevance at which a further candidate (ranks 2-8 by "
                             "relevance) is gold with probability 0.5 (logistic fit of gold on logit(relevance)), "
                             "at most the answer threshold, on the calibration split of the generated questions "
                             "plus the human OOF predictions (list_f1: F1 of the selected papers, reported only)",
                      **getattr(choose, "curve", {})},
        "validation": validation(col, val, predict, tau, tau_list, choose.support),
        "model": args.model, **model_info, "screen": screen_info,
        "seconds": round(time.time() - t0, 1),
    })
    path = write_json("relevance", report, args.out)
    print(json.dumps({k: report[k] for k in ("questions", "calibration_split", "threshold", "validation")}, indent=1))
    print(f"model -> {MODEL_FILE}\nreport -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
