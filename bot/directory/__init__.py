"""The org directory and routing model: who works where, who approves what, and how fast.

Public API: `load_directory(corpus_dir)`, `Directory`, `RoutePlan`, `Need`, `Recipient`.
"""

from bot.directory.loader import load_directory
from bot.directory.routing import Directory, Need, Recipient, RoutePlan

__all__ = ["Directory", "Need", "Recipient", "RoutePlan", "load_directory"]
