"""The core never imports a chat platform or a web server (design.md, 'Rules of the house')."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "aiohttp.web")


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def forbidden_in(path: Path) -> list[str]:
    return [n for n in imports_of(path) if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]


def test_core_imports_no_platform_code() -> None:
    files = sorted((ROOT / "bot").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(p.relative_to(ROOT)): bad for p in files if (bad := forbidden_in(p))}
    assert offenders == {}


def test_the_scan_catches_each_forbidden_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import slack_sdk.web\nfrom botbuilder.core import TurnContext\n"
                      "from aiohttp import web\nimport aiohttp\nfrom slack_bolt.async_app import AsyncApp\n")
    assert forbidden_in(sample) == ["slack_sdk.web", "botbuilder.core", "botbuilder.core.TurnContext",
                                    "aiohttp.web", "slack_bolt.async_app", "slack_bolt.async_app.AsyncApp"]


ADAPTER_DOORS = ("bot.steward", "bot.replies")


def core_imports_beyond_the_facade(path: Path) -> list[str]:
    """Imports of bot.* other than the facade and the reply model (what adapters may use)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return [m for m in modules if (m == "bot" or m.startswith("bot."))
            and not any(m == d or m.startswith(d + ".") for d in ADAPTER_DOORS)]


def test_adapters_use_only_the_facade_and_the_reply_model() -> None:
    files = sorted((ROOT / "adapters").rglob("*.py"))
    assert files, "no adapters found"
    offenders = {str(p.relative_to(ROOT)): bad for p in files if (bad := core_imports_beyond_the_facade(p))}
    assert offenders == {}


def test_the_adapter_scan_catches_a_reach_around(tmp_path: Path) -> None:
    sample = tmp_path / "adapter.py"
    sample.write_text("from bot.steward import Steward\nfrom bot.replies import Reply\n"
                      "from bot.workflow.service import WorkflowService\nimport bot.store.records\n"
                      "from bot import text_render\n")
    assert core_imports_beyond_the_facade(sample) == ["bot.workflow.service", "bot.store.records", "bot"]
