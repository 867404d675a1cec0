"""Write the small personal libraries used to validate relevance at 2, 20 and 200 papers (issue #11 item 8).

    python -m benchmarks.make_libraries [--acl DIR] [--out DIR] [--seed N]

Every entry is a real ACL Anthology record with its abstract, written as BibTeX the way a reference
manager exports it (`@inproceedings`/`@article`, title, author, year, booktitle/journal, url, doi,
abstract). The selection is deterministic (seeded, from the corpus in load order):

- lib2.bib: BERT (N19-1423) and Transformer-XL (P19-1285), the two-paper library of the issue;
- lib20.bib: 20 papers on mixed topics, drawn from title pools (sarcasm, machine translation, named
  entities, summarisation, question answering, hate speech, ...) so some topics have several papers;
- lib200.bib: lib20 plus 180 papers drawn uniformly from the whole corpus.

Each written file is read back with the project's BibTeX loader and must give back exactly the chosen
titles and abstracts (a paper that would not survive the round trip is not drawn). The question sets
(libN.jsonl) are written by hand against these files and checked with `benchmarks.check_validation`.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ACL_XML = REPO.parent / "shared" / "benchmarks" / "acl-anthology" / "xml"
OUT = REPO / "benchmarks" / "data" / "validation_libraries"
FIXED_LIB2 = ("https://aclanthology.org/N19-1423", "https://aclanthology.org/P19-1285")
# (title pattern, how many) for lib20; drawn in this order, each paper at most once.
LIB20_POOLS = [
    (r"\bsarcas", 3),
    (r"\bneural machine translation\b", 3),
    (r"\bnamed entity recognition\b", 2),
    (r"\bsummari[sz]ation\b", 2),
    (r"\bquestion answering\b", 2),
    (r"\bhate speech\b", 2),
    (r"\bdependency pars", 1),
    (r"\bemoji", 1),
    (r"\bsign language\b", 1),
    (r"\bword sense disambiguation\b", 1),
    (r"\bcovid", 1),
    (r"\bprosod", 1),
]
LIB200_RANDOM = 180
ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
           "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def escape(text: str) -> str:
    return "".join(ESCAPES.get(ch, ch) for ch in text)


def bib_key(paper) -> str:
    aid = (paper.url or "").rsplit("/", 1)[-1] or paper.paper_id
    return re.sub(r"[^A-Za-z0-9.-]", "-", aid)


def bib_entry(paper) -> str:
    acronym, _, booktitle = (paper.venue or "").partition(" — ")
    journal = acronym in ("TACL", "CL", "LILT")
    fields = [("title", paper.title), ("author", " and ".join(paper.authors)), ("year", paper.year),
              ("journal" if journal else "booktitle", booktitle or acronym), ("url", paper.url),
              ("doi", paper.doi), ("abstract", paper.abstract)]
    body = ",\n".join(f"  {k} = {{{escape(str(v))}}}" for k, v in fields if v)
    return f"@{'article' if journal else 'inproceedings'}{{{bib_key(paper)},\n{body}\n}}\n"


def round_trips(paper, tmp: Path) -> bool:
    """Does this one entry come back from the project's BibTeX loader with the same title and abstract?"""
    from rag.corpus import load_papers

    tmp.write_text(bib_entry(paper), encoding="utf-8")
    try:
        back = load_papers(tmp, format="bibtex")
    except Exception:  # noqa: BLE001 - any loader failure means: do not draw this paper
        return False
    return len(back) == 1 and back[0].abstract == paper.abstract and back[0].title == paper.title


def write_library(path: Path, papers: list) -> None:
    from rag.corpus import load_papers

    path.write_text("".join(bib_entry(p) + "\n" for p in papers), encoding="utf-8")
    back = load_papers(path, format="bibtex")
    want = {(p.title, p.abstract) for p in papers}
    got = {(p.title, p.abstract) for p in back}
    if len(back) != len(papers) or want != got:
        raise SystemExit(f"{path.name}: read back {len(back)} papers, wrote {len(papers)}; "
                         f"{len(want - got)} did not survive the round trip")
    print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: {len(papers)} papers")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--acl", type=Path, default=ACL_XML, help=f"ACL Anthology XML directory (default {ACL_XML})")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output directory (default {OUT})")
    ap.add_argument("--seed", type=int, default=11, help="random seed (default 11, the issue number)")
    args = ap.parse_args(argv)
    if not args.acl.is_dir():
        print(f"ACL XML not found at {args.acl}", file=sys.stderr)
        return 1
    from rag.corpus import load_papers

    corpus = [p for p in load_papers(args.acl, format="acl") if p.title and p.url and p.authors and p.year]
    by_url = {p.url: p for p in corpus}
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = args.out / ".roundtrip.bib"
    rng = random.Random(args.seed)
    try:
        lib2 = [by_url[u] for u in FIXED_LIB2]
        if not all(round_trips(p, tmp) for p in lib2):
            raise SystemExit("lib2: a fixed paper does not survive the BibTeX round trip")
        chosen: list = []
        taken = {p.url for p in lib2}
        for pattern, count in LIB20_POOLS:
            pool = [p for p in corpus if re.search(pattern, p.title, re.I) and p.url not in taken]
            rng.shuffle(pool)
            picked = 0
            for p in pool:
                if picked == count:
                    break
                if round_trips(p, tmp):
                    chosen.append(p)
                    taken.add(p.url)
                    picked += 1
            if picked < count:
                raise SystemExit(f"lib20: only {picked} papers for {pattern!r}")
        lib20 = chosen
        rest = [p for p in corpus if p.url not in taken]
        rng.shuffle(rest)
        extra: list = []
        for p in rest:
            if len(extra) == LIB200_RANDOM:
                break
            if round_trips(p, tmp):
                extra.append(p)
        lib200 = lib20 + extra
    finally:
        tmp.unlink(missing_ok=True)
    write_library(args.out / "lib2.bib", lib2)
    write_library(args.out / "lib20.bib", lib20)
    write_library(args.out / "lib200.bib", lib200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
