"""Paths and small builders shared by the tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = Path(os.environ.get("STEWARD_SHARED", ROOT.parent / "shared"))


def shared_file(*parts: str) -> Path:
    """A file from ../shared, or a visible skip where this checkout has none beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared is not beside this checkout (set STEWARD_SHARED)")
    return path


def copy_policies(dest: Path) -> Path:
    """A writable copy of the default corpus, for tests that edit it."""
    target = dest / "policies"
    shutil.copytree(POLICIES, target)
    return target
