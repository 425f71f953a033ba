"""Steward as a Slack app: slack-bolt's AsyncApp on the aiohttp server, or Socket Mode.

    translate.py   Slack payload → which facade call (pure)
    blocks.py      neutral Reply / ApprovalView → Block Kit within Slack's limits (pure)
    sender.py      the outbox sender for platform "slack"
    identity.py    Slack user → Person (users.info e-mail, cached)
    app.py         the bolt listeners
    mount.py       mount(app, steward, settings): /slack/events, the sender, Socket Mode
    settings.py    SlackSettings (SLACK_* environment variables)
"""
