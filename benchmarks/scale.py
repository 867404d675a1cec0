"""Growth benchmark for the engine backend (issue #15): 30k -> 100k -> 300k -> 1M papers in one collection.

    nice -n 19 python -m benchmarks.scale                         # 30k, 100k, 300k, 1M (each row written at once)
    nice -n 19 python -m benchmarks.scale --sizes 30000,100000    # fewer sizes

Corpus (SYNTHETIC, recombined from real records): the first 5,000 papers are real SciFact and ACL
abstracts with their real int8 MiniLM vectors (`benchmarks.hnsw_recall.base_vectors`, cached). Paper i
beyond them takes base b = i mod 5,000 and one of b's 20 nearest real neighbours j: its title is the
first half of b's title and the second half of j's, its abstract is b's sentences with a share lambda
(uniform 0..0.5) of them swapped for j's, its author list, venue and year are those of a random real
ACL paper (so venue and author frequencies keep the real skew), and its vector is b's plus lambda times
(j - b) plus Gaussian noise of norm 0.2, normalised (`hnsw_recall`'s "between" design).
Papers go through the real ingest path (`rag.index.ingest_papers`: Chroma upsert through a `chroma run`
server, the engine index written per batch, revisions) with an embedder that returns the precomputed
vectors. Queries are embedded by the real MiniLM inside every timed search.

Per size: ingest rate of the step, disk (Chroma server data + RAG_HOME), peak RSS of the ingesting
process; cold start of a new app process until its first `rag.ask()` answer; time from starting to
ingest 1,000 more papers until a running engine finds the last of them; `retriever.search(k=10)` p50/p95
unfiltered and for a year filter, a rare venue and an author (filtered_p95_ms = the worst of the three);
private RSS (RssAnon: beyond shared file pages) of each of two app instances answering questions at
the same time against the one server, plus their total RSS and the server's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import (
    REPO,
    RESULTS,
    WORK,
    add_common_args,
    data_root,
    dir_size_mb,
    environment,
    isolate_home,
    latency_summary,
    peak_rss_mb,
    write_json,
)

BASE_SCI, BASE_ACL = 2500, 2500
NOISE = 0.2
CHUNK = 25_000  # papers generated and ingested per ingest_papers call
NOTE = ("2-core machine SHARED with other engineers' jobs while this ran (nice -n 19): latencies and rates are "
        "upper bounds for an idle machine. The corpus is SYNTHETIC beyond 5,000 real SciFact/ACL abstracts: "
        "records recombined from real titles, sentences, authors, venues and years, vectors = a real abstract's "
        "vector moved towards a real neighbour plus noise (see the script's docstring). Chroma runs as one "
        "`chroma run` server; app instances use retriever='engine'.")
TARGETS_1M = {"p95_ms": 100, "filtered_p95_ms": 150, "cold_start_s": 10, "add_1k_searchable_s": 30,
              "rss_per_instance_gb": 2.0}


# --- corpus ------------------------------------------------------------------------------------------
def base_papers(data: Path) -> list:
    """The papers behind `hnsw_recall.base_vectors` rows, in the same order."""
    from rag.corpus import load_papers

    sci = load_papers(data / "scifact" / "corpus_train.csv", format="scifact")[:BASE_SCI]
    acl = []
    for f in sorted((data / "acl-anthology" / "xml").glob("*.xml"), reverse=True):
        acl += load_papers(f, format="acl")
        if len(acl) >= BASE_ACL:
            break
    return sci + acl[:BASE_ACL]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s] or [text]


class Synthetic:
    """Deterministic synthetic papers and vectors by index (see the module docstring)."""

    def __init__(self, base: list, vecs: np.ndarray, meta: list, seed: int = 11):
        from benchmarks.hnsw_recall import nearest_bases

        self.base, self.vecs, self.meta, self.seed = base, vecs, meta, seed
        self.neighbours = nearest_bases(vecs)
        self.sents = [sentences(p.abstract) for p in base]

    def make(self, start: int, stop: int) -> tuple[list, np.ndarray]:
        from rag.types import Paper

        rng = np.random.default_rng(self.seed + start)
        n_base = len(self.base)
        papers, out = [], np.empty((stop - start, self.vecs.shape[1]), dtype=np.float32)
        for row, i in enumerate(range(start, stop)):
            b = i % n_base
            meta = self.meta[int(rng.integers(len(self.meta)))]
            if i < n_base:
                p = self.base[b]
                papers.append(Paper(paper_id=f"syn{i:07d}", abstract=p.abstract, title=p.title, authors=p.authors,
                                    year=p.year if p.year else meta[2], venue=p.venue or meta[1],
                                    source=f"synthetic:{i}"))
                out[row] = self.vecs[b]
                continue
            j = int(self.neighbours[b, rng.integers(self.neighbours.shape[1])])
            lam = float(rng.uniform(0.0, 0.5))
            tb, tj = (self.base[b].title or "").split(), (self.base[j].title or "").split()
            title = " ".join(tb[: (len(tb) + 1) // 2] + tj[len(tj) // 2:]) or None
            sb, sj = self.sents[b], self.sents[j]
            abstract = " ".join(sj[k % len(sj)] if rng.random() < lam else s for k, s in enumerate(sb))
            papers.append(Paper(paper_id=f"syn{i:07d}", abstract=abstract, title=title, authors=meta[0],
                                year=meta[2], venue=meta[1], source=f"synthetic:{i}"))
            v = self.vecs[b] + lam * (self.vecs[j] - self.vecs[b])
            v = v + rng.standard_normal(v.shape[0]).astype(np.float32) * np.float32(NOISE / np.sqrt(v.shape[0]))
            out[row] = v / np.linalg.norm(v)
        return papers, out


class Precomputed:
    """An embedder that returns the vectors computed for these papers (by their embedded text)."""

    def __init__(self, papers: list, vecs: np.ndarray):
        from rag.store import embed_text

        self.rows = {embed_text(p): i for i, p in enumerate(papers)}
        self.vecs = vecs

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.vecs[[self.rows[t] for t in texts]]


def ingest(papers: list, vecs: np.ndarray, settings, collection: str):
    """`rag.index.ingest_papers` with the precomputed vectors standing in for the embedder."""
    import rag.embed
    from rag.index import ingest_papers

    real = rag.embed.get_embedder
    rag.embed.get_embedder = lambda s: Precomputed(papers, vecs)
    try:
        return ingest_papers(papers, settings, collection, progress=False)
    finally:
        rag.embed.get_embedder = real


# --- chroma server and app instances ----------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(sys.executable).parent / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    log = open(path.parent / "chroma-server.log", "a")
    proc = subprocess.Popen(["nice", "-n", "19", str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("chroma server did not start; see " + str(path.parent / "chroma-server.log"))


def proc_rss(pid: int) -> dict[str, float]:
    out = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, val = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                out[key] = round(int(val.split()[0]) / 2**20, 3)  # GiB
    return out


INSTANCE = r"""
import json, os, sys, time
t0 = float(sys.argv[1]); questions = json.loads(sys.argv[2]); collection = sys.argv[3]
import rag
first = rag.ask(questions[0], collection=collection)
ready = time.time() - t0
secs = []
for q in questions[1:]:
    t = time.perf_counter(); rag.ask(q, collection=collection); secs.append(time.perf_counter() - t)
print(json.dumps({"ready_s": ready, "first_refused": first.refused, "first_sources": len(first.sources),
                  "ask_s": secs}), flush=True)
sys.stdin.readline()  # stay alive (and resident) until the benchmark has read both instances' memory
"""


def start_instance(env: dict, questions: list[str], collection: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", INSTANCE, repr(time.time()), json.dumps(questions), collection],
                            env=env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def read_instance(proc: subprocess.Popen, timeout: float = 600) -> dict:
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"app instance exited with {proc.wait(timeout)}")
    out = json.loads(line)
    out["rss_gb"] = proc_rss(proc.pid)
    return out


def stop(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()
    except (OSError, AttributeError):
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- one size ------------------------------------------------------------------------------------------
def timed_searches(engine, queries: list[str], filters=None) -> dict:
    secs, found = [], []
    for q in queries:
        t = time.perf_counter()
        hits = engine.retriever.search(q, k=10, filters=filters)
        secs.append(time.perf_counter() - t)
        found.append(len(hits))
        if filters is not None:
            bad = [h.paper.paper_id for h in hits if not filters.mask([h.paper])[0]]
            assert not bad, f"filter {filters} returned papers that do not pass it: {bad[:3]}"
    return {**latency_summary(secs), "mean_hits": round(float(np.mean(found)), 2)}


def add_and_find(syn: Synthetic, start: int, settings, collection: str) -> dict:
    """Ingest 1,000 new papers while an engine is loaded; seconds until that engine's next request finds
    the last of them (a reload on the new revision, as in a running app)."""
    from rag.pipeline import get_engine

    papers, vecs = syn.make(start, start + 1000)
    for k, p in enumerate(papers):  # a token of its own per paper: the search below must find this one
        p.title = f"{p.title or ''} (update {k:04d}u{start})".strip()
    target = papers[-1]
    get_engine(settings, collection)  # loaded before the write
    t0 = time.perf_counter()
    res = ingest(papers, vecs, settings, collection)
    t_ingest = time.perf_counter() - t0
    query = f"{target.title} {' '.join(sentences(target.abstract)[:1])}"
    while True:
        eng = get_engine(settings, collection)
        if target.paper_id in {h.paper.paper_id for h in eng.retriever.search(query, k=10)}:
            break
        if time.perf_counter() - t0 > 600:
            raise RuntimeError("the added papers were not found within 600 s")
        time.sleep(0.2)
    return {"seconds": round(time.perf_counter() - t0, 2), "ingest_s": round(t_ingest, 2), "added": res.added,
            "lexical_s": round(res.timings.get("lexical", 0.0), 2), "store_s": round(res.timings.get("store", 0), 2)}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["papers"] for r in rows]
    panels = [
        ("retrieval latency, ms (query embedding incl.)", [("p50_ms", "p50"), ("p95_ms", "p95"),
                                                           ("filtered_p95_ms", "filtered p95")], [100, 150]),
        ("seconds", [("cold_start_s", "cold start (new instance)"), ("add_1k_searchable_s", "+1,000 searchable")],
         [10, 30]),
        ("ingest papers/s", [("ingest_per_s", "ingest rate (step)")], []),
        ("GB", [("rss_per_instance_gb", "private RSS per instance"), ("disk_gb", "disk"),
                ("server_rss_gb", "chroma server RSS")], [2]),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    for ax, (ylabel, series, lines) in zip(axes, panels, strict=True):
        for key, label in series:
            ax.plot(n, [r.get(key) for r in rows], "o-", label=label)
        for y in lines:
            ax.axhline(y, color="grey", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("papers")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Engine backend growth (synthetic corpus, shared 2-core machine; dotted: issue #15 targets at 1M)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(ap)
    ap.add_argument("--sizes", default="30000,100000,300000,1000000")
    ap.add_argument("--queries", type=int, default=100, help="timed searches per measurement")
    ap.add_argument("--stop-after", default=None,
                    help="UTC HH:MM: do not start a size after this time (the rows so far are kept)")
    ap.add_argument("--resume", type=float, default=None, metavar="INGEST_PER_S",
                    help="measure the sizes already ingested in this benchmark's home again (after a crash in a "
                    "measurement), with the ingest rate the first run logged for them; rows so far are kept")
    args = ap.parse_args(argv)
    data = data_root(args.data)
    home = isolate_home("scale", args.work, fresh=args.resume is None)
    os.environ.setdefault("RAG_MODEL_CACHE", str(WORK / "models"))
    from benchmarks.hnsw_recall import base_vectors
    from benchmarks.scifact import load_claims, load_qrels
    from rag.corpus import load_papers
    from rag.retrieval import Filters
    from rag.settings import load_settings

    t = time.perf_counter()
    vecs = base_vectors(data, WORK / "hnsw_recall" / f"base_{BASE_SCI}_{BASE_ACL}.npy", BASE_SCI, BASE_ACL)
    base = base_papers(data)
    assert len(base) == len(vecs), (len(base), len(vecs))
    acl_all = load_papers(data / "acl-anthology" / "xml", format="acl")
    meta = [(p.authors, p.venue, p.year) for p in acl_all]
    syn = Synthetic(base, vecs, meta)
    print(f"corpus sources ready in {time.perf_counter() - t:.1f}s ({len(acl_all)} ACL records for metadata)",
          flush=True)

    # Queries: 70 SciFact test claims and 30 titles of ACL papers that are not base papers.
    claims = load_claims(data / "scifact" / "claims_validation.csv")
    qrels = load_qrels(data / "scifact" / "qrels" / "test.tsv")
    base_ids = {p.paper_id for p in base}
    rng = random.Random(5)
    acl_titles = [p.title for p in rng.sample(acl_all, 400) if p.title and p.paper_id not in base_ids]
    n_claims = int(args.queries * 0.7)
    queries = [claims[q] for q in sorted(qrels, key=int)][:n_claims] + acl_titles[: args.queries - n_claims]
    # Filters: a year range, a rare venue (an acronym with few ACL papers), an author with ~10 ACL papers.
    from collections import Counter

    acr = Counter(p.venue.split(" — ")[0] for p in acl_all if p.venue and " — " in p.venue)
    rare_venue = sorted((v for v, c in acr.items() if 5 <= c <= 15 and v.isalpha()), key=lambda v: (acr[v], v))[0]
    auth = Counter(a for p in acl_all for a in p.authors)
    author = sorted((a for a, c in auth.items() if c == 10), key=lambda a: a)[0]
    filters = {"year": Filters(year_min=2019, year_max=2020), "rare_venue": Filters(venue=rare_venue),
               "author": Filters(author=author)}
    print(f"filters: {filters}", flush=True)

    port = free_port()
    server_dir = home / "chroma-server"
    server = start_server(server_dir, port)
    overrides = {"store": "chroma-server", "chroma_port": port, "retriever": "engine", "collection": "scale",
                 "sentence_precompute_max": 0}
    settings = load_settings(home=home, **overrides)
    env = {**os.environ, "RAG_HOME": str(home), "RAG_STORE": "chroma-server", "RAG_CHROMA_PORT": str(port),
           "RAG_RETRIEVER": "engine", "RAG_SENTENCE_PRECOMPUTE_MAX": "0"}
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    result: dict[str, Any] = {
        "benchmark": "scale", "environment": environment(), "note": NOTE, "rows": [],
        "corpus": {"base_real_papers": len(base), "design": "between (hnsw_recall)", "noise_norm": NOISE,
                   "metadata_from": f"{len(acl_all)} real ACL records"},
        "queries": {"n": len(queries), "scifact_claims": n_claims, "acl_titles": len(queries) - n_claims},
        "filters": {k: {kk: vv for kk, vv in vars(f).items() if vv is not None} for k, f in filters.items()},
        "settings": {"retriever": "engine", "store": "chroma-server", "candidates": settings.candidates,
                     "upsert_batch_size": settings.upsert_batch_size, "hnsw_ef_search": 100},
        "targets_at_1M": TARGETS_1M,
        "sizes_requested": sizes,
    }
    done = 0
    if args.resume is not None:
        from rag.store import Store

        done = Store(settings, "scale").count()  # ids syn0000000.. are contiguous: generation resumes here
        old = json.loads((args.out or RESULTS / "scale.json").read_text())
        result["rows"] = [r for r in old["rows"] if r["papers"] < min(sizes)]
        result["resumed"] = (f"sizes {sizes} measured again on the {done:,} papers already ingested (a first run "
                             f"crashed in a measurement); ingest_per_s is the rate that run logged")
    try:
        for size in sizes:
            if args.stop_after and time.strftime("%H:%M", time.gmtime()) >= args.stop_after:
                result["stopped"] = f"size {size} not started: past {args.stop_after} UTC"
                print(result["stopped"], flush=True)
                break
            print(f"\n== {size:,} papers ==", flush=True)
            gen_s = ingest_s = 0.0
            start = done
            resumed = done >= size
            while done < size:
                stop_at = min(size, done + CHUNK)
                t = time.perf_counter()
                papers, pv = syn.make(done, stop_at)
                gen_s += time.perf_counter() - t
                t = time.perf_counter()
                ingest(papers, pv, settings, "scale")
                ingest_s += time.perf_counter() - t
                done = stop_at
                print(f"  {done:,} ingested ({(done - start) / ingest_s:.0f}/s)", flush=True)
            from rag.pipeline import get_engine
            from rag.store import Store

            count = Store(settings, "scale").count()
            eng = get_engine(settings, "scale")
            for q in queries[:10]:
                eng.retriever.search(q, k=10)
            lat = timed_searches(eng, queries)
            filt = {k: timed_searches(eng, queries, f) for k, f in filters.items()}
            print(f"  search {lat}\n  filtered { {k: v['p95_ms'] for k, v in filt.items()} }", flush=True)
            add = add_and_find(syn, done, settings, "scale")
            done += 1000
            print(f"  +1,000 searchable in {add['seconds']}s", flush=True)
            inst_q = queries[::5][:12]
            a = start_instance(env, inst_q, "scale")
            ra = read_instance(a)
            b = start_instance(env, inst_q, "scale")
            rb = read_instance(b)
            ra["rss_gb_with_both_running"] = proc_rss(a.pid)
            server_rss = proc_rss(server.pid)
            stop(a)
            stop(b)
            disk = dir_size_mb(home) / 1024  # Chroma server data + engine index + locks (models live elsewhere)
            row = {
                "papers": count,
                "ingest_per_s": args.resume if resumed else round((size - start) / ingest_s, 1),
                "disk_gb": round(disk, 3),
                "cold_start_s": round(ra["ready_s"], 2),
                "add_1k_searchable_s": add["seconds"],
                "p50_ms": lat["p50_ms"],
                "p95_ms": lat["p95_ms"],
                "filtered_p95_ms": max(v["p95_ms"] for v in filt.values()),
                "rss_per_instance_gb": round(max(ra["rss_gb"]["RssAnon"], rb["rss_gb"]["RssAnon"]), 3),
                # extra keys
                "cold_start_second_instance_s": round(rb["ready_s"], 2),
                "instance_total_rss_gb": [ra["rss_gb"]["VmRSS"], rb["rss_gb"]["VmRSS"]],
                "instance_rss_detail_gb": [ra["rss_gb_with_both_running"], rb["rss_gb"]],
                "instance_ask_p50_ms": round(float(np.median(ra["ask_s"] + rb["ask_s"])) * 1000, 1),
                "server_rss_gb": server_rss.get("VmRSS"),
                "ingest_peak_rss_gb": None if resumed else round(peak_rss_mb() / 1024, 3),
                "ingest_step_s": round(ingest_s, 1),
                "generate_step_s": round(gen_s, 1),
                "latency": lat,
                "filtered": filt,
                "add_1k": add,
                "chroma_server_disk_gb": round(dir_size_mb(server_dir) / 1024, 3),
                "engine_index_disk_gb": round(dir_size_mb(home / "lexical") / 1024, 3),
                "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
            }
            result["rows"].append(row)
            print(json.dumps({k: v for k, v in row.items() if not isinstance(v, dict)}), flush=True)
            write_json("scale", result, args.out)
            plot(result["rows"], (args.out or RESULTS / "scale.json").with_suffix(".png"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
