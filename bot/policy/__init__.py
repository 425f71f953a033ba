"""The policy corpus: load a folder of Markdown and YAML into a validated, versioned `Corpus`."""

from typing import TYPE_CHECKING, Any

from bot.policy.errors import CorpusError, Problem
from bot.policy.models import (
    DEFAULT_CATEGORIES,
    SEVERITY_RANK,
    ContextGroup,
    Corpus,
    CorpusManifest,
    Document,
    DocumentFrontMatter,
    Lexicon,
    Product,
    Rule,
    RuleFile,
    Section,
    Severity,
    Vocabulary,
)

__all__ = [
    "DEFAULT_CATEGORIES", "SEVERITY_RANK", "ContextGroup", "Corpus", "CorpusError", "CorpusManifest",
    "Document", "DocumentFrontMatter", "Lexicon", "Problem", "Product", "Rule", "RuleFile", "Section",
    "Severity", "Vocabulary", "load_corpus",
]

if TYPE_CHECKING:
    from bot.policy.loader import load_corpus


def __getattr__(name: str) -> Any:
    # The loader (YAML, Markdown, validation) is imported on first use: a process that
    # unpickles a cached corpus (bot/policy/cache.py) never needs it.
    if name == "load_corpus":
        from bot.policy.loader import load_corpus

        return load_corpus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
