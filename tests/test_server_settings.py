"""Settings of `steward serve`: every variable documented, half-configured platforms refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from adapters.server.app import Config, load_config
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from adapters.web.settings import WebSettings
from bot.settings import CoreSettings, ServerSettings
from tests.support import ROOT

CLASSES = (CoreSettings, ServerSettings, WebSettings, SlackSettings, TeamsSettings)
ALL = [f.alias for cls in CLASSES for f in cls.model_fields.values()]


def test_every_settings_field_is_in_app_json_with_a_description_and_in_env_example_with_a_comment() -> None:
    app_env = json.loads((ROOT / "app.json").read_text())["env"]
    example = (ROOT / ".env.example").read_text().splitlines()
    for name in ALL:
        assert name in app_env, name
        assert app_env[name]["description"].strip() and "required" in app_env[name], name
        at = next(i for i, line in enumerate(example) if re.match(rf"^#?\s*{name}=", line))
        assert example[at - 1].startswith("#") and not re.match(r"^#\s*[A-Z_]+=", example[at - 1]), \
            f"{name} has no comment line above it in .env.example"


def test_the_docs_list_only_variables_some_class_or_the_code_reads() -> None:
    from tests.test_docs import variables_read_by_the_code

    app_env = set(json.loads((ROOT / "app.json").read_text())["env"])
    assert app_env - set(ALL) - variables_read_by_the_code() == set()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)      # no .env from the checkout
    return monkeypatch


def config(env: pytest.MonkeyPatch, **values: str) -> Config | list[str]:
    for k, v in values.items():
        env.setenv(k, v)
    return load_config()


def problems(result: Config | list[str]) -> list[str]:
    return result if isinstance(result, list) else result.problems


def test_defaults_start(env: pytest.MonkeyPatch) -> None:
    assert problems(config(env)) == []


@pytest.mark.parametrize(("values", "says"), [
    ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "set SLACK_SIGNING_SECRET"),
    ({"SLACK_SIGNING_SECRET": "abc123"}, "set SLACK_BOT_TOKEN"),
    ({"TEAMS_APP_ID": "00000000-0000-0000-0000-000000000001"}, "TEAMS_APP_PASSWORD is not"),
    ({"TEAMS_APP_ID": "00000000-0000-0000-0000-000000000001", "TEAMS_APP_PASSWORD": "pw"}, "TEAMS_TENANT_ID is not"),
    ({"TEAMS_APP_PASSWORD": "pw-secret"}, "TEAMS_APP_ID is not"),
])
def test_a_half_configured_platform_is_refused_unless_dev(env: pytest.MonkeyPatch, values: dict[str, str],
                                                          says: str) -> None:
    found = problems(config(env, **values))
    assert len(found) == 1 and says in found[0]
    dev = config(env, STEWARD_DEV="true")
    assert not isinstance(dev, list) and dev.problems == [] and says in dev.warnings[0]


def test_web_chat_beyond_loopback_needs_a_sign_in(env: pytest.MonkeyPatch) -> None:
    found = problems(config(env, STEWARD_WEB_CHAT="true", STEWARD_HOST="0.0.0.0"))
    assert len(found) == 1 and "STEWARD_WEB_SECRET" in found[0] and "STEWARD_WEB_USER_HEADER" in found[0]
    assert problems(config(env, STEWARD_WEB_SECRET="correct horse")) == []
    env.delenv("STEWARD_WEB_SECRET")
    assert problems(config(env, STEWARD_WEB_USER_HEADER="X-Forwarded-Email")) == []


def test_bad_values_get_one_line_each_naming_the_variable(env: pytest.MonkeyPatch) -> None:
    found = problems(config(env, PORT="eighty", STEWARD_LOG_LEVEL="LOUD", STEWARD_WEB_CHAT="maybe"))
    assert len(found) == 3
    assert any(p.startswith("PORT:") for p in found) and any(p.startswith("STEWARD_LOG_LEVEL:") for p in found)
    assert any(p.startswith("STEWARD_WEB_CHAT:") for p in found)


def test_steward_serve_refuses_with_a_clear_message_and_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    environ = {k: v for k, v in os.environ.items() if k not in ALL}
    environ.update(SLACK_BOT_TOKEN="xoxb-very-secret-token", PORT="0")   # two problems, both named
    out = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, cwd=tmp_path,
                         env={**environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert out.returncode == 78
    assert "cannot start" in out.stderr and "SLACK_SIGNING_SECRET" in out.stderr and "PORT:" in out.stderr
    assert "Traceback" not in out.stderr and "xoxb-very-secret-token" not in out.stderr + out.stdout
