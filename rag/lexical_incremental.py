"""BM25 over an incremental on-disk tantivy index: papers are added and deleted without a rebuild.

Groundwork for issue #15 (scale); the shipped retriever still uses `rag.lexical.LexicalIndex`.

One directory holds a tantivy index (Rust, Lucene-style segments, memory-mapped by readers) written
by ONE ingesting process (tantivy's own lock file refuses a second writer) and opened by any number of
reader processes without a rebuild. A commit is atomic: a reader sees either the previous or the new
state, never part of a batch, and a writer killed mid-batch leaves the last commit intact.

Tokenisation matches `rag.lexical.tokenize` (bm25s): lower-case, runs of two or more word characters,
bm25s's English stopwords, Snowball English stemmer (rust-stemmers here, PyStemmer there; the same
algorithm; a plural acronym is put in the singular before either stems it, `rag.lexical.singular_acronyms`).
The only known difference: Python's `\\w` also matches super/subscript digits ("km²"),
Rust's does not (5 of 2,000 SciFact abstracts differ in one token). Scoring is tantivy's BM25 with
its fixed k1 = 1.2, b = 0.75 and Lucene's idf, the formula bm25s uses with method "lucene" times
(k1 + 1) = 2.2 (a constant factor: rankings and z-scores are unchanged), with document lengths kept
in tantivy's 1-byte norms; b
cannot be set to the 0.55 the shipped bm25s index uses (measured on SciFact, b changes nDCG@10 by
less than 0.001).

Per document: `paper_id` (raw term, stored), the BM25 `text` (title + authors + abstract, term
frequencies only, no positions), `terms` (the squashed term variants behind "is X mentioned at
all?"), `year` (fast field, for exact range filters) and `paper` (the Paper as JSON, stored once,
compressed: the index doubles as the catalogue). The store revision the index reflects is kept in a
reserved document, so it is committed atomically with the papers it describes. That empty document
counts in tantivy's collection statistics (idf uses N + 1, the average length is scaled by N/(N + 1)):
at 30k papers a 0.003% change of any score, invisible in rankings.

Compared with `LexicalIndex`, this class offers `search` (top-k only, with exact filters pushed into
the engine), `get`, `doc_freq` and `mentions`. It does not offer cheaply: `scores(query)` (a dense
score vector over every paper, which is the O(N) pass this index exists to avoid), `papers` and
`by_id` (an in-memory catalogue in doc order: use `get`/`get_many`, or iterate with `papers()`, which
reads every stored document), `terms` as a Python set (use `mentions`) and `vectors` (the dense leg
belongs to Chroma's own index).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from rag.lexical import singular_acronyms
from rag.types import Paper

ANALYZER = "paper_en"
TERMS_ANALYZER = "paper_terms"
LOWER_ANALYZER = "lower_raw"
COMPOUND = re.compile(r"[A-Za-z0-9]+(?:[-‐/][A-Za-z0-9]+)+")  # 'DC-Bi-LSTM': its joined runs go to `terms`
REVISION_ID = "__revision__"  # reserved paper_id of the document holding the store revision
TOKEN_PATTERN = r"\w\w+"  # bm25s's default token pattern, without the \b anchors Rust's regex does not need


class IndexBusyError(RuntimeError):
    """Another process holds this index's writer lock."""


def bm25s_stopwords() -> list[str]:
    """bm25s's English stopword list (the one the shipped index uses), read from its module file without
    importing the bm25s package, whose __init__ pulls in scipy: 2 s of a reader's start-up."""
    import importlib.util
    import sys

    if "bm25s.stopwords" in sys.modules:
        return list(sys.modules["bm25s.stopwords"].STOPWORDS_EN)
    pkg = importlib.util.find_spec("bm25s")
    spec = importlib.util.spec_from_file_location(
        "_bm25s_stopwords", Path(pkg.submodule_search_locations[0]) / "stopwords.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.STOPWORDS_EN)


def _analyzer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(TOKEN_PATTERN))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(bm25s_stopwords()))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _terms_analyzer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[A-Za-z0-9]+")).filter(tantivy.Filter.lowercase()).build()
    )


def compound_joins(text: str) -> list[str]:
    """The multi-part runs of hyphenated/slashed terms, squashed: 'DC-Bi-LSTM' -> dcbi, dcbilstm, bilstm.
    With the single parts that the `terms` analyzer produces, these make up `rag.text.squashed_variants`."""
    out = []
    for m in COMPOUND.finditer(text):
        parts = re.split(r"[-‐/]", m.group(0).lower())[:6]
        out += ["".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)]
    return out


def _lower_analyzer():
    import tantivy

    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.lowercase()).build()


SCHEMA_VERSION = 3  # 2: venue, author and title keys, source (filters and name matching pushed into the engine);
# 3: plural acronyms indexed in the singular (rag.lexical.singular_acronyms)


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("paper_id", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("text", stored=False, tokenizer_name=ANALYZER, index_option="freq")
    sb.add_text_field("terms", stored=False, tokenizer_name=TERMS_ANALYZER, index_option="basic")
    sb.add_integer_field("year", stored=False, indexed=True, fast=True)
    sb.add_bytes_field("paper", stored=True, indexed=False, fast=False)
    # Metadata keys, one value each (phrases never cross values), all from `rag.retrieval` semantics:
    sb.add_text_field("venue", stored=False, tokenizer_name="raw", index_option="basic", fast=True)  # exact string
    sb.add_text_field("author_words", stored=False, tokenizer_name=TERMS_ANALYZER, index_option="position")
    sb.add_text_field("author_name", stored=False, tokenizer_name="raw", index_option="basic")  # AuthorIndex.full
    sb.add_text_field("author_last", stored=False, tokenizer_name="raw", index_option="basic")  # AuthorIndex.last
    sb.add_text_field("title_key", stored=False, tokenizer_name="raw", index_option="basic")  # TitleIndex names
    sb.add_text_field("title_word", stored=False, tokenizer_name="raw", index_option="basic")  # 1-word names
    sb.add_text_field("source", stored=False, tokenizer_name=LOWER_ANALYZER, index_option="basic")
    return sb.build()


def author_keys(authors: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(folded names, full-name keys, surname keys) of a paper, as `rag.retrieval.names.AuthorIndex` has
    them: every folded name of 2+ words and its 'first last' form; surnames of 4+ letters."""
    from rag.text import fold

    folded, full, last = [], [], []
    for a in authors:
        name = fold(a)
        parts = name.split()
        if name:
            folded.append(name)
        if len(parts) >= 2:
            full += [name, f"{parts[0]} {parts[-1]}"]
        if parts and len(parts[-1]) >= 4:
            last.append(parts[-1])
    return folded, list(dict.fromkeys(full)), list(dict.fromkeys(last))


def title_keys(title: str | None) -> tuple[list[str], list[str]]:
    """(names of 3+ words, one-word names) a question may quote, as `rag.retrieval.names.TitleIndex`
    has them; a one-word name only counts when it is rare in the collection, checked at query time."""
    from rag.text import fold

    if not title:
        return [], []
    full = fold(title)
    long, single = ([full] if len(full.split()) >= 3 else []), []
    if ":" in title:
        head, tail = title.split(":", 1)
        for part in (fold(head), fold(tail)):
            n_words = len(part.split())
            if part == full or len(part) < 4:
                continue
            if n_words >= 3:
                long.append(part)
            elif n_words == 1:
                single.append(part)
    return long, single


def _lexical_text(paper: Paper) -> str:
    from rag.lexical import lexical_text

    return lexical_text(paper)


class IncrementalLexicalIndex:
    """A tantivy BM25 index of papers in `directory`; `writable=True` for the one ingesting process."""

    def __init__(self, directory: str | Path, writable: bool = False, heap_mb: int = 128, threads: int = 1):
        import tantivy

        self.directory = Path(directory)
        self.writable = writable
        if writable:
            self.directory.mkdir(parents=True, exist_ok=True)
        elif not (self.directory / "meta.json").exists():
            raise FileNotFoundError(f"{self.directory}: no lexical index here (the ingesting process creates it)")
        self.schema = _schema()
        self.analyzer = _analyzer()
        self.index = tantivy.Index(self.schema, path=str(self.directory), reuse=True)
        self.index.register_tokenizer(ANALYZER, self.analyzer)
        self.index.register_tokenizer(TERMS_ANALYZER, _terms_analyzer())
        self.index.register_tokenizer(LOWER_ANALYZER, _lower_analyzer())
        self.index.config_reader(reload_policy="Manual")
        self._writer = None
        self._pending = False  # uncommitted operations in this writer
        self._lock = threading.Lock()
        if writable:
            try:
                self._writer = self.index.writer(heap_size=heap_mb * 2**20, num_threads=threads)
            except ValueError as exc:
                if "lock" in str(exc).lower():
                    raise IndexBusyError(f"{self.directory}: another process is writing this index ({exc})") from exc
                raise
        self.index.reload()

    # --- reading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """See the last commit (this or another process's); searches keep the state they started with."""
        self.index.reload()

    def __len__(self) -> int:
        return self.index.searcher().num_docs - (1 if self._revision_doc() is not None else 0)

    def __contains__(self, paper_id: str) -> bool:
        return paper_id != REVISION_ID and bool(self._present([paper_id]))

    def _present(self, ids: list[str]) -> set[str]:
        """The ids that are indexed (a search: doc_freq still counts deleted documents until a merge)."""
        return set(self._stored(ids))

    @property
    def revision(self) -> str | None:
        """The store revision recorded by the last commit, or None."""
        doc = self._revision_doc()
        return json.loads(doc)["revision"] if doc is not None else None

    def _revision_doc(self) -> bytes | None:
        docs = self._stored([REVISION_ID])
        return docs.get(REVISION_ID)

    def _stored(self, ids: Iterable[str]) -> dict[str, bytes]:
        import tantivy

        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        searcher = self.index.searcher()
        query = tantivy.Query.term_set_query(self.schema, "paper_id", ids)
        hits = searcher.search(query, limit=len(ids), count=False).hits
        out = {}
        for _score, addr in hits:
            doc = searcher.doc(addr)
            out[doc["paper_id"][0]] = doc["paper"][0]
        return out

    def get(self, paper_id: str) -> Paper | None:
        return self.get_many([paper_id]).get(paper_id)

    def get_many(self, paper_ids: Iterable[str]) -> dict[str, Paper]:
        """paper_id -> Paper for the ids that are indexed."""
        raw = self._stored(pid for pid in paper_ids if pid != REVISION_ID)
        return {pid: Paper(**json.loads(blob)) for pid, blob in raw.items()}

    def papers(self) -> Iterator[Paper]:
        """Every indexed paper (reads every stored document: O(N), for exports and checks only)."""
        import tantivy

        searcher = self.index.searcher()
        if searcher.num_docs == 0:
            return
        for _score, addr in searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False).hits:
            doc = searcher.doc(addr)
            if doc["paper_id"][0] != REVISION_ID:
                yield Paper(**json.loads(doc["paper"][0]))

    def query_tokens(self, query: str) -> list[str]:
        return [t for t in self.analyzer.analyze(singular_acronyms(query)) if t]

    def doc_freq(self, word: str) -> int:
        """How many papers contain the (stemmed) word; the most frequent token when it has several.
        Like tantivy's own idf, this counts deleted papers until their segment is merged."""
        searcher = self.index.searcher()
        toks = self.query_tokens(word)
        return max((searcher.doc_freq("text", t) for t in toks), default=0)

    def mentions(self, term: str) -> bool:
        """Whether any paper mentions `term` (squashed: lower-case, hyphens and punctuation dropped),
        the check `LexicalIndex.terms` serves with an in-memory set. A search, not doc_freq, so that
        deleted papers do not count."""
        import tantivy

        from rag.text import squash

        key = squash(term)
        if not key:
            return False
        query = tantivy.Query.term_query(self.schema, "terms", key)
        return bool(self.index.searcher().search(query, limit=1, count=False).hits)

    def search(
        self,
        query: str,
        k: int,
        allowed_ids: Iterable[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        venues: Iterable[str] | None = None,
        author: str | None = None,
        source: str | None = None,
    ) -> list[tuple[str, float]]:
        """Top-k (paper_id, BM25 score), best first. Filters are exact and applied inside the engine
        before the top-k, so a rare filter still returns up to k matching papers: `year_min`/`year_max`
        (inclusive; papers without a year never pass a year filter, as in `Retriever.mask`), `venues`
        (exact venue strings), `author` (a name whose folded words occur, in order, in one author's
        folded name: `Filters.author`), `source` (a case-insensitive substring of the source:
        `Filters.source`) and `allowed_ids` (any other pre-filtered id set)."""
        import tantivy

        if k <= 0:
            return []
        tokens = self.query_tokens(query)
        if not tokens:
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "text", t)) for t in tokens]
        )
        filters = self.filter_queries(allowed_ids, year_min, year_max, venues, author, source)
        if filters is None:
            return []
        if filters:
            q = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, q)]
                + [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
            )
        searcher = self.index.searcher()
        hits = searcher.search(q, limit=k, count=False).hits
        return [(searcher.doc(addr)["paper_id"][0], float(score)) for score, addr in hits]

    def filter_queries(
        self,
        allowed_ids: Iterable[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        venues: Iterable[str] | None = None,
        author: str | None = None,
        source: str | None = None,
    ) -> list | None:
        """The tantivy queries that select exactly the papers passing these filters (all must match);
        None when no paper can pass (an empty id or venue set, an author name without words)."""
        import tantivy

        from rag.text import fold

        out = []
        if year_min is not None or year_max is not None:
            out.append(tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer, year_min, year_max))
        if venues is not None:
            venues = [v for v in dict.fromkeys(venues) if v]
            if not venues:
                return None
            out.append(tantivy.Query.term_set_query(self.schema, "venue", venues))
        if author is not None:
            words = fold(author).split()
            if not words:
                return None
            out.append(tantivy.Query.phrase_query(self.schema, "author_words", words) if len(words) > 1
                       else tantivy.Query.term_query(self.schema, "author_words", words[0]))
        if source is not None and source.strip():
            out.append(tantivy.Query.regex_query(self.schema, "source", ".*" + re.escape(source.casefold()) + ".*"))
        if allowed_ids is not None:
            ids = [pid for pid in allowed_ids if pid != REVISION_ID]
            if not ids:
                return None
            out.append(tantivy.Query.term_set_query(self.schema, "paper_id", ids))
        return out

    def matching_ids(self, filters: list, limit: int) -> tuple[list[str], int]:
        """(ids of up to `limit` papers matching every filter query, how many match in all)."""
        import tantivy

        if not filters:
            raise ValueError("matching_ids needs at least one filter query")
        q = tantivy.Query.boolean_query([(tantivy.Occur.Must, f) for f in filters])
        searcher = self.index.searcher()
        res = searcher.search(q, limit=max(1, limit), count=True)
        ids = [searcher.doc(addr)["paper_id"][0] for _score, addr in res.hits]
        return [pid for pid in ids if pid != REVISION_ID], int(res.count or 0)

    def key_matches(self, field: str, keys: Iterable[str], limit: int) -> dict[str, list[str]]:
        """key -> ids of up to `limit` papers holding that exact key in a raw key field (`author_name`,
        `author_last`, `title_key`, `title_word`); keys found nowhere are left out (a term-dictionary
        lookup, no search)."""
        import tantivy

        searcher = self.index.searcher()
        out = {}
        for key in dict.fromkeys(keys):
            if not key or not searcher.doc_freq(field, key):
                continue
            hits = searcher.search(tantivy.Query.term_query(self.schema, field, key), limit=limit, count=False).hits
            ids = [searcher.doc(addr)["paper_id"][0] for _score, addr in hits]
            if ids:
                out[key] = ids
        return out

    def venue_counts(self) -> dict[str, int]:
        """Every distinct non-empty venue with its number of papers (a terms aggregation over the venue
        column: no stored document is read)."""
        import tantivy

        searcher = self.index.searcher()
        if searcher.num_docs == 0:
            return {}
        agg = searcher.aggregate(tantivy.Query.all_query(), {"v": {"terms": {"field": "venue", "size": 1_000_000}}})
        return {b["key"]: int(b["doc_count"]) for b in agg["v"]["buckets"] if b["key"]}

    def sample(self, n: int) -> list[Paper]:
        """Up to n indexed papers (the first in index order), e.g. for the venue vocabulary's checks."""
        import tantivy

        searcher = self.index.searcher()
        if n <= 0 or searcher.num_docs == 0:
            return []
        out = []
        for _score, addr in searcher.search(tantivy.Query.all_query(), limit=n + 1, count=False).hits:
            doc = searcher.doc(addr)
            if doc["paper_id"][0] != REVISION_ID:
                out.append(Paper(**json.loads(doc["paper"][0])))
        return out[:n]

    # --- writing (the ingesting process only) -------------------------------------------------------
    def _need_writer(self):
        if self._writer is None:
            raise PermissionError(f"{self.directory}: opened read-only; open with writable=True to change it")
        return self._writer

    def add(self, papers: Iterable[Paper], revision: str | None = None, commit: bool = True) -> int:
        """Upsert papers by paper_id (a re-added paper replaces its old document, never duplicates it);
        commit unless `commit=False`. Returns how many documents were written."""
        import tantivy

        writer = self._need_writer()
        batch = {p.paper_id: p for p in papers}  # a paper repeated within the batch: the last one wins
        if REVISION_ID in batch:
            raise ValueError(f"paper_id {REVISION_ID!r} is reserved")
        n = 0
        with self._lock:
            empty = self.index.searcher().num_docs == 0 and not self._pending
            for p in batch.values():
                if not empty:  # nothing to replace in a first bulk load
                    writer.delete_documents_by_term("paper_id", p.paper_id)
                text = _lexical_text(p)
                doc = tantivy.Document()
                doc.add_text("paper_id", p.paper_id)
                doc.add_text("text", singular_acronyms(text))  # plural acronyms as `rag.lexical.stemmer` stems them
                doc.add_text("terms", text + "\n" + " ".join(compound_joins(text)))
                if p.year is not None:
                    doc.add_integer("year", int(p.year))
                doc.add_text("venue", p.venue or "")
                folded, full, last = author_keys(p.authors)
                for name in folded:
                    doc.add_text("author_words", name)
                for key in full:
                    doc.add_text("author_name", key)
                for key in last:
                    doc.add_text("author_last", key)
                long, single = title_keys(p.title)
                for key in long:
                    doc.add_text("title_key", key)
                for key in single:
                    doc.add_text("title_word", key)
                doc.add_text("source", p.source or "")
                doc.add_bytes("paper", json.dumps(p.to_dict(), ensure_ascii=False).encode("utf-8"))
                writer.add_document(doc)
                n += 1
            self._pending = True
            if revision is not None:
                self._set_revision(revision)
            if commit:
                self._commit()
        return n

    def delete(self, paper_ids: Iterable[str], revision: str | None = None, commit: bool = True) -> int:
        """Delete papers by id; returns how many of them were indexed."""
        writer = self._need_writer()
        ids = [pid for pid in dict.fromkeys(paper_ids) if pid != REVISION_ID]
        with self._lock:
            present = len(self._present(ids))
            for pid in ids:
                writer.delete_documents_by_term("paper_id", pid)
            self._pending = True
            if revision is not None:
                self._set_revision(revision)
            if commit:
                self._commit()
        return present

    def commit(self, revision: str | None = None) -> None:
        self._need_writer()
        with self._lock:
            if revision is not None:
                self._set_revision(revision)
            self._commit()

    def _set_revision(self, revision: str) -> None:
        import tantivy

        writer = self._need_writer()
        writer.delete_documents_by_term("paper_id", REVISION_ID)
        doc = tantivy.Document()
        doc.add_text("paper_id", REVISION_ID)
        doc.add_bytes("paper", json.dumps({"revision": str(revision)}).encode("utf-8"))
        writer.add_document(doc)
        self._pending = True

    def _commit(self) -> None:
        self._writer.commit()
        self._pending = False
        self.index.reload()

    def close(self) -> None:
        """Release the writer lock (waits for background segment merges)."""
        with self._lock:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                writer.wait_merging_threads()

    def __enter__(self) -> IncrementalLexicalIndex:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
