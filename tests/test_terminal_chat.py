"""The terminal chat adapter: typed lines in, rendered replies out (errbot's testbot idea)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from adapters.terminal.chat import TerminalChat
from bot.policy import load_corpus
from bot.steward import Steward
from tests.support import POLICIES, ROOT


@pytest.fixture(scope="module")
def steward() -> Steward:
    return Steward(load_corpus(POLICIES))


@pytest.fixture
def chat(steward: Steward) -> TerminalChat:
    return TerminalChat(steward, person="ana@northwindlabs.com")


async def test_a_question_is_answered_with_a_citation(chat: TerminalChat) -> None:
    out = await chat.handle("do i have to say i work here if i share our product launch?")
    assert "From the policy" in out and "#disclosing-your-employment" in out


async def test_a_draft_is_checked(chat: TerminalChat) -> None:
    out = await chat.handle("Project Kestrel demo went great 🔥")
    assert "Don't post this" in out and "confidential" in out


async def test_forcing_a_question_shaped_draft_to_be_checked(chat: TerminalChat) -> None:
    out = await chat.handle("/check Who wants a Beacon sensor? Link if you want one: https://northwindlabs.com/beacon")
    assert "Needs review" in out and "disclosure" in out


async def test_forcing_a_question(chat: TerminalChat) -> None:
    out = await chat.handle("/ask giveaways")
    assert "contests-and-giveaways" in out


@pytest.mark.parametrize(("line", "expected"), [
    ("", ""),
    ("/check", "Give the draft after /check."),
    ("/ask   ", "Give the question after /ask."),
    ("/frobnicate now", "Unknown command /frobnicate"),
    ("/help", "/check TEXT"),
])
async def test_odd_lines_get_friendly_answers(chat: TerminalChat, line: str, expected: str) -> None:
    out = await chat.handle(line)
    assert expected in out if expected else out == ""


async def test_an_oversized_draft_is_refused_politely(chat: TerminalChat) -> None:
    out = await chat.handle("/check " + "a" * 200_000)
    assert "too long" in out


def test_steward_chat_runs_as_a_program_on_piped_input() -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "chat"], input="who approves posts about lawsuits?\n/quit\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "legal-and-incidents" in proc.stdout
