"""`steward check`, `policies` and `eval drafts` as a user (or a CI gate) runs them: a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FIXTURES, ROOT, copy_policies, shared_file

STEWARD = [sys.executable, "-m", "bot"]


def steward(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*STEWARD, *args], input=stdin, capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, **(env or {})})
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out


@pytest.mark.parametrize(("text", "code"), [
    ("Sunrise over the lake 🌅", 0),
    ("Atlas is the #1 analytics platform #employee", 1),
    ("email me at jane.doe@gmail.com", 2),
])
def test_exit_code_is_the_verdict(text: str, code: int) -> None:
    assert steward("check", text).returncode == code


def test_json_output_and_stdin() -> None:
    out = steward("check", "-", "--json", stdin=b"Project Kestrel is coming")
    assert out.returncode == 2
    data = json.loads(out.stdout)
    assert data["verdict"] == "block" and data["findings"][0]["category"] == "confidential"


def test_file_input(tmp_path: Path) -> None:
    draft = tmp_path / "post.txt"
    draft.write_text("Fabrikam is suing us; I think the case has no merit", encoding="utf-8")
    assert steward("check", "--file", str(draft)).returncode == 1


def test_batch_keeps_order_ids_and_reports_bad_lines(tmp_path: Path) -> None:
    batch = tmp_path / "drafts.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a", "text": "hello world"}),
        "{not json",
        json.dumps({"id": "c", "text": "call me maybe: jane.doe@gmail.com"}),
        json.dumps({"id": "d", "nottext": 1}),
        json.dumps({"id": "e", "text": "   "}),
    ]) + "\n", encoding="utf-8")
    out = steward("check", "--batch", str(batch))
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x.get("id") for x in lines] == ["a", None, "c", "d", "e"]
    assert [x["line"] for x in lines] == [1, 2, 3, 4, 5]
    assert lines[0]["verdict"] == "allow" and lines[2]["verdict"] == "block"
    assert "error" in lines[1] and "error" in lines[3] and "empty" in lines[4]["error"]
    assert out.returncode == 64 and "3 line(s)" in out.stderr


def test_batch_names_a_line_that_is_not_utf8_and_checks_the_rest(tmp_path: Path) -> None:
    batch = tmp_path / "mixed.jsonl"
    batch.write_bytes(b'{"text": "hello"}\n{"text": "caf\xe9"}\n{"text": "mail jane.doe@gmail.com"}\n')
    out = steward("check", "--batch", str(batch))
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x.get("verdict") for x in lines] == ["allow", None, "block"]
    assert "line 2 is not UTF-8 text (invalid byte 0xe9" in lines[1]["error"]
    assert out.returncode == 64


def test_batch_exit_code_is_the_strictest_verdict(tmp_path: Path) -> None:
    batch = tmp_path / "ok.jsonl"
    batch.write_text(json.dumps({"text": "hi"}) + "\n" + json.dumps({"text": "Atlas is #1 #employee"}) + "\n")
    assert steward("check", "--batch", str(batch)).returncode == 1


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("check", ""), None, "empty"),
    (("check", "   \n\t "), None, "empty"),
    (("check", "-"), b"\xff\xfe\x00\x01binary", "binary"),
    (("check", "-"), b"caf\xe9 latte", "not UTF-8"),
    (("check", "-"), b"x" * 1_048_576, "characters"),
    (("check",), None, "nothing to check"),
    (("check", "--file", "/nonexistent/post.txt"), None, "cannot read"),
])
def test_bad_input_gets_a_clear_message_and_usage_exit(args: tuple[str, ...], stdin: bytes | None, message: str) -> None:
    out = steward(*args, stdin=stdin)
    assert out.returncode == 64
    assert message in out.stderr


def test_broken_corpus_is_a_corpus_error_naming_file_and_line(tmp_path: Path) -> None:
    corpus = copy_policies(tmp_path)
    (corpus / "rules" / "broken.yaml").write_text("rules:\n  - id: x\n    kind: [phrase\n", encoding="utf-8")
    out = steward("check", "hello", "--corpus", str(corpus))
    assert out.returncode == 65
    assert "rules/broken.yaml:" in out.stderr and "YAML syntax error" in out.stderr


def test_rule_citing_a_missing_section_is_reported(tmp_path: Path) -> None:
    corpus = copy_policies(tmp_path)
    rules = corpus / "rules" / "claims.yaml"
    rules.write_text(rules.read_text().replace("section: product-claims", "section: product-claimz", 1))
    out = steward("policies", "lint", str(corpus))
    assert out.returncode == 65
    assert "product-claimz" in out.stderr and "claims.yaml:" in out.stderr


def test_policies_lint_and_list_on_the_default_corpus() -> None:
    lint = steward("policies", "lint")
    assert lint.returncode == 0 and "sections" in lint.stdout
    listing = steward("policies", "list")
    assert listing.returncode == 0 and "confidential-information" in listing.stdout


def test_plain_markdown_corpus_checks_with_no_rules() -> None:
    corpus = shared_file("corpora", "gitlab")
    out = steward("check", "--json", "Project Kestrel is great", "--corpus", str(corpus))
    assert out.returncode == 0 and json.loads(out.stdout)["findings"] == []


def test_eval_drafts_meets_the_issue_bars_on_the_dev_set() -> None:
    dev = shared_file("eval", "drafts-dev.jsonl")
    out = steward("eval", "drafts", str(dev), "--json", "--min-accuracy", "0.90",
                  "--min-block-recall", "0.95", "--max-allow-blocked", "0.03")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    scores = json.loads(out.stdout)
    assert scores["drafts"] >= 90
    assert set(scores["per_category"]) >= {"confidential", "privacy", "security", "claims"}


@pytest.mark.parametrize("labelled", ["drafts-steward.jsonl", "holdout/drafts.jsonl", "holdout2/drafts.jsonl"])
def test_eval_drafts_meets_the_bars_on_our_own_and_the_hold_out_sets(labelled: str) -> None:
    out = steward("eval", "drafts", str(FIXTURES / labelled), "--min-accuracy", "0.90",
                  "--min-block-recall", "0.95", "--max-allow-blocked", "0.03", "--misses")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr


# Blind sets already scored once (their first scores are in the README) stay as regression
# gates, each a little under what the checker scores on it now.
@pytest.mark.parametrize(("labelled", "accuracy", "block_recall"), [
    ("blind-a/drafts.jsonl", 0.94, 0.93), ("blind-b/drafts.jsonl", 0.94, 0.93),
    ("blind-e/drafts.jsonl", 0.89, 0.76), ("blind-g/drafts.jsonl", 0.92, 0.88),
    ("blind-h/drafts.jsonl", 0.92, 0.88), ("blind-i/drafts.jsonl", 0.94, 0.93),
    # the final sets: scored once on the finished code, never tuned on
    ("blind-c/drafts.jsonl", 0.80, 0.68), ("blind-d/drafts.jsonl", 0.74, 0.60), ("blind-f/drafts.jsonl", 0.77, 0.68),
])
def test_eval_drafts_holds_on_the_spent_blind_sets(labelled: str, accuracy: float, block_recall: float) -> None:
    out = steward("eval", "drafts", str(FIXTURES / labelled), "--min-accuracy", str(accuracy),
                  "--min-block-recall", str(block_recall), "--max-allow-blocked", "0.05", "--misses")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr


def test_eval_gate_fails_with_exit_3_when_a_bar_is_missed() -> None:
    out = steward("eval", "drafts", str(FIXTURES / "drafts-steward.jsonl"), "--min-accuracy", "1.01")
    assert out.returncode == 3 and "quality gate missed" in out.stderr


def test_a_large_batch_runs_in_parallel_and_keeps_input_order(tmp_path: Path) -> None:
    from bot.cli.batch import PARALLEL_FROM_CHARS

    texts = ["hello world", "Atlas is the #1 platform #employee", "mail jane.doe@gmail.com", "{broken"]
    n = PARALLEL_FROM_CHARS // 30 + 100   # lines of about 40 characters: past the threshold
    batch = tmp_path / "big.jsonl"
    batch.write_text("".join(
        (json.dumps({"id": i, "text": texts[i % 4]}) if i % 4 != 3 else texts[3]) + "\n" for i in range(n)))
    out = steward("check", "--batch", str(batch), "--jobs", "2")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["line"] for x in lines] == list(range(1, n + 1))
    assert [x.get("verdict") for x in lines[:4]] == ["allow", "review", "block", None]
    assert all(x.get("id") == i for i, x in enumerate(lines) if i % 4 != 3)
    assert out.returncode == 64 and f"{n // 4} line(s)" in out.stderr


def test_batch_splits_work_by_size_so_a_few_long_drafts_use_every_core() -> None:
    from bot.cli.batch import MIN_CHUNK_CHARS, chunks

    long = [(i, b"x" * 5_000) for i in range(1, 61)]              # 60 lines, 300,000 characters
    parts = chunks(long, jobs=2)
    assert len(parts) >= 4 and [n for part in parts for n, _ in part] == list(range(1, 61))
    sizes = [sum(len(raw) for _, raw in part) for part in parts]
    assert max(sizes[:-1]) - min(sizes[:-1]) <= 5_000               # about equal work each
    mixed = [(1, b"y" * 200_000), *((i, b"z" * 100) for i in range(2, 2_002))]
    first, *rest = chunks(mixed, jobs=2)
    assert len(first) == 1 and rest                                 # the long line is a chunk of its own
    short = [(i, b"hi") for i in range(1, 1_000)]
    assert len(chunks(short, jobs=2)) == 1 and MIN_CHUNK_CHARS > 2 * 1_000


def test_a_batch_of_long_drafts_in_parallel_matches_one_process(tmp_path: Path) -> None:
    sample = ("Sunrise over the lake 🌅. Atlas is the #1 analytics platform #employee. "
              "Mail jane.doe@gmail.com about Project Kestrel. ")
    drafts = [(sample * 40)[i:i + 5_000] for i in range(60)]
    batch = tmp_path / "long.jsonl"
    batch.write_text("".join(json.dumps({"id": i, "text": d}) + "\n" for i, d in enumerate(drafts)))
    two = steward("check", "--batch", str(batch), "--jobs", "2")
    one = steward("check", "--batch", str(batch), "--jobs", "1")
    assert two.returncode == one.returncode == 2
    assert two.stdout == one.stdout and len(two.stdout.splitlines()) == 60
