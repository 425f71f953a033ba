"""Typed model of a policy corpus: documents, sections, rules, lexicon, vocabulary.

Every schema forbids unknown keys, so a typo in a corpus file is an error that
names the key instead of a setting silently ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.policy.errors import Problem

Severity = Literal["allow", "review", "block"]
SEVERITY_RANK: dict[str, int] = {"allow": 0, "review": 1, "block": 2}

DEFAULT_CATEGORIES: tuple[str, ...] = (
    "confidential", "financial", "privacy", "security", "disclosure", "claims",
    "legal", "conduct", "political", "ip", "representation", "general",
)


# `{name}` placeholders in rule patterns expand to lexicon lists; singular aliases accepted.
PLACEHOLDER_ALIASES: dict[str, str] = {
    "company": "company_names",
    "product": "products",
    "competitor": "competitors",
    "code_name": "code_names",
    "executive": "executives",
}
# Context groups every corpus has without defining them, derived from its lexicon by the
# checker; a rules file may extend them.
PUBLIC_SOURCE = "public_source"
DISCLOSURE = "disclosure"
BUILTIN_CONTEXTS: tuple[str, ...] = (PUBLIC_SOURCE, DISCLOSURE)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(Strict):
    """One heading of a policy document and the text under it (up to the next heading)."""

    id: str                      # unique within the corpus, e.g. "confidential-information"
    doc_id: str                  # the document it belongs to
    doc_title: str
    title: str                   # the heading exactly as written
    level: int                   # 1 for '#', 2 for '##', ...
    category: str
    text: str                    # Markdown body, heading excluded
    path: str                    # file, relative to the corpus root
    line: int                    # 1-based line of the heading
    parent: str | None = None    # id of the enclosing section
    version: str = ""            # policy version from the document's front matter
    owner: str = ""              # owner from the document's front matter


class Document(Strict):
    id: str
    title: str
    path: str
    version: str = ""
    owner: str = ""
    section_ids: tuple[str, ...] = ()


class DocumentFrontMatter(Strict):
    """Optional YAML front matter of a policy Markdown file."""

    id: str | None = None
    title: str | None = None
    version: str | None = None
    owner: str | None = None
    effective: str | None = None
    category: str | None = None  # default category of every section in the document


RuleKind = Literal["phrase", "lexicon", "detector", "disclosure"]
DetectorName = Literal["email", "phone", "card", "iban", "national_id", "secret", "address", "bidi"]


class Rule(Strict):
    """One check. Closed set of kinds (Vale-style); the id names it in findings and reports."""

    id: str
    kind: RuleKind
    category: str
    severity: Severity
    section: str                               # id of the section this rule cites
    message: str
    fix: str
    enabled: bool = True
    patterns: tuple[str, ...] = ()             # phrase: regexes matched on normalised text
    terms: tuple[str, ...] = ()                # lexicon: names of lexicon lists (e.g. code_names)
    detector: DetectorName | None = None       # detector: a built-in detector
    requires: tuple[str, ...] = ()             # context groups that must all match too
    requires_any: tuple[str, ...] = ()         # context groups of which one must match
    unless: tuple[str, ...] = ()               # context groups any of which cancels the finding
    window: int | None = Field(default=None, ge=1)  # 'requires' must match within N chars of the hit
    public_severity: Severity | None = None    # severity when the 'public_source' context matches
    except_near: tuple[str, ...] = ()          # regexes that cancel a hit when found within `near` chars of it
    near: int = Field(default=40, ge=0, le=400)
    # Categories the learned layer may not raise to block on a draft where this rule fires:
    # the rule has read something the model cannot (e.g. protected talk about working conditions).
    settles: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_fields(self) -> Rule:
        # A 'disclosure' rule without patterns watches product mentions ({products}).
        need = {"phrase": self.patterns, "lexicon": self.terms, "detector": self.detector}
        if self.kind in need and not need[self.kind]:
            field = {"phrase": "patterns", "lexicon": "terms", "detector": "detector"}[self.kind]
            raise ValueError(f"a rule of kind '{self.kind}' needs '{field}'")
        return self


class RuleFile(Strict):
    rules: list[Rule] = []
    contexts: dict[str, ContextGroup] = {}


class ContextGroup(Strict):
    """Named evidence that rules can require or be cancelled by."""

    patterns: tuple[str, ...] = ()   # regexes on normalised text
    terms: tuple[str, ...] = ()      # names of lexicon lists


class Product(Strict):
    name: str
    aliases: tuple[str, ...] = ()
    released: bool = True


class Lexicon(Strict):
    """Company vocabulary kept as data: a company edits this, not code."""

    company_names: tuple[str, ...] = ()
    company_domains: tuple[str, ...] = ()
    public_sources: tuple[str, ...] = ()       # URL prefixes whose content is already public
    products: tuple[Product, ...] = ()
    code_names: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    disclosure_markers: tuple[str, ...] = ()
    lists: dict[str, tuple[str, ...]] = {}     # further named term lists rules may use

    def term_list(self, name: str) -> tuple[str, ...] | None:
        builtin: dict[str, tuple[str, ...]] = {
            "company_names": self.company_names,
            "company_domains": self.company_domains,
            "public_sources": self.public_sources,
            "products": tuple(t for p in self.products for t in (p.name, *p.aliases)),
            "unreleased_products": tuple(
                t for p in self.products if not p.released for t in (p.name, *p.aliases)),
            "code_names": self.code_names,
            "competitors": self.competitors,
            "disclosure_markers": self.disclosure_markers,
        }
        if name in builtin:
            return builtin[name]
        return self.lists.get(name)


class Vocabulary(Strict):
    """Chat words mapped to policy words for question answering ('tweet' -> 'post')."""

    synonyms: dict[str, tuple[str, ...]] = {}
    stopwords: tuple[str, ...] = ()
    # Where or in what form people post ("insta", "reel"): context of a question, not its topic.
    channels: tuple[str, ...] = ()
    # Words of neighbouring workplace topics the policy never answers ("pto", "printer").
    out_of_scope: tuple[str, ...] = ()


class CorpusManifest(Strict):
    """Optional corpus.yaml at the corpus root."""

    name: str = "policies"
    owner: str = ""
    categories: tuple[str, ...] = ()          # extra categories beyond the default twelve
    heading_categories: dict[str, str] = {}   # heading regex -> category, for plain Markdown
    links_base: str = ""                      # URL where the policy sections are published


RuleFile.model_rebuild()


class Example(Strict):
    """One labelled draft in `examples/*.jsonl`: what the CoE decided, for the learned layer."""

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    verdict: Severity
    categories: tuple[str, ...] = ()
    note: str = ""


class Corpus(BaseModel):
    """A loaded, validated corpus. `version` is a content hash every result carries."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    root: str
    version: str
    manifest: CorpusManifest
    documents: dict[str, Document]
    sections: dict[str, Section]
    rules: list[Rule]
    contexts: dict[str, ContextGroup]
    lexicon: Lexicon
    vocabulary: Vocabulary
    categories: tuple[str, ...]
    examples: tuple[Example, ...] = ()
    warnings: tuple[Problem, ...] = ()   # loadable but suspicious (`policies lint` shows them)

    @property
    def has_rules(self) -> bool:
        return any(r.enabled for r in self.rules)

    def section(self, section_id: str) -> Section:
        return self.sections[section_id]
