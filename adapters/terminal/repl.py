"""Run the terminal chat on standard input/output."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.terminal.chat import TerminalChat

BANNER = "Steward — your social media policy assistant. Type a draft or a question; /help for commands."


async def run(chat: TerminalChat, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    interactive = stdin.isatty()
    print(BANNER, file=stdout)
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print(f"\n{chat.email}> ", end="", file=stdout, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line or line.strip() in ("/quit", "/exit"):
            break
        out = await chat.handle(line)
        if out:
            print(out, file=stdout, flush=True)
