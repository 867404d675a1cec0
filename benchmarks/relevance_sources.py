"""More labelled questions for the relevance model (used by `benchmarks.train_relevance`).

- author questions made from collection metadata ("papers by <name>", "<surname>'s work on <topic>",
  "<name> and <co-author>: what did they propose?"), with and without a topic, and with a topic the
  author never wrote about (negatives);
- the human-written validation sets that have been looked at (v1: benchmarks/data/validation_*.jsonl and
  validation_libraries/, retired in session 4; v2-v10: *_v2.jsonl … *_v10.jsonl, each run once as a held-out
  set in sessions 4-7 and then retired; v11-v15: run once in sessions 8-11, then the validation sets of the
  session 10-12 models; v16-v19: run once in sessions 12-13, then v16-v17 the validation sets of the session 13-14
  model). Since session 15 the later sets v20-v21 (run once in session 14) are never fitted on: they are the model's
  validation sets (collected, scored by `train_relevance`, never fitted). v22 (run once in session 15, then looked at)
  is fitted on since session 16. Gold papers are the positives;
  follow-ups (which need a conversation) are left out.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

from benchmarks.common import REPO

FITTED_VERSIONS = (*range(1, 20), 22)  # v1-v19 and v22 are fitted on (v11-v15 since session 13, v16-v19 since session 15, v22 since session 16)
VALIDATION_VERSIONS = range(20, 22)  # v20-v21: collected, never fitted; the model's validation figures
HUMAN = tuple(f"v{v}-" for v in FITTED_VERSIONS)  # source prefixes of human-written questions (weighted up, thresholds chosen on them)
VALIDATION = tuple(f"v{v}-" for v in VALIDATION_VERSIONS)
HUMAN_SETS = {
    "v1-bundled": (REPO / "benchmarks" / "data" / "validation_bundled.jsonl", "seed"),
    "v1-acl": (REPO / "benchmarks" / "data" / "validation_acl.jsonl", "acl"),
    **{f"v{v}-{name}": (REPO / "benchmarks" / "data" / f"validation_{name}_v{v}.jsonl", corpus)
       for v in (*FITTED_VERSIONS, *VALIDATION_VERSIONS) if v > 1 for name, corpus in (("bundled", "seed"), ("acl", "acl"))},
    **{f"v1-{lib}": (REPO / "benchmarks" / "data" / "validation_libraries" / f"{lib}.jsonl", lib)
       for lib in ("lib2", "lib20", "lib200")},
}
V1_LIBRARIES = {lib: REPO / "benchmarks" / "data" / "validation_libraries" / f"{lib}.bib"
                for lib in ("lib2", "lib20", "lib200")}

AUTHOR_ONLY = ["papers by {a}", "anything by {a}?", "what has {a} published", "{a}'s work", "work by {a}",
               "{a} papers", "did {a} write anything here?", "show me {a}'s research", "publications of {a}",
               "what did {a} work on?", "articles de {a}", "Arbeiten von {a}"]
AUTHOR_TOPIC = ["{a} on {p}", "{a}'s work on {p}", "papers by {a} about {p}", "what did {a} say about {p}?",
                "{p} by {a}", "has {a} written on {p}?"]
COAUTHORS = ["{a} and {b}: what did they propose?", "the paper by {a} and {b}", "{a} & {b}",
             "what did {a} and {b} write together?"]


def _name_form(name: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.2:
        return name.lower()
    if r < 0.35 and len(name.split()) > 1:
        return name.split()[-1]  # a surname alone
    return name


def author_questions(papers: list, rng: random.Random, n: int, phrase_of) -> list[tuple[str, object, str]]:
    """(question, label, source): label maps a paper to 1 / 0 / None (unlabelled)."""
    from rag.text import fold

    by_author: dict[str, list] = defaultdict(list)
    for p in papers:
        for a in p.authors:
            if len(a.split()) >= 2:
                by_author[fold(a)].append(p)
    names = sorted(a for a, ps in by_author.items() if len(ps) <= 12)
    rng.shuffle(names)
    out = []
    for i, key in enumerate(names[:n]):
        theirs = by_author[key]
        paper = rng.choice(theirs)
        name = next(a for a in paper.authors if fold(a) == key)
        mine = {p.paper_id for p in theirs}
        form = _name_form(name, rng)
        kind = i % 5
        if kind in (0, 1):
            out.append((rng.choice(AUTHOR_ONLY).format(a=form), lambda p, m=mine: int(p.paper_id in m), "author-only"))
        elif kind == 2:
            phrase = phrase_of(paper)
            if not phrase:
                continue

            def lab(p, pid=paper.paper_id, m=mine):
                return 1 if p.paper_id == pid else (None if p.paper_id in m else 0)
            out.append((rng.choice(AUTHOR_TOPIC).format(a=form, p=phrase), lab, "author-topic"))
        elif kind == 3:
            others = [a for a in paper.authors if fold(a) != key and len(a.split()) >= 2]
            if others:
                b = _name_form(rng.choice(others), rng)
                text = rng.choice(COAUTHORS).format(a=form, b=b)
                out.append((text, lambda p, pid=paper.paper_id, m=mine: 1 if p.paper_id == pid else
                            (None if p.paper_id in m else 0), "author-coauthors"))
        else:  # a topic this author never wrote on: nothing answers it
            other = rng.choice(papers)
            phrase = phrase_of(other)
            mine_text = " ".join(f"{p.title} {p.abstract}".lower() for p in theirs)
            if phrase and other.paper_id not in mine and phrase not in mine_text:
                out.append((rng.choice(AUTHOR_TOPIC).format(a=form, p=phrase), lambda p: 0, "author-wrong-topic"))
    return out


def title_phrase(paper, rng: random.Random) -> str:
    from rag.text import STOPWORDS

    words = [w for w in re.findall(r"[a-z][a-z-]+", (paper.title or "").lower()) if w not in STOPWORDS]
    if len(words) < 2:
        return ""
    k = min(len(words), rng.choice((2, 3)))
    i = rng.randrange(0, len(words) - k + 1)
    return " ".join(words[i:i + k])


def load_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_label(q: dict):
    """Label from a validation row's gold list (url when given, else title / abstract prefix)."""
    from rag.evaluate import is_gold

    gold = q.get("gold") or []
    urls = {g["url"] for g in gold if g.get("url")}

    def label(paper, hit=None):
        if urls and paper.url:
            good = paper.url in urls
        else:
            good = any(is_gold(paper, g) for g in gold)
        if good:
            return 1
        if not gold and hit is not None and hit.title_match:
            return None  # a detail the named paper's abstract lacks: not a relevance negative
        return 0

    return label
