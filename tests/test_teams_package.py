"""The Teams app package: what an admin uploads matches what the bot handles."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

from adapters.teams.turns import CHECK_MESSAGE_COMMAND, COMMANDS

APP_ID = "0b6c5c1e-5d1f-4d57-9a44-0f7d6b8a1c23"


def _steward(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env=None)


def test_package_holds_a_manifest_that_matches_the_bot(tmp_path: Path) -> None:
    out = tmp_path / "steward.zip"
    done = _steward("teams", "package", "--app-id", APP_ID, "--domain", "steward.example.com",
                    "--out", str(out), cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        sizes = {name: struct.unpack(">II", zf.read(name)[16:24]) for name in ("color.png", "outline.png")}
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert manifest["manifestVersion"] == "1.17" and manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID and manifest["validDomains"] == ["steward.example.com"]
    offered = {c["title"] for lst in manifest["bots"][0]["commandLists"] for c in lst["commands"]}
    assert offered <= set(COMMANDS)                      # nothing in the menu the bot would not understand
    actions = [c["id"] for ext in manifest["composeExtensions"] for c in ext["commands"]]
    assert actions == [CHECK_MESSAGE_COMMAND]
    assert "{{" not in json.dumps(manifest)


def test_bad_arguments_are_refused_clearly(tmp_path: Path) -> None:
    root = Path(__file__).parent.parent
    done = _steward("teams", "package", "--app-id", "not-a-guid", "--domain", "steward.example.com",
                    "--out", str(tmp_path / "x.zip"), cwd=root)
    assert done.returncode == 64 and "GUID" in done.stderr and "Traceback" not in done.stderr
    done = _steward("teams", "package", "--app-id", APP_ID, "--domain", "https://x", "--out",
                    str(tmp_path / "x.zip"), cwd=root)
    assert done.returncode == 64 and "host name" in done.stderr
    assert not (tmp_path / "x.zip").exists()
