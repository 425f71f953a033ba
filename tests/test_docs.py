"""Docs that tests keep honest (datasette's test_docs idea): every setting is documented everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from tests.support import ROOT

# How the code reads settings: pydantic-settings aliases and os.environ / env mapping lookups.
READS = re.compile(r"""(?:alias=|environ\.get\(|env\.get\(|getenv\(|environ\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]:
        found |= set(READS.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_scan_finds_the_core_settings() -> None:
    assert {"DATABASE_URL", "POLICY_DIR", "STEWARD_DB"} <= variables_read_by_the_code()


def readme_text() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_variable_is_in_app_json_env_example_and_readme() -> None:
    code = variables_read_by_the_code()
    app_json = set(json.loads((ROOT / "app.json").read_text())["env"])
    example = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    readme = readme_text()
    assert code == app_json, "app.json env and the code disagree"
    assert code == example, ".env.example and the code disagree"
    assert [v for v in sorted(code) if f"`{v}`" not in readme] == []


def test_readme_opens_with_the_two_quick_start_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert readme.index("```") < readme.index("\n## ")   # before any section
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_cli_command_is_in_the_readme() -> None:
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, env={**os.environ, "COLUMNS": "200"})
    names = set(re.findall(r"^│ (\w[\w-]*) ", out.stdout, re.M))
    assert {"check", "ask", "chat", "eval", "policies"} <= names, out.stdout
    readme = readme_text()
    assert [n for n in sorted(names) if f"steward {n}" not in readme] == []
