"""Lexicons as data: third-party IP and political actors, large enough to matter, easy to extend."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checker.engine import Checker
from bot.policy.errors import CorpusError
from bot.policy.loader import load_corpus
from tests.support import POLICIES, copy_policies

CHECKER = Checker(load_corpus(POLICIES))


def test_the_lexicon_files_are_merged_and_large() -> None:
    lists = load_corpus(POLICIES).lexicon.lists
    ip = sum(len(set(lists[n])) for n in ("franchises", "characters", "sports_leagues", "bands"))
    assert ip >= 500
    assert len(lists["political_parties"]) >= 100 and len(lists["political_offices"]) >= 40


@pytest.mark.parametrize("draft", [
    "Our booth theme this year: Star Wars, with a Darth Vader cutout",
    "Pikachu costumes for the whole team at the expo!",
    "Playing Taylor Swift's new album in our product video",
    "Made a meme for the Northwind Cloud page using that Office screenshot of Michael Scott",
    "New company hoodies with the Chicago Bulls logo on the back",
])
def test_third_party_ip_put_to_use_needs_review(draft: str) -> None:
    result = CHECKER.check(draft)
    assert result.verdict == "review" and "ip" in result.categories, [f.rule for f in result.findings]


@pytest.mark.parametrize("draft", [
    "Watched Star Wars with my kids tonight, what a classic",
    "Lakers game tonight with friends!",
    "Taylor Swift concert was unreal",
    "Our team is using Minecraft Education in the STEM workshop",
])
def test_naming_a_franchise_is_not_using_it(draft: str) -> None:
    assert CHECKER.check(draft).verdict == "allow"


@pytest.mark.parametrize("draft", [
    "Vote Sanders! Northwind for Bernie",
    "Proud that our team is backing the Democratic Party this fall",
    "Northwinders, vote Maria Chen for mayor!",
    "Our company says: Make America Great Again",
])
def test_campaigning_tied_to_the_company_needs_review(draft: str) -> None:
    result = CHECKER.check(draft)
    assert result.verdict == "review" and "political" in result.categories, [f.rule for f in result.findings]


@pytest.mark.parametrize("draft", [
    "I voted today! Go vote, everyone",
    "Vote for your favourite hackathon project at Northwind by Friday!",
    "Our CEO met the mayor to talk about the new office and jobs",
    "The Republican and Democratic candidates both spoke at the tech forum our company hosted",
])
def test_civic_talk_and_contests_are_not_campaigning(draft: str) -> None:
    assert CHECKER.check(draft).verdict == "allow"


def test_a_company_extends_a_list_with_one_line(tmp_path: Path) -> None:
    corpus_dir = copy_policies(tmp_path)
    (corpus_dir / "lexicon-extra.yaml").write_text("lists:\n  characters: [Captain Fantastico]\n")
    checker = Checker(load_corpus(corpus_dir))
    assert checker.check("Captain Fantastico cutout at our booth").verdict == "review"


def test_a_bad_lexicon_entry_names_its_file_and_line(tmp_path: Path) -> None:
    corpus_dir = copy_policies(tmp_path)
    (corpus_dir / "lexicon-extra.yaml").write_text("lists:\n  characters:\n    - 42\n")
    with pytest.raises(CorpusError) as err:
        load_corpus(corpus_dir)
    assert [(p.path, p.line) for p in err.value.problems] == [("lexicon-extra.yaml", 3)]


@pytest.mark.parametrize("draft", [
    "People from accounting are subhuman",
    "Honestly, all those offshore devs are morons",
    "Immigrants are vermin",
    "Keep talking and see what happens to you in the parking lot",
    "Would be a shame if something happened to that nice car of yours, Dave",
])
def test_group_insults_and_veiled_threats_are_blocked(draft: str) -> None:
    result = CHECKER.check(draft)
    assert result.verdict == "block" and "conduct" in result.categories


@pytest.mark.parametrize("draft", [
    "Our customers are amazing people",
    "The animals at the zoo were adorable",
    "Let's see what happens next quarter with the launch",
    "All of the people in that meeting are good folks",
])
def test_kind_words_about_groups_and_ordinary_suspense_are_fine(draft: str) -> None:
    assert CHECKER.check(draft).verdict == "allow"
