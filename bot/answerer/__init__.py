"""Answering policy questions from the corpus, with citations, or saying that it isn't covered."""

from bot.answerer.answer import Answer, SourceCitation
from bot.answerer.answerer import DEFAULT_THRESHOLD, Answerer
from bot.answerer.intent import looks_like_draft, looks_like_question

__all__ = ["DEFAULT_THRESHOLD", "Answer", "Answerer", "SourceCitation", "looks_like_draft", "looks_like_question"]
