"""Loading and validating a policy corpus: what loads, what each mistake says, and where."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from bot.policy import Corpus, CorpusError, Problem, load_corpus
from bot.policy.markdown import slugify
from bot.policy.yamlfile import load_yaml_model, load_yaml_source
from tests.support import DEFAULT_SECTIONS

FIXTURES = Path(__file__).parent / "fixtures" / "corpora"
SHARED = Path("/work/shared/corpora")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "policies"


def problems_of(path: Path | str) -> list[Problem]:
    with pytest.raises(CorpusError) as caught:
        load_corpus(path)
    return caught.value.problems


def find(problems: list[Problem], path: str, line: int | None, text: str) -> Problem:
    for p in problems:
        if p.path == path and p.line == line and text in p.message:
            return p
    listing = "\n".join(str(p) for p in problems)
    raise AssertionError(f"no problem {path}:{line} containing {text!r} among:\n{listing}")


# --- a complete, valid corpus ---------------------------------------------------------


@pytest.fixture(scope="module")
def complete() -> Corpus:
    return load_corpus(FIXTURES / "complete")


def test_headings_become_sections_in_file_order(complete: Corpus) -> None:
    assert list(complete.sections) == [
        "basics", "confidential-information", "examples", "screenshots", "looking-after-yourself",
        "press-questions", "examples-1", "running-a-giveaway", "rules-of-a-giveaway", "examples-2",
        "use-placeholders-carefully", "plain-notes"]
    s = complete.section("screenshots")
    assert (s.title, s.level, s.line, s.path, s.doc_id, s.doc_title) == (
        "Screenshots", 4, 24, "01-basics.md", "basics", "Basics of posting")
    assert s.text == "Internal screens."


def test_categories_inherit_explicit_then_parent_then_front_matter_then_pattern(complete: Corpus) -> None:
    cat = {sid: s.category for sid, s in complete.sections.items()}
    assert cat["confidential-information"] == "confidential"   # explicit attribute
    assert cat["examples"] == cat["screenshots"] == "confidential"  # parent, grandparent
    assert cat["looking-after-yourself"] == "wellbeing"         # a category corpus.yaml adds
    assert cat["press-questions"] == "representation"           # heading_categories pattern
    assert cat["examples-1"] == "representation"                # inherited from that parent
    assert cat["running-a-giveaway"] == "disclosure"            # pattern on the title heading…
    assert cat["use-placeholders-carefully"] == "disclosure"    # …and its children
    assert cat["plain-notes"] == cat["basics"] == "general"     # nothing applies
    assert complete.section("examples").parent == "confidential-information"
    assert complete.section("screenshots").parent == "examples"


def test_front_matter_category_applies_when_no_heading_says_otherwise(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text(
        "---\ncategory: privacy\n---\n# Customer data\n## Photos {category=ip}\n### Whose\n## Lists\n",
        encoding="utf-8")
    cat = {sid: s.category for sid, s in load_corpus(tmp_path).sections.items()}
    assert cat == {"customer-data": "privacy", "photos": "ip", "whose": "ip", "lists": "privacy"}


def test_heading_syntax_details(complete: Corpus) -> None:
    titles = [s.title for s in complete.sections.values()]
    assert "Rules of a giveaway" in titles                 # closing '##' is not part of the title
    assert "Use {placeholders} carefully" in titles        # braces that are not attributes stay
    assert not any("code" in t or "heading" in t for t in titles)  # '#' lines inside fences
    assert "```markdown\n# Not a heading" in complete.section("examples").text
    assert "### still code: a shorter fence" in complete.section("examples-2").text


def test_text_before_the_first_heading_is_kept(complete: Corpus) -> None:
    basics = complete.section("basics")  # no '#' title: the preamble gets a section of its own
    assert (basics.title, basics.level, basics.line) == ("Basics of posting", 1, 9)
    assert basics.text == "This introduction comes before any heading."
    # A file with a '#' title: the text above it would belong to the title section.
    notes = complete.section("plain-notes")
    assert notes.text.startswith("Text with no heading at all")
    assert complete.documents["plain-notes"].title == "Plain notes"


def test_text_above_a_title_heading_belongs_to_it(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("Draft for review.\n\n# Posting rules\n\nBe kind.\n## Detail\n",
                                   encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert list(corpus.sections) == ["posting-rules", "detail"]
    assert corpus.section("posting-rules").text == "Draft for review.\n\nBe kind."


def test_hidden_folders_are_not_read(tmp_path: Path) -> None:
    root = tmp_path / "c"
    shutil.copytree(FIXTURES / "complete", root)
    before = load_corpus(root)
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "notes.md").write_text("# Hidden\n", encoding="utf-8")
    after = load_corpus(root)
    assert list(after.sections) == list(before.sections) and after.version == before.version


def test_front_matter_values_are_kept_as_written(complete: Corpus) -> None:
    doc = complete.documents["basics"]
    assert (doc.title, doc.version, doc.owner) == ("Basics of posting", "1.10", "Fixture CoE")
    assert complete.section("examples").version == "1.10"
    assert complete.documents["giveaways"].path == "guides/giveaways.md"
    assert complete.documents["giveaways"].title == "Running a giveaway"


def test_rules_contexts_lexicon_vocabulary_load(complete: Corpus) -> None:
    assert [r.id for r in complete.rules] == [
        "confidential.code-names", "confidential.roadmap", "wellbeing.burnout"]  # .yaml and .yml
    assert set(complete.contexts) == {"company", "work"}  # merged across files
    assert complete.lexicon.term_list("unreleased_products") == ("Gizmo",)
    assert complete.vocabulary.synonyms == {"tweet": ("post",)}
    assert complete.manifest.name == "Fixture Co social media policy"
    assert complete.categories[-1] == "wellbeing" and "general" in complete.categories


def test_provenance_and_routing_files_are_not_policy(complete: Corpus) -> None:
    # SOURCE.md, README.md and LICENSE sit at the fixture's root; routing.yaml there is not even YAML.
    assert not any(s.path in ("SOURCE.md", "README.md") for s in complete.sections.values())
    assert "provenance-note" not in complete.sections and "readme" not in complete.sections


# --- every mistake names its file, its line and a fix ------------------------------------------


BROKEN = [
    # fixture, file, line, message contains, hint contains
    ("rules-schema", "rules/privacy.yaml", 6, "unknown key 'severty' in rule 'privacy.email'",
     "did you mean 'severity'? allowed keys are id, kind, category, severity"),
    ("rules-schema", "rules/privacy.yaml", 10, "missing required key 'fix' in rule 'privacy.phone'", "add 'fix: …'"),
    ("rules-schema", "rules/privacy.yaml", 14, "'severity' in rule 'privacy.phone' is 'blocker'",
     "did you mean 'block'?"),
    ("rules-schema", "rules/privacy.yaml", 17, "rule 'privacy.words': a rule of kind 'phrase' needs 'patterns'",
     "key the message names"),
    ("rules-references", "rules/a.yaml", 11, "rule 'privacy.email' cites section 'personal-dta', which no document",
     "did you mean 'personal-data'?"),
    ("rules-references", "rules/a.yaml", 16, "unknown category 'privcy' in rule 'privacy.health'",
     "did you mean 'privacy'?"),
    ("rules-references", "rules/a.yaml", 21, "does not compile: missing ), unterminated subpattern at position 9",
     "close every group"),
    ("rules-references", "rules/a.yaml", 21, "contains a backspace character", "single quotes"),
    ("rules-references", "rules/a.yaml", 22, "requires unknown context group 'compnay'", "did you mean 'company'?"),
    ("rules-references", "rules/a.yaml", 4, "context group 'company' uses lexicon list 'company_name'",
     "did you mean 'company_names'?"),
    ("rules-references", "rules/a.yaml", 30, "rule 'privacy.codes' uses lexicon list 'codenames'",
     "did you mean 'code_names'?"),
    ("rules-references", "rules/a.yaml", 31, "uses placeholder '{executive}'", "add 'executives' under 'lists:'"),
    ("rules-references", "rules/a.yaml", 32, "unknown category 'condcut' in rule 'privacy.codes''s settles",
     "did you mean 'conduct'?"),
    ("rules-references", "rules/b.yaml", 5, "rule id 'privacy.email' is used twice (first at rules/a.yaml:6)",
     "rename one"),
    ("rules-references", "rules/b.yaml", 2, "context group 'company' is defined twice (first at rules/a.yaml:2)",
     "keep one definition"),
    ("yaml-syntax", "rules/bad.yaml", 7, "YAML syntax error: mapping values are not allowed", "quote a value"),
    ("yaml-syntax", "rules/escape.yaml", 9, "YAML syntax error: found unknown escape character", "single quotes"),
    ("not-a-mapping", "rules/list.yaml", 1, "the file must be a mapping of keys, but it is a list",
     "keys allowed here are rules, contexts"),
    ("not-a-mapping", "lexicon.yaml", 2, "key 'company_names' appears twice in the same mapping (first on line 1)",
     "YAML keeps only the last one"),
    ("markdown-problems", "a.md", 3, "unknown key 'titel'", "did you mean 'title'?"),
    ("markdown-problems", "a.md", 13, "section id 'money' is used twice (first at a.md:9)", "change one"),
    ("markdown-problems", "b.md", 3, "section id 'money' is used twice (first at a.md:9)", "change one"),
    ("markdown-problems", "a.md", 13, "unknown category 'secret' on heading 'Secrets'", "did you mean 'security'?"),
    ("markdown-problems", "a.md", 17, "unknown heading attribute 'categry'", "did you mean 'category='?"),
    ("markdown-problems", "c.md", 2, "unknown category 'finance' in the front matter", "did you mean 'financial'?"),
    ("markdown-problems", "d.md", 3, "the heading has attributes but no title", "heading text before"),
    ("unclosed-front-matter", "x.md", 1, "front matter opened on line 1 is never closed", "only '---'"),
    ("not-utf8", "latin1.md", 1, "not valid UTF-8 (byte 0xe9 at offset 5)", "UTF-8 encoding"),
    ("manifest-problems", "corpus.yaml", 4, "heading pattern 'press(' does not compile: missing )",
     "regular expression"),
    ("manifest-problems", "corpus.yaml", 5, "unknown category 'medial' for heading pattern 'media'",
     "add it to 'categories' in corpus.yaml"),
]


@pytest.mark.parametrize(("fixture", "path", "line", "message", "hint"), BROKEN,
                         ids=[f"{b[0]}:{b[1]}:{b[2]}:{b[3][:30]}" for b in BROKEN])
def test_broken_fixture_reports_file_line_and_fix(fixture: str, path: str, line: int, message: str,
                                                  hint: str) -> None:
    problem = find(problems_of(FIXTURES / fixture), path, line, message)
    assert hint in problem.hint


@pytest.mark.parametrize("fixture", sorted({b[0] for b in BROKEN}))
def test_every_problem_of_a_fixture_is_expected(fixture: str) -> None:
    """All problems are collected (not just the first), and none is spurious."""
    expected = sorted((b[1], b[2], b[3]) for b in BROKEN if b[0] == fixture)
    found = problems_of(FIXTURES / fixture)
    assert len(found) == len(expected), "\n".join(map(str, found))


def test_a_typo_is_one_problem_not_also_a_missing_key() -> None:
    problems = problems_of(FIXTURES / "rules-schema")
    assert not any("missing required key 'severity'" in p.message for p in problems)


def test_problem_reads_like_a_compiler_message() -> None:
    problem = find(problems_of(FIXTURES / "rules-schema"), "rules/privacy.yaml", 6, "severty")
    assert str(problem).startswith(
        "rules/privacy.yaml:6: unknown key 'severty' in rule 'privacy.email' — fix: did you mean 'severity'?")
    assert str(Problem("corpus.yaml", None, "bad", "")) == "corpus.yaml: bad"


def test_corpus_error_message_lists_every_problem() -> None:
    with pytest.raises(CorpusError) as caught:
        load_corpus(FIXTURES / "rules-references")
    text = str(caught.value)
    assert text.splitlines()[0] == "the policy corpus does not load: 11 problems"
    assert "rules/a.yaml:11:" in text and "rules/b.yaml:5:" in text


def test_missing_folder_file_instead_of_folder_and_empty_corpus(tmp_path: Path) -> None:
    (missing,) = problems_of(tmp_path / "nope")
    assert missing.message == "the corpus folder does not exist" and "POLICY_DIR" in missing.hint
    (tmp_path / "f.md").write_text("# x\n", encoding="utf-8")
    (not_dir,) = problems_of(tmp_path / "f.md")
    assert "is a file, not a folder" in not_dir.message
    (empty,) = problems_of(FIXTURES / "no-markdown")  # only a README.md, which is not policy
    assert "no Markdown policy documents" in empty.message and empty.line is None
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "empty.md").write_text("\n\n", encoding="utf-8")
    (nothing,) = problems_of(blank)
    assert "contain no text or headings" in nothing.message


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("---\n- a\n- b\n---\n# P\n", encoding="utf-8")
    (problem,) = problems_of(tmp_path)
    assert (problem.path, problem.line) == ("p.md", 2)
    assert problem.message == "the front matter must be a mapping of keys, but it is a list"


def test_non_utf8_yaml_reports_the_line(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("# P\n", encoding="utf-8")
    (tmp_path / "lexicon.yaml").write_bytes(b"company_names: [Acme]\ncompetitors: [Caf\xe9 Ltd]\n")
    problem = find(problems_of(tmp_path), "lexicon.yaml", 2, "not valid UTF-8")
    assert "UTF-8" in problem.hint


def test_wrong_types_name_the_item(tmp_path: Path) -> None:
    (tmp_path / "p.md").write_text("# P\n", encoding="utf-8")
    (tmp_path / "lexicon.yaml").write_text(
        "products:\n  - name: Widget\n    released: maybe\n  - aliases: [G]\ncode_names: Falcon\n",
        encoding="utf-8")
    problems = problems_of(tmp_path)
    find(problems, "lexicon.yaml", 3, "'released' in product 'Widget'")
    find(problems, "lexicon.yaml", 4, "missing required key 'name' in product 2")
    assert "write a list" in find(problems, "lexicon.yaml", 5, "'code_names'").hint


# --- the version is a content hash ------------------------------------------------------------


def test_version_is_a_content_hash(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "elsewhere" / "b"
    shutil.copytree(FIXTURES / "complete", a)
    shutil.copytree(FIXTURES / "complete", b)
    first = load_corpus(a).version
    assert re.fullmatch(r"[0-9a-f]{12}", first)
    assert load_corpus(b).version == first == load_corpus(a).version  # same bytes, any location

    for ignored in ("SOURCE.md", "routing.yaml", "LICENSE"):  # not read, so not hashed
        (b / ignored).write_text("changed\n", encoding="utf-8")
    assert load_corpus(b).version == first

    doc = b / "guides" / "giveaways.md"
    doc.write_bytes(doc.read_bytes().replace(b"prize draw", b"prize drew"))
    assert load_corpus(b).version != first

    rule = a / "rules" / "wellbeing.yml"
    rule.write_bytes(rule.read_bytes() + b"\n")
    changed = load_corpus(a).version
    assert changed != first
    (a / "rules" / "wellbeing.yml").rename(a / "rules" / "zz-wellbeing.yml")  # same bytes, new name
    assert load_corpus(a).version not in (first, changed)


# --- real policies written by other organisations -----------------------------------------------


def _headings(path: Path) -> list[str]:
    return re.findall(r"^#{1,6} (.+?)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("name", ["gitlab", "matplotlib"])
def test_shared_plain_markdown_corpora_load(name: str) -> None:
    root = SHARED / name
    if not root.is_dir():
        pytest.skip(f"shared corpus {root} is not present on this machine")
    corpus = load_corpus(root)
    (doc_path,) = [p for p in root.glob("*.md") if p.name != "SOURCE.md"]
    assert [s.title for s in corpus.sections.values()] == _headings(doc_path)
    assert len(set(corpus.sections)) == len(corpus.sections) == len(_headings(doc_path))
    assert {s.category for s in corpus.sections.values()} == {"general"}
    assert all(s.path == doc_path.name for s in corpus.sections.values())


def test_matplotlib_duplicate_headings_get_github_anchors() -> None:
    root = SHARED / "matplotlib"
    if not root.is_dir():
        pytest.skip(f"shared corpus {root} is not present on this machine")
    corpus = load_corpus(root)
    social = [s for s in corpus.sections.values() if s.title == "Social media"]
    assert [(s.id, s.level) for s in social] == [("social-media", 3), ("social-media-1", 2)]
    assert corpus.section("persona").parent == "social-media-1"
    # The document links to its own sections by GitHub anchor; every such link must resolve.
    text = (root / "community-management-guide.md").read_text(encoding="utf-8")
    anchors = re.findall(r"\]\(#([^)]+)\)", text)
    assert anchors and all(a in corpus.sections for a in anchors)


def test_gitlab_heading_with_a_hashtag_keeps_it_in_the_title() -> None:
    root = SHARED / "gitlab"
    if not root.is_dir():
        pytest.skip(f"shared corpus {root} is not present on this machine")
    corpus = load_corpus(root)
    (press,) = [s for s in corpus.sections.values() if "#external-comms" in s.title]
    assert press.id.endswith("in-the-external-comms-slack-channel") and press.level == 4
    assert corpus.documents["team-member-social-media-policy"].title == "Team Member Social Media Policy"




def test_default_corpus_loads_with_its_sections() -> None:
    if not any(DEFAULT_CORPUS.glob("*.md")):
        pytest.skip("policies/ has no Markdown yet (being written by another engineer)")
    corpus = load_corpus(DEFAULT_CORPUS)
    got = {sid: corpus.sections[sid].category for sid in DEFAULT_SECTIONS if sid in corpus.sections}
    assert got == DEFAULT_SECTIONS


# --- properties -----------------------------------------------------------------------------------

_title_chars = st.sampled_from(list("abcXYZ é'&,.-!?0123456789") + ["Ü", "日"])
_titles = st.text(_title_chars, min_size=1, max_size=20).map(str.strip).filter(
    lambda t: t != "" and not t.endswith("#"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), _titles), min_size=1, max_size=25))
def test_generated_headings_keep_titles_and_get_unique_ids(tmp_path_factory: pytest.TempPathFactory,
                                                           headings: list[tuple[int, str]]) -> None:
    root = tmp_path_factory.mktemp("gen")
    body = "\n\n".join(f"{'#' * level} {title}\n\nText {i}." for i, (level, title) in enumerate(headings))
    (root / "a.md").write_text(body, encoding="utf-8")
    (root / "b.md").write_text(body, encoding="utf-8")  # the same headings again: ids stay unique
    corpus = load_corpus(root)
    sections = list(corpus.sections.values())
    assert [s.title for s in sections] == [t for _, t in headings] * 2
    assert len({s.id for s in sections}) == len(sections) == 2 * len(headings)
    assert all(re.fullmatch(r"[\w-]+", s.id) for s in sections)
    for s in sections:
        if s.parent is not None:
            assert corpus.sections[s.parent].level < s.level


@given(st.text(max_size=40))
def test_slugs_are_anchor_safe(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[\w-]*", slug) and slug == slug.lower()


def test_slug_examples() -> None:
    assert slugify("It's your job to protect GitLab, our customers") == "its-your-job-to-protect-gitlab-our-customers"
    assert slugify("See [the guide](https://x.example/a) **now**") == "see-the-guide-now"
    assert slugify("Location-specific details") == "location-specific-details"


# --- the generic YAML helper (also used for routing.yaml) ----------------------------------------


class _Member(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    quorum: int = 1


class _Groups(BaseModel):
    model_config = ConfigDict(extra="forbid")
    groups: dict[str, list[_Member]] = {}
    sla_hours: int = 24


def test_load_yaml_model_works_for_any_model(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("groups:\n  legal:\n    - email: a@example.com\n      quorum: 2\nsla_hours: 8\n",
                    encoding="utf-8")
    model = load_yaml_model(path, _Groups, tmp_path)
    assert model.groups["legal"][0].quorum == 2 and model.sla_hours == 8
    path.write_text("", encoding="utf-8")
    assert load_yaml_model(path, _Groups, tmp_path) == _Groups()  # an empty file takes the defaults


def test_load_yaml_model_places_problems_on_lines(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("groups:\n  legal:\n    - email: a@example.com\n      qourum: 2\n    - quorum: x\n"
                    "sla_hour: 8\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        load_yaml_model(path, _Groups, tmp_path)
    problems = caught.value.problems
    typo = find(problems, "routing.yaml", 4, "unknown key 'qourum' in group 'legal' item 1")
    assert "did you mean 'quorum'?" in typo.hint
    find(problems, "routing.yaml", 5, "missing required key 'email' in group 'legal' item 2")
    find(problems, "routing.yaml", 5, "'quorum' in group 'legal' item 2: Input should be a valid integer")
    top = find(problems, "routing.yaml", 6, "unknown key 'sla_hour'")
    assert "did you mean 'sla_hours'?" in top.hint
    with pytest.raises(CorpusError) as gone:
        load_yaml_model(tmp_path / "absent.yaml", _Groups, tmp_path)
    assert str(gone.value.problems[0]) == "absent.yaml: the file does not exist — fix: create it or fix the path"


def test_load_yaml_source_lets_callers_place_their_own_problems(tmp_path: Path) -> None:
    path = tmp_path / "routing.yaml"
    path.write_text("groups:\n  legal:\n    - email: a@example.com\n    - email: b@example.com\n",
                    encoding="utf-8")
    _model, source = load_yaml_source(path, _Groups, tmp_path)
    problem = source.problem(("groups", "legal", 1, "email"), "not in the directory", "add them")
    assert str(problem) == "routing.yaml:4: not in the directory — fix: add them"
