"""Plain typed records that flow through the pipeline: Paper in, Source and Answer out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rag.citation_marks import cited_numbers


@dataclass
class Paper:
    """One abstract as loaded from a corpus file. `title` is None when the source has none."""

    paper_id: str
    abstract: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    url: str | None = None
    source: str = ""  # "<file>#<position>" or similar provenance
    doi: str | None = None
    arxiv_id: str | None = None
    extra_urls: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """A display label; never presented as a real title when the paper has none."""
        if self.title:
            return self.title
        words = self.abstract.split()
        return "Untitled abstract: " + " ".join(words[:8]) + ("…" if len(words) > 8 else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Source:
    """A retrieved paper as cited in an answer: `[n]` in the text is `sources[n-1]`."""

    n: int
    paper_id: str
    title: str | None
    authors: list[str]
    year: int | None
    venue: str | None
    url: str
    abstract: str
    snippet: str = ""
    score: float = 0.0  # retrieval score: fused z-score (standard deviations above the candidate pool), or RRF
    source: str = ""
    collection: str = ""

    @property
    def label(self) -> str:
        return self.title or "Untitled abstract"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Claim:
    """One answer sentence with the sources it cites and how well they support it (0..1).

    In LLM mode every sentence the model wrote is recorded: `status` is "kept" (its citation is
    supported), "recited" (another retrieved source supports it, and is now cited) or "dropped"
    (no retrieved source supports it, so it is not in the answer); `reason` says why, and
    `hinted` holds the numbers the model itself wrote (hints only, in the model's numbering).
    A dropped claim cites nothing. Offline answers' claims are all "kept".
    """

    sentence: str
    cited: list[int]
    support: float
    evidence: str = ""
    status: str = "kept"  # "kept" | "recited" | "dropped"
    reason: str = ""
    hinted: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """The result of `rag.ask()`."""

    text: str
    sources: list[Source]
    refused: bool
    mode: str  # "offline" or "llm"
    question: str = ""
    standalone_question: str = ""
    model: str | None = None
    fallback_reason: str | None = None
    claims: list[Claim] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)  # evidence strength etc., for tuning
    filters: dict[str, object] = field(default_factory=dict)  # metadata filters that were applied

    def source(self, n: int) -> Source | None:
        """The source cited as [n] (in a conversation numbers stay fixed across turns)."""
        return next((s for s in self.sources if s.n == n), None)

    def to_message(self) -> dict:
        """This answer as an assistant turn for `history`, keeping its citation numbers."""
        return history_message(self)

    @property
    def citations(self) -> list[int]:
        return cited_numbers(self.text)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = self.citations
        return d

    def to_bibtex(self) -> str:
        """The sources this answer cites, as BibTeX (title, authors, year, venue, DOI/URL, abstract)."""
        from rag.export import answer_to_bibtex

        return answer_to_bibtex(self)

    def to_ris(self) -> str:
        """The sources this answer cites, as RIS records."""
        from rag.export import answer_to_ris

        return answer_to_ris(self)

    def to_markdown(self) -> str:
        """The answer as Markdown, citations kept as [n], with a numbered reference list."""
        from rag.export import answer_to_markdown

        return answer_to_markdown(self)


def history_message(answer: Answer) -> dict:
    """The assistant turn to append to `history`, carrying its citation numbers."""
    return {"role": "assistant", "content": answer.text,
            "sources": [{"n": s.n, "paper_id": s.paper_id} for s in answer.sources]}
