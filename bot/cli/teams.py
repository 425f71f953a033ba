"""`steward teams package`: write the Teams app package an admin uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import EXIT_USAGE, app

teams_app = typer.Typer(help="Microsoft Teams: the app package.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")


@teams_app.command("package")
def package(
    app_id: Annotated[str, typer.Option("--app-id", envvar="TEAMS_APP_ID", help="The bot's app registration id.")],
    domain: Annotated[str, typer.Option("--domain", help="Where Steward is served, e.g. steward.example.com.")],
    out: Annotated[Path, typer.Option("--out", help="The zip to write.")] = Path("steward-teams.zip"),
    company: Annotated[str, typer.Option(help="Shown as the app's developer.")] = "Steward",
    version: Annotated[str, typer.Option(help="The app package's version.")] = "1.0.0",
) -> None:
    """Write the Teams app package (manifest v1.17 and icons) an admin uploads to Teams."""
    from adapters.teams.package import PackageError, build

    try:
        build(out, app_id, domain, company=company, version=version)
    except PackageError as exc:
        typer.echo(f"steward teams package: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except OSError as exc:
        typer.echo(f"steward teams package: cannot write {out}: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"wrote {out}: upload it in Teams (Apps → Manage your apps → Upload an app)")
