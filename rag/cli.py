"""`rag`: command-line interface over the same public API the UI uses."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EPILOG = """examples:
  rag ingest ../shared/benchmarks/acl-anthology/xml --collection acl
  rag ask "Which papers build NeRFs from one or a few images?"
  rag ask "What dataset did they use?" --history chat.json --json
  rag eval                       # dev set in ../shared/eval/dev_questions.jsonl
  rag chat                       # launch the web UI at http://127.0.0.1:7860

environment:
  RAG_HOME          where all state lives (default ./.rag)
  OPENAI_BASE_URL   OpenAI-compatible endpoint; unset = offline extractive answers
  OPENAI_API_KEY    key for that endpoint      OPENAI_MODEL   model name
  RAG_CONFIG        a preset (openai, ollama) or a .toml file of settings
"""


def _quiet(verbose: bool = False) -> None:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if verbose:
        logging.getLogger("rag").setLevel(logging.INFO)


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.index import ingest

    res = ingest(args.path, format=args.format, collection=args.collection,
                 progress=None if not args.no_progress else False)
    print(res.summary())
    if res.total == 0:
        print("warning: no papers found in that input", file=sys.stderr)
    return 0


def print_answer(ans, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
        return
    print(ans.text)
    if ans.fallback_reason:
        print(f"\n(note: answered offline because the LLM failed: {ans.fallback_reason})")
    if ans.sources:
        print("\nSources:")
        for s in ans.sources:
            meta = ", ".join(x for x in [", ".join(s.authors[:3]) + (" et al." if len(s.authors) > 3 else ""),
                                         s.venue or "", str(s.year or "")] if x)
            print(f"  [{s.n}] {s.title or 'Untitled abstract'}" + (f" ({meta})" if meta else ""))
            print(f"      {s.url}")


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.pipeline import ask

    history = None
    if args.history:
        history = json.loads(Path(args.history).read_text(encoding="utf-8"))
    filters = {}
    if args.since:
        filters["year_min"] = args.since
    if args.until:
        filters["year_max"] = args.until
    if args.venue:
        filters["venue"] = args.venue
    if args.author:
        filters["author"] = args.author
    overrides = {"top_k": args.k} if args.k else {}
    ans = ask(" ".join(args.question), history=history, collection=args.collection,
              filters=filters or None, **overrides)
    print_answer(ans, args.json)
    return 0


def cmd_retrieve(args: argparse.Namespace) -> int:
    from rag.pipeline import retrieve

    hits = retrieve(" ".join(args.query), k=args.k, collection=args.collection)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
    else:
        for h in hits:
            print(f"[{h.n}] {h.score:.4f}  {h.title or 'Untitled: ' + h.abstract[:70]}\n      {h.url}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from rag.evaluate import DEFAULT_QUESTIONS, evaluate, format_summary

    path = args.questions or DEFAULT_QUESTIONS
    if not Path(path).exists():
        print(f"error: question file not found: {path}", file=sys.stderr)
        return 2
    summary = evaluate(path, verbose=args.per_question, collection=args.collection)
    print(format_summary(summary))
    if args.out:
        Path(args.out).write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from rag.pipeline import prepare
    from ui.app import launch

    prepare(progress=True)  # first start: index the bundled corpus now, with a progress bar
    launch(host=args.host, port=args.port, share=args.share)
    return 0


def cmd_corpora(args: argparse.Namespace) -> int:
    from rag import corpora

    found = corpora()
    if not found:
        print("no corpora indexed yet (the bundled one is ingested on first `rag ask`)")
    for name, n in found.items():
        print(f"{name:20} {n:>7} papers")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from rag.settings import describe, get_settings

    if args.describe:
        print(describe())
        return 0
    data = get_settings().model_dump(mode="json")
    if data.get("llm_api_key"):
        data["llm_api_key"] = "***"
    print(json.dumps(data, indent=2))
    return 0


def cmd_llm_server(args: argparse.Namespace) -> int:
    from rag.llm_server import LLMServerError, prepare, run_foreground

    try:
        if args.prepare_only:
            print(prepare())
            return 0
        return run_foreground(port=args.port)
    except LLMServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rag",
        description="Cited-answer chatbot over scientific paper abstracts (Chroma + BM25 + LLM or offline).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details (batches, timings)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="load a corpus file or folder into the index (idempotent upsert)")
    s.add_argument("path", help="file or directory: .txt seed pages, ACL .xml, SciFact .csv, .jsonl, .csv, BibTeX .bib, RIS .ris, "
                   "OpenAlex/arXiv .json")
    s.add_argument("--format", choices=["seed", "acl", "scifact", "jsonl", "csv", "bibtex", "ris", "json"],
                   help="input format (default: guessed from the file type)")
    s.add_argument("--collection", help="corpus name (default: the configured one, 'seed')")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("ask", help="answer a question with cited sources")
    s.add_argument("question", nargs="+", help="the question")
    s.add_argument("--json", action="store_true", help="print the Answer object as JSON")
    s.add_argument("--history", help="JSON file with prior turns [{role, content}, ...]")
    s.add_argument("--collection", help="corpus to ask (default: 'seed')")
    s.add_argument("-k", type=int, help="papers to retrieve")
    s.add_argument("--since", type=int, help="only papers from this year on")
    s.add_argument("--until", type=int, help="only papers up to this year")
    s.add_argument("--venue", help="only papers whose venue contains this text")
    s.add_argument("--author", help="only papers with this author")
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("retrieve", help="show the ranked papers for a query (no answer)")
    s.add_argument("query", nargs="+")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--collection")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_retrieve)

    s = sub.add_parser("eval", help="score answers on a question set with gold papers")
    s.add_argument("questions", nargs="?", help="JSONL questions (default: ../shared/eval/dev_questions.jsonl)")
    s.add_argument("--collection")
    s.add_argument("--out", help="write the full results as JSON here")
    s.add_argument("--per-question", action="store_true", dest="per_question", help="one line per question")
    s.set_defaults(func=cmd_eval)

    s = sub.add_parser("chat", help="launch the Gradio chat UI (ingests the bundled corpus on first use)")
    s.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default 7860)")
    s.add_argument("--share", action="store_true", help="create a public Gradio share link (off by default)")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("llm-server", help="serve the bundled demo LLM (SmolLM2-135M) on 127.0.0.1 for RAG_CONFIG=local")
    s.add_argument("--port", type=int, default=8011, help="port (default 8011; config/local.toml expects 8011)")
    s.add_argument("--prepare-only", action="store_true",
                   help="only convert the model into $RAG_MODEL_CACHE (once) and print its folder")
    s.set_defaults(func=cmd_llm_server)

    s = sub.add_parser("corpora", help="list indexed corpora")
    s.set_defaults(func=cmd_corpora)

    s = sub.add_parser("config", help="show the effective settings (keys masked)")
    s.add_argument("--describe", action="store_true", help="list every setting with its description")
    s.set_defaults(func=cmd_config)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet(args.verbose)
    from rag.errors import USER_ERRORS

    try:
        return args.func(args)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
