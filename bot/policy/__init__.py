"""The policy corpus: load a folder of Markdown and YAML into a validated, versioned `Corpus`."""

from bot.policy.errors import CorpusError, Problem
from bot.policy.loader import load_corpus
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
