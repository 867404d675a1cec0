"""Claim-level citation checker: how many injected wrong citations it catches, and how many
correct ones it flags by mistake, in an LLM-like setting.

For every answerable single-paper dev question (lookup, detail, author), an "LLM answer" is
built from the gold paper's two best evidence sentences, lightly paraphrased (third person,
parentheses dropped). It is served by a local OpenAI-compatible test server twice: once citing
the gold paper correctly, once with the second sentence's citation moved to another retrieved
paper. The answer goes through the real LLM path (`rag.ask` with `llm_base_url`), whose checker
re-cites or drops weakly supported sentences. The numbers are those the model is shown (read back
from the prompt); questions where it is shown only one paper are skipped. Caught = the injected
citation did not survive in an LLM-mode answer; false flag = a correct citation was changed.
Answers that fell back to offline are counted separately. The model is shown the best paper and the
next one (`list_threshold=0`, `max_cited=2`), so that there is a wrong shown paper to cite.

    python -m benchmarks.citation_check [--questions FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from benchmarks.common import REPO, RESULTS

# The relevance model often shows the LLM only the one paper that answers; the check needs other
# shown papers to cite wrongly, so every answer here shows the best paper and the next one.
SHOWN = {"list_threshold": 0.0, "max_cited": 2}


def paraphrase(sentence: str) -> str:
    s = re.sub(r"\s*\([^)]*\)", "", sentence)
    for a, b in (
        ("We ", "The authors "),
        (" we ", " the authors "),
        ("Our ", "Their "),
        (" our ", " their "),
        ("In this paper, ", ""),
        ("In this work, ", ""),
        ("this paper", "the paper"),
    ):
        s = s.replace(a, b)
    return s.strip()


def prompt_sources(user: str) -> dict[int, tuple[str, str]]:
    """Source number -> (title, text) as the answer prompt showed them (after the worked example)."""
    real = user.split("Now answer the real question", 1)[-1]
    return {int(n): (title, text) for n, title, text in
            re.findall(r'<source id="(\d+)">\nTitle: ([^\n]*)\n(?:[^\n]*\n)*?Text: ([^\n]*)', real)}


def matches(src, title: str, text: str) -> bool:
    if src.title:
        return src.title == title
    return title == "(untitled abstract)" and text[:60] in src.abstract


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=REPO.parent / "shared" / "eval" / "dev_questions.jsonl")
    ap.add_argument("--out", type=Path, default=RESULTS / "citation_check.json")
    args = ap.parse_args(argv)

    import os
    import tempfile

    os.environ.setdefault("RAG_HOME", tempfile.mkdtemp(prefix="rag-citecheck-"))
    sys.path.insert(0, str(REPO))
    import rag
    from rag.evaluate import is_gold, load_questions
    from rag.text import strip_citations as plain
    from tests.conftest import ScriptedLLM

    server = ScriptedLLM()
    rows, caught, injected, flagged, correct, fallbacks = [], 0, 0, 0, 0, 0
    try:
        for q in load_questions(args.questions):
            if q["type"] not in ("lookup", "detail", "author") or len(q["gold"]) != 1:
                continue
            offline = rag.ask(q["question"])
            gold_claims = [
                c for c in offline.claims if any(is_gold(offline.source(n), q["gold"][0]) for n in c.cited)
            ]
            if offline.refused or len(gold_claims) < 2:
                continue
            # The numbering the model sees: ask once and read the sources back from the prompt.
            server.script = [{"text": "Nothing."}]
            rag.ask(q["question"], llm_base_url=server.base_url, llm_retries=0, **SHOWN)
            shown = prompt_sources(server.requests[-1]["body"]["messages"][-1]["content"])
            retrieved = rag.retrieve(q["question"], k=20)
            numbered = {n: next((s for s in retrieved if matches(s, title, text)), None) for n, (title, text) in shown.items()}
            gold_n = next((n for n, s in numbered.items() if s and is_gold(s, q["gold"][0])), None)
            wrong_n = next((n for n, s in numbered.items() if s and not is_gold(s, q["gold"][0])), None)
            if gold_n is None or wrong_n is None:
                continue  # the model is shown one paper only: no wrong retrieved source to cite
            gold_id, wrong_id = numbered[gold_n].paper_id, numbered[wrong_n].paper_id
            s1, s2 = (paraphrase(plain(c.sentence)).rstrip(".") for c in gold_claims[:2])
            for corrupt in (False, True):
                cite2 = wrong_n if corrupt else gold_n
                server.script = [{"text": f"{s1} [{gold_n}]. {s2} [{cite2}]."}]
                ans = rag.ask(q["question"], llm_base_url=server.base_url, llm_retries=0, **SHOWN)
                llm_mode = ans.mode == "llm"
                fallbacks += not llm_mode
                second_ok = llm_mode and any(
                    c.sentence.startswith(s2[:40]) and c.cited and ans.source(c.cited[0]).paper_id == gold_id
                    for c in ans.claims
                )
                wrong_kept = llm_mode and any(s.paper_id == wrong_id for s in ans.sources)
                changed = bool(ans.signals.get("claims_recited") or ans.signals.get("claims_dropped"))
                if not llm_mode:
                    pass  # the checker's work is not shown: counted in answers_falling_back_to_offline
                elif corrupt:
                    injected += 1
                    caught += not wrong_kept
                else:
                    correct += 2  # two correctly cited sentences
                    flagged += int(
                        ans.signals.get("claims_recited", 0) + ans.signals.get("claims_dropped", 0)
                    )
                rows.append(
                    {
                        "id": q["id"],
                        "corrupt": corrupt,
                        "mode": ans.mode,
                        "fallback_reason": ans.fallback_reason,
                        "changed": changed,
                        "wrong_citation_survived": wrong_kept,
                        "recited_to_gold": second_ok,
                        "signals": ans.signals,
                    }
                )
    finally:
        server.close()
    result = {
        "injected_wrong_citations": injected,
        "caught": caught,
        "catch_rate": round(caught / injected, 3) if injected else None,
        "correct_citations": correct,
        "false_flags": flagged,
        "false_flag_rate": round(flagged / correct, 3) if correct else None,
        "recited_to_gold": sum(r["recited_to_gold"] for r in rows if r["corrupt"]),
        "answers_falling_back_to_offline": fallbacks,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(
        f"injected wrong citations: {injected}, caught {caught} (catch rate {result['catch_rate']}); "
        f"re-cited to the right paper: {result['recited_to_gold']}"
    )
    print(
        f"correct citations: {correct}, flagged by mistake {flagged} (false-flag rate {result['false_flag_rate']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
