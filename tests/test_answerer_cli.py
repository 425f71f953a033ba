"""`steward ask` and `steward eval questions`, run through the real command."""

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app, register
from bot.cli.app import EXIT_THRESHOLD, EXIT_USAGE

register(["--help"])   # load every command module, as `steward` does for all but check and ask

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_ask_json_answers_with_a_citation() -> None:
    result = runner.invoke(app, ["ask", "can i tweet about the outage?", "--json",
                                 "--corpus", str(ROOT / "policies")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answered"] is True
    assert data["citations"][0]["section"] == "legal-and-incidents"


def test_ask_text_names_the_section_and_link() -> None:
    result = runner.invoke(app, ["ask", "a reporter DMed me on twitter, what do i do",
                                 "--corpus", str(ROOT / "policies")])
    assert result.exit_code == 0, result.output
    assert "Media enquiries" in result.stdout
    assert "#media-enquiries" in result.stdout


def test_ask_out_of_scope_says_so() -> None:
    result = runner.invoke(app, ["ask", "how do I reset my VPN password", "--json",
                                 "--corpus", str(ROOT / "policies")])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["answered"] is False


def test_ask_uses_policy_dir_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "handbook.md").write_text("# Handbook\n\n## Podcasts\n\nAsk comms before joining a podcast.\n"
                                          "\n## Travel\n\nBook trains, not planes.\n", encoding="utf-8")
    result = runner.invoke(app, ["ask", "can I join a podcast?", "--json"], env={"POLICY_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["citations"][0]["title"] == "Podcasts"


def write_questions(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_questions_prints_the_figures(tmp_path: Path) -> None:
    qs = write_questions(tmp_path / "q.jsonl", [
        {"id": "q1", "question": "can i tweet about the outage?", "categories": ["legal"], "answerable": True},
        {"id": "q2", "question": "whats for lunch in the cafeteria", "categories": [], "answerable": False},
    ])
    result = runner.invoke(app, ["eval", "questions", str(qs), "--corpus", str(ROOT / "policies")])
    assert result.exit_code == 0, result.output
    assert "top-1 category accuracy:     100.0%" in result.stdout
    assert "out-of-scope rejected:       100.0%" in result.stdout


def test_eval_questions_exits_3_below_a_threshold(tmp_path: Path) -> None:
    qs = write_questions(tmp_path / "q.jsonl", [
        {"id": "q1", "question": "can i tweet about the outage?", "categories": ["ip"], "answerable": True},
    ])
    result = runner.invoke(app, ["eval", "questions", str(qs), "--corpus", str(ROOT / "policies"),
                                 "--min-top1", "0.9"])
    assert result.exit_code == EXIT_THRESHOLD
    assert "top-1 category accuracy 0.0% < 90.0%" in result.stderr


def test_eval_questions_reports_expected_heading_hits(tmp_path: Path) -> None:
    qs = write_questions(tmp_path / "q.jsonl", [
        {"id": "q1", "question": "a journalist wants a quote", "categories": [], "answerable": True,
         "expected_heading": "Media enquiries"},
    ])
    result = runner.invoke(app, ["eval", "questions", str(qs), "--corpus", str(ROOT / "policies"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["heading_top1"] == 1.0


def test_eval_questions_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "questions", str(bad), "--corpus", str(ROOT / "policies")])
    assert result.exit_code == EXIT_USAGE
    assert "bad.jsonl:2: not valid JSON" in result.stderr
    missing = runner.invoke(app, ["eval", "questions", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == EXIT_USAGE and "cannot read" in missing.stderr
