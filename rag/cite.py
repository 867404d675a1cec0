"""Citations: parse `[n]`, drop ones that point at no source, renumber in order of first use, and
verify LLM answers sentence by sentence against the retrieved abstracts (`verify`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rag.citation_marks import CITATION, cited_numbers

if TYPE_CHECKING:
    from rag.types import Source

__all__ = ["CITATION", "cited_numbers", "normalise_placement", "renumber", "check_claims", "verify", "Verified",
           "WEAK_SUPPORT"]



def normalise_placement(text: str) -> str:
    """'claim. [1]' -> 'claim [1].' so each citation stays with the sentence it follows."""
    return re.sub(r"([.!?])[ \t]*((?:\[\d+(?:\s*,\s*\d+)*\][ \t]*)+)(?=\s|$)",
                  lambda m: " " + m.group(2).strip() + m.group(1), text)


def renumber(text: str, candidates: Sequence[Source]) -> tuple[str, list[Source], list[int]]:
    """Keep only citations of real candidates, renumbered 1..m in order of first use.

    Returns the new text, the cited sources (so `[1]` is `sources[0]`), and the dropped numbers.
    """
    order = [n for n in cited_numbers(text) if 1 <= n <= len(candidates)]
    dropped = [n for n in cited_numbers(text) if not 1 <= n <= len(candidates)]
    mapping = {old: new for new, old in enumerate(order, 1)}

    def sub(m: re.Match) -> str:
        nums = [int(p) for p in m.group(1).split(",")]
        kept = [mapping[n] for n in nums if n in mapping]
        return "".join(f"[{n}]" for n in dict.fromkeys(kept))

    new_text = CITATION.sub(sub, text)
    new_text = re.sub(r"[ \t]+([.,;:])", r"\1", new_text)
    new_text = re.sub(r"[ \t]{2,}", " ", new_text).strip()
    sources = [replace(candidates[old - 1], n=new) for old, new in mapping.items()]
    return new_text, sources, dropped


RECITE_MARGIN = 0.08  # another retrieved source this much better supported than the cited one wins
WEAK_SUPPORT = 0.45  # below this a claim is flagged as weakly supported (UI) or repaired (LLM mode)
# A claim whose vector is this close to an embedded sentence of the source quotes it (the offline answer
# quotes its evidence, and `_claim_vectors` reuses that sentence's vector): no other sentence can match it
# better, so a large collection's other sentences are not embedded just to check it (#11 speed at 30k).
QUOTED = 0.999


def _support(eng, clean: str, vec, src: Source) -> tuple[float, str]:
    """How well one source supports one claim (0..1), and its best-matching sentence.

    0.5 x best sentence cosine + 0.25 x share of the claim's content words in that sentence or
    the title + 0.25 x share of the claim's numbers and named terms found in the abstract
    (0.65 / 0.35 on the first two when the claim has no numbers or named terms).
    """
    import numpy as np

    from rag.lexical import query_tokens
    from rag.sentences import paper_sentences
    from rag.text import named_terms
    from rag.types import Paper

    paper = Paper(paper_id=src.paper_id, abstract=src.abstract, title=src.title)
    sents = paper_sentences(paper)
    known = eng.sentences.peek(paper)
    cos = None if known is None else np.nan_to_num(known @ vec, nan=-1.0)
    if cos is None or cos.max() < QUOTED:  # a quoted sentence is the best match: the rest need no vectors
        cos = np.nan_to_num(eng.sentences.get(paper) @ vec, nan=-1.0)
    i = int(np.argmax(cos))
    terms = set(query_tokens(clean))
    near = set(query_tokens(f"{sents[i]} {src.title or ''} {' '.join(src.authors)}"))
    lex = len(terms & near) / len(terms) if terms else 1.0
    keys = {t.lower() for t in named_terms(clean)} | set(re.findall(r"\d+(?:\.\d+)?", clean))
    haystack = f"{src.title or ''} {src.abstract}".lower()
    if not keys:
        return max(0.0, 0.65 * float(cos[i]) + 0.35 * lex), sents[i]
    key = sum(k in haystack for k in keys) / len(keys)
    return max(0.0, 0.5 * float(cos[i]) + 0.25 * lex + 0.25 * key), sents[i]


def _cited_sentences(text: str, n_sources: int) -> list[tuple[str, list[int]]]:
    from rag.text import split_sentences

    pieces = [s for line in text.splitlines() for s in split_sentences(line.lstrip("- "))]
    out = [(p, [n for n in cited_numbers(p) if 1 <= n <= n_sources]) for p in pieces]
    return [(p, ns) for p, ns in out if ns]


def check_claims(eng, text: str, sources: Sequence[Source]) -> list:
    """Score how well each answer sentence is supported by the sources it cites."""
    from rag.text import strip_citations
    from rag.types import Claim

    cited = _cited_sentences(text, len(sources))
    if not cited:
        return []
    plain = [strip_citations(p).strip() for p, _ in cited]
    named = [_names_source(clean, [sources[n - 1] for n in ns]) for clean, (_, ns) in zip(plain, cited, strict=True)]
    todo = [i for i, src in enumerate(named) if src is None]
    vecs = dict(zip(todo, _claim_vectors(eng, [plain[i] for i in todo],
                                         [sources[n - 1] for i in todo for n in cited[i][1]]), strict=True))
    claims = []
    for i, ((_piece, ns), clean) in enumerate(zip(cited, plain, strict=True)):
        if named[i] is not None:  # metadata, checked against the source's own title, authors and year
            claims.append(Claim(sentence=clean, cited=ns, support=1.0, evidence=named[i].title or ""))
            continue
        best, evidence = max((_support(eng, clean, vecs[i], sources[n - 1]) for n in ns), key=lambda x: x[0])
        claims.append(Claim(sentence=clean, cited=ns, support=round(best, 3), evidence=evidence))
    return claims


def _names_source(clean: str, cited: Sequence[Source]) -> Source | None:
    """The cited source a claim only names: the offline answer's "The most relevant paper is “Title”
    (Authors, 2020)." exactly as `describe` writes that source's own title, authors and year."""
    from rag.answer.offline import INTRO, describe
    from rag.types import Paper

    for src in cited:
        paper = Paper(paper_id=src.paper_id, abstract=src.abstract, title=src.title, authors=list(src.authors),
                      year=src.year)
        if src.title and clean == f"{INTRO} {describe(paper)}.":
            return src
    return None


def _claim_vectors(eng, plain: list[str], cited: Sequence[Source]):
    """Vectors of the claims: a claim that quotes a sentence of a cited abstract (the offline answer
    always does, after a "“Title” (Authors): " label in lists) reuses that sentence's vector from the
    sentence cache; only the rest are embedded."""
    import numpy as np

    from rag.sentences import paper_sentences
    from rag.types import Paper

    def key(text: str) -> str:
        return re.sub(r"\s+", " ", text).strip().rstrip(".").casefold()

    known: dict[str, np.ndarray] = {}
    for src in {s.paper_id: s for s in cited}.values():
        paper = Paper(paper_id=src.paper_id, abstract=src.abstract, title=src.title)
        vecs = eng.sentences.peek(paper)
        if vecs is None:
            continue
        for sent, vec in zip(paper_sentences(paper), vecs, strict=True):
            if not np.isnan(vec[0]):
                known.setdefault(key(sent), vec)

    def lookup(claim: str):
        k = key(claim)
        if k in known:
            return known[k]
        # a listed paper's line: "“Title” (Authors): <quoted sentence>" — the label is metadata, and a
        # title may hold ": " itself ("… Language: Noise or Signal?"), so every split is tried
        parts = claim.split(": ")
        return next((known[k] for i in range(1, len(parts)) if (k := key(": ".join(parts[i:]))) in known), None)

    out: list = [lookup(p) for p in plain]
    todo = [i for i, v in enumerate(out) if v is None]
    if todo:
        for i, vec in zip(todo, eng.embedder.embed([plain[i] for i in todo]), strict=True):
            out[i] = vec
    return out


@dataclass
class Verified:
    """An LLM reply after verification: the text that may be shown, its sources, and a claim for
    every sentence the model wrote (kept, re-cited or dropped, with the reason)."""

    text: str
    sources: list[Source]
    claims: list
    generated: int = 0
    kept: int = 0
    recited: int = 0
    dropped: int = 0
    declined: bool = False  # the model wrote the refusal sentence
    dangling: list[int] = field(default_factory=list)  # numbers that pointed at no source


def _pieces(text: str) -> list[tuple[int, str]]:
    """(line index, sentence) for every sentence of the reply, bullets and numbering stripped."""
    from rag.text import split_sentences

    out = []
    for li, line in enumerate(text.splitlines()):
        line = re.sub(r"^\s*(?:[-*\u2022]|\d+[.)])\s+", "", line).strip()
        # Small models copy the prompt's scaffolding: source tags and "Title:"/"Text:" labels.
        line = re.sub(r"</?\s*source[^>]*>", " ", line, flags=re.I)
        line = re.sub(r"^(?:(?:Title|Text|Answer|Authors|Published|Source \d+)\s*:\s*)+", "", line, flags=re.I).strip()
        if re.match(r"^(?:Question|Earlier conversation|Example)\b", line, flags=re.I):
            continue
        for piece in split_sentences(line) if line else []:
            if piece.strip():
                out.append((li, piece.strip()))
    return out


def _refusal_like(sentence: str, refusal: str) -> bool:
    """The refusal sentence, or a paraphrase of its opening ('The indexed abstracts don't cover X')."""
    norm = lambda t: re.sub(r"\s+", " ", t.replace("\u2019", "'").replace("do not", "don't")).lower().strip()  # noqa: E731
    words = norm(refusal).rstrip(".").split()
    return bool(words) and " ".join(words[: max(3, len(words) - 1)]) in norm(sentence)


def verify(eng, text: str, candidates: Sequence[Source], refusal: str = "",
           threshold: float = WEAK_SUPPORT, question: str = "") -> Verified:
    """Verify an LLM reply sentence by sentence against every retrieved source.

    The model's `[n]` are hints only. A sentence keeps the sources it cites when one of them
    supports it at or above `threshold` and no other source is clearly better (RECITE_MARGIN);
    otherwise it is re-cited to the source that supports it best, when that one reaches the
    threshold; otherwise it is dropped. Sentences without content words, repeats, and the refusal
    sentence (or its paraphrase) are dropped too, and so are sentences that only restate the
    question (fewer than two content terms it does not already contain). Kept text is renumbered
    1..m in order of first use.
    """
    from rag.lexical import query_tokens
    from rag.text import content_terms, strip_citations
    from rag.types import Claim

    def stems(t: str) -> set[str]:
        return set(query_tokens(" ".join(content_terms(t))))

    asked = stems(question) if question else set()

    pieces = _pieces(normalise_placement(text))
    n_src = len(candidates)
    rows: list[dict] = []
    seen: set[str] = set()
    declined = False
    dangling: list[int] = []
    for li, piece in pieces:
        hinted = cited_numbers(piece)
        dangling += [n for n in hinted if not 1 <= n <= n_src and n not in dangling]
        clean = re.sub(r"\s+([.,;:!?])", r"\1", strip_citations(piece)).strip()
        key = " ".join(query_tokens(clean))
        row = {"line": li, "clean": clean, "hinted": hinted, "status": "dropped", "cited": [],
               "support": 0.0, "evidence": "", "reason": ""}
        if refusal and _refusal_like(clean, refusal):
            declined = True
            row["reason"] = "the refusal sentence (the model declined)"
        elif not key:
            row["reason"] = "no content words"
        elif key in seen:
            row["reason"] = "repeats an earlier sentence"
        elif question and len(stems(clean) - asked) < 2:
            row["reason"] = "restates the question without adding a fact"
        else:
            seen.add(key)
            row["status"] = "check"
        rows.append(row)
    todo = [r for r in rows if r["status"] == "check"]
    if todo and candidates:
        vecs = eng.embedder.embed([r["clean"] for r in todo])
        for row, vec in zip(todo, vecs, strict=True):
            scored = [(*_support(eng, row["clean"], vec, c), i) for i, c in enumerate(candidates, 1)]
            best_sc, best_ev, best_n = max(scored, key=lambda x: x[0])
            valid = [n for n in row["hinted"] if 1 <= n <= n_src]
            good = [(sc, ev, i) for sc, ev, i in scored if i in valid and sc >= threshold]
            good = [g for g in good if best_sc - g[0] < RECITE_MARGIN or g[2] == best_n]
            if good:
                sc, ev, _ = max(good, key=lambda x: x[0])
                row.update(status="kept", cited=[g[2] for g in good], support=sc, evidence=ev,
                           reason=f"cited source supports it ({sc:.2f} >= {threshold:.2f})")
            elif best_sc >= threshold:
                why = (f"the model cited {''.join(f'[{n}]' for n in row['hinted'])}" if row["hinted"]
                       else "the model cited nothing")
                cited_sc = max((sc for sc, _, i in scored if i in valid), default=None)
                if cited_sc is not None:
                    why += f" (support {cited_sc:.2f})"
                row.update(status="recited", cited=[best_n], support=best_sc, evidence=best_ev,
                           reason=f"{why}; source [{best_n}] supports it ({best_sc:.2f})")
            else:
                row.update(status="dropped", support=best_sc, evidence=best_ev,
                           reason=f"no retrieved abstract supports it (best {best_sc:.2f} < {threshold:.2f})")
    elif todo:
        for row in todo:
            row.update(status="dropped", reason="no retrieved sources to check it against")
    # Rebuild the text from the kept sentences, line by line, then renumber in order of first use.
    order: list[int] = []
    for row in rows:
        order += [n for n in row["cited"] if n not in order]
    mapping = {old: new for new, old in enumerate(order, 1)}
    lines: dict[int, list[str]] = {}
    claims = []
    for row in rows:
        new = [mapping[n] for n in row["cited"]]
        if row["status"] in ("kept", "recited"):
            body = row["clean"]
            end = body[-1] if body[-1] in ".!?" else "."
            body = body[:-1] if body[-1] in ".!?" else body
            lines.setdefault(row["line"], []).append(f"{body} {''.join(f'[{n}]' for n in new)}{end}")
        claims.append(Claim(sentence=row["clean"], cited=new, support=round(row["support"], 3),
                            evidence=row["evidence"], status=row["status"], reason=row["reason"],
                            hinted=row["hinted"]))
    multi = len(lines) > 1
    out = "\n".join(("- " if multi else "") + " ".join(parts) for _, parts in sorted(lines.items()))
    sources = [replace(candidates[old - 1], n=new) for old, new in mapping.items()]
    count = {k: sum(r["status"] == k for r in rows) for k in ("kept", "recited", "dropped")}
    return Verified(text=out, sources=sources, claims=claims, generated=len(rows), kept=count["kept"],
                    recited=count["recited"], dropped=count["dropped"], declined=declined, dangling=dangling)
