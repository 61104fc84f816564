"""The ``kulturkluster`` command. Thin: every command calls the same functions the web app does.

The sub-commands are imported only when used (``lazy.py``): ``--help`` and light commands start fast.
"""

from __future__ import annotations

import sys

import typer

from kulturkluster import logs
from kulturkluster.errors import KulturklusterError
from kulturkluster.settings import Settings

from .lazy import LazyGroup
from .output import err_console

app = typer.Typer(
    name="kulturkluster",
    cls=LazyGroup,
    help="Kulturkluster Sörmland's mail service: newsletter sign-up by email, guidance cases, newsletters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # rich help would list the commands by importing them all
)


@app.callback()
def root() -> None:
    """Kulturkluster Sörmland's mail service: newsletter sign-up by email, guidance cases, newsletters."""


def main() -> None:
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    try:
        app()
    except KulturklusterError as exc:
        err_console.print(f"[bold red]Fel:[/] {exc}")
        sys.exit(exc.exit_code)
