"""The ``kulturkluster`` command. Thin: every command calls the same functions the web app does.

The sub-commands are imported only when used (``lazy.py``): ``--help`` and light commands start fast.
"""

from __future__ import annotations

import sys

import typer

from kulturkluster.errors import KulturklusterError

from .lazy import LazyGroup

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
    # Here rather than in main(): click answers a bare `--help` before any callback runs, so printing the
    # help never pays for reading the settings (pydantic-settings is most of the start-up time).
    from kulturkluster import logs  # noqa: PLC0415 - keeps a bare `--help` light
    from kulturkluster.settings import Settings  # noqa: PLC0415

    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)


def main() -> None:
    try:
        app()
    except KulturklusterError as exc:
        from .output import err_console  # noqa: PLC0415 - rich only when there is an error to print

        err_console.print(f"[bold red]Fel:[/] {exc}")
        sys.exit(exc.exit_code)
