"""Server logs: JSON lines with the request id; secrets masked wherever they appear."""

from __future__ import annotations

import io
import json
import logging

import pytest

from adapters.server import logs


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    logs.setup("INFO", "json", secrets=["xoxb-secret-token-123", "hunter22"])
    yield out
    logging.getLogger().handlers[:] = []


def test_json_lines_with_the_request_id_and_no_secret(captured: io.StringIO) -> None:
    token = logs.REQUEST_ID.set("abc123")
    try:
        logging.getLogger("steward.test").info("sent with %s", "xoxb-secret-token-123",
                                               extra={"header": "Bearer hunter22", "n": 3})
    finally:
        logs.REQUEST_ID.reset(token)
    record = json.loads(captured.getvalue().splitlines()[-1])
    assert record["request_id"] == "abc123" and record["level"] == "INFO" and record["n"] == 3
    text = captured.getvalue()
    assert "xoxb-secret-token-123" not in text and "hunter22" not in text and "********" in text


def test_debug_lines_are_dropped_at_info(captured: io.StringIO) -> None:
    logging.getLogger("steward.web").debug("web check draft", extra={"draft": "our secret roadmap"})
    assert "our secret roadmap" not in captured.getvalue()
