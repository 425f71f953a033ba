"""A linear model learned from a corpus's labelled examples, allowed only to raise a verdict."""

from bot.checker.learned.layer import Judgement, LearnedLayer

__all__ = ["Judgement", "LearnedLayer"]
