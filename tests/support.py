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

# The default corpus's sections and their categories: the ids the rules cite.
DEFAULT_SECTIONS = {
    "purpose-and-scope": "general", "everyday-guidelines": "general", "correcting-mistakes": "general",
    "your-voice-at-work": "general", "confidential-information": "confidential",
    "financial-information": "financial", "personal-data": "privacy", "security-and-safety": "security",
    "disclosing-your-employment": "disclosure", "contests-and-giveaways": "disclosure",
    "product-claims": "claims", "competitor-comparisons": "claims", "legal-and-incidents": "legal",
    "respectful-conduct": "conduct", "political-activity": "political", "third-party-content": "ip",
    "speaking-for-northwind": "representation", "media-enquiries": "representation",
    "customer-complaints": "representation", "getting-approval": "general",
}


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
