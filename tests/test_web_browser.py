"""The whole story in real headless Chromium (Debian's, driven by Playwright), against a real server.

employee → a review draft → Send for approval → the CoE lead sees it in /coe pending → the approver
sees the card in the approvers' channel, comments and reacts ✅ → the card updates live → the
employee sees "approved" and the comment. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.serving import Server
from tests.support import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "web"
try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed (pip install -e '.[test]')"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"),
]

DRAFT = "Atlas is the #1 analytics platform for IoT data"
NOTE = "Fine: the ranking is from the public Gartner report"
ADA, DEV, MARIA = "ada.lovelace@northwindlabs.com", "dev.patel@northwindlabs.com", "maria.lopez@northwindlabs.com"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    cwd = tmp_path_factory.mktemp("browser")
    with Server(cwd, {"STEWARD_WEB_CHAT": "true", "STEWARD_DEMO": "true"}) as s:
        yield s


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def act_as(page: Page, email: str) -> None:
    page.select_option("#persona", email)
    expect(page.locator("#me .who")).not_to_be_empty()
    expect(page.locator("#live")).to_have_class("live on")


def say(page: Page, text: str) -> None:
    page.fill("#composer-text", text)
    page.keyboard.press("Enter")


def test_draft_to_approval_in_the_browser(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")

    # The employee checks a draft: a review verdict, the words underlined, the section quoted, the fix.
    act_as(page, ADA)
    say(page, DRAFT)
    check = page.locator(".card-check").last
    expect(check.locator(".badge")).to_have_text("Needs review")
    expect(check.locator("mark.hit", has_text="#1")).to_be_visible()
    expect(check.locator(".finding .quote").first).not_to_be_empty()
    expect(check.locator(".fix").first).to_contain_text("Fix:")
    shot(page, "01-employee-check")

    check.get_by_role("button", name="Send for approval").click()
    sent = page.locator(".card-submission", has_text="Sent for approval: #1")
    expect(sent).to_be_visible()
    expect(sent.locator(".state")).to_contain_text("waiting for approval")
    shot(page, "02-employee-sent")

    # The CoE lead sees it waiting.
    act_as(page, MARIA)
    say(page, "/coe pending")
    pending = page.locator(".card-report").last
    expect(pending).to_contain_text("#1")
    expect(pending).to_contain_text(ADA)
    shot(page, "03-coe-pending")

    # The approver: the card in the channel; a comment, then ✅; the card updates live.
    act_as(page, DEV)
    page.get_by_role("button", name="Engineering social advisors").click()
    card = page.locator(".msg", has=page.locator(".card-title", has_text="Review request #1"))
    expect(card).to_be_visible()
    card = page.locator(f"#{card.get_attribute('id')}")      # the same message, whatever its title becomes
    expect(card.locator("mark.hit", has_text="#1")).to_be_visible()
    shot(page, "04-approver-card")
    card.get_by_label("Note or comment").fill(NOTE)
    card.get_by_role("button", name="Comment", exact=True).click()
    expect(card.locator(".thread")).to_contain_text(NOTE)
    card.get_by_role("button", name="React ✅ to approve").click()
    expect(card.locator(".state")).to_contain_text("approved")       # arrived through the outbox + SSE
    expect(card.locator(".votes")).to_contain_text(DEV)
    expect(card.locator(".reactions")).to_have_count(0)
    shot(page, "05-approver-approved")

    # Back as the employee: the decision and the comment.
    act_as(page, ADA)
    decision = page.locator(".card-submission", has_text="Approved: #1")
    expect(decision).to_be_visible()
    expect(decision.locator(".state")).to_contain_text("approved")
    expect(page.locator(".card-notice", has_text=f"{DEV} commented on #1")).to_contain_text(NOTE)
    shot(page, "06-employee-approved")

    # The CoE lead: nothing waiting any more, and the week's report counts the approval.
    act_as(page, MARIA)
    say(page, "/coe pending")
    expect(page.locator(".card-report").last).to_contain_text("Nothing is waiting")
    say(page, "/coe report 7d")
    report = page.locator(".card-report").last
    expect(report).to_contain_text("Approved")
    expect(report.locator("img.chart")).to_be_visible()
    shot(page, "07-coe-report")
    assert errors == []


def test_dispute_and_html_injection_in_the_browser(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server.url + "/")
    act_as(page, "priya.shah@northwindlabs.com")
    say(page, 'Atlas is the #1 <img src=x onerror="window.pwned=1"> platform <script>window.pwned=2</script>')
    check = page.locator(".card-check").last
    expect(check.locator(".draft")).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert page.evaluate("window.pwned") is None
    assert page.locator(".log img").count() == 0
    finding = check.locator(".finding").first
    check.get_by_label("Reason, if you dispute a finding").fill("It is a quote from an analyst report")
    finding.get_by_role("button", name="This finding is wrong").click()
    expect(page.locator(".card-notice").last).to_contain_text("Dispute #")
    shot(page, "07-dispute")
    # Keyboard only: Tab reaches the message box, and Enter sends.
    page.keyboard.press("Tab")
    page.focus("#composer-text")
    page.keyboard.type("Can I post photos from the office on Instagram?")
    page.keyboard.press("Enter")
    expect(page.locator(".card-answer, .card-not_covered").last).to_be_visible()


def test_sign_in_with_the_shared_secret_in_the_browser(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    env = {"STEWARD_WEB_CHAT": "true", "STEWARD_HOST": "0.0.0.0", "STEWARD_WEB_SECRET": "correct horse battery"}
    with Server(tmp_path, env) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.url + "/")
        expect(page.locator("#persona-row")).to_be_hidden()            # no personas outside demo mode
        page.get_by_label("Web chat secret").fill("not it")
        page.get_by_label("Your work e-mail").fill(ADA)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#toast")).to_contain_text("Wrong secret")
        page.get_by_label("Web chat secret").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#me .who")).to_have_text("Ada Lovelace")
        shot(page, "08-signed-in")
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("#signin")).to_be_visible()
