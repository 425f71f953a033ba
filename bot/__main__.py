"""`python -m bot` runs the `steward` command."""

from bot.cli import main

main()
