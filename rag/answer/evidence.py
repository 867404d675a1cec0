"""Evidence: score each sentence of the retrieved abstracts against the question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.lexical import query_tokens
from rag.retrieve import Hit
from rag.text import split_sentences

QUANTITY = re.compile(r"\b(how (much|many|fast|large|big|well|accurate)|what (accuracy|speedup|share|fraction|"
                      r"percentage|score|improvement|gain|error|rate)|by how|how many|speed-?up|accuracy|"
                      r"percent|%|top-?[15]|psnr|bleu|map|f1)\b", re.I)


@dataclass
class Evidence:
    hit: Hit
    sentences: list[str]
    scores: np.ndarray  # combined score per sentence
    cosines: np.ndarray  # embedding similarity per sentence
    overlap: np.ndarray  # fraction of question terms in the sentence

    def best(self, n: int = 1) -> list[int]:
        return [int(i) for i in np.argsort(-self.scores)[:n]]

    @property
    def best_score(self) -> float:
        return float(self.scores.max()) if len(self.scores) else 0.0

    @property
    def best_cos(self) -> float:
        return float(self.cosines.max()) if len(self.cosines) else 0.0


def gather(engine, question: str, qvec: np.ndarray, hits: list[Hit]) -> list[Evidence]:
    """Sentence-level evidence for each hit (embedding cosine + stemmed term overlap)."""
    q_terms = set(query_tokens(question))
    wants_number = bool(QUANTITY.search(question))
    out = []
    for h in hits:
        sents = split_sentences(h.paper.abstract) or [h.paper.abstract]
        vecs = engine.sentence_vectors(h.paper.paper_id, sents)
        cos = vecs @ qvec
        overlap = np.zeros(len(sents), dtype=np.float32)
        if q_terms:
            for i, s in enumerate(sents):
                overlap[i] = len(q_terms & set(query_tokens(s))) / len(q_terms)
        score = cos + 0.35 * overlap
        if wants_number:
            score = score + 0.12 * np.array([bool(re.search(r"\d", s)) for s in sents], dtype=np.float32)
        out.append(Evidence(hit=h, sentences=sents, scores=score, cosines=cos, overlap=overlap))
    return out
