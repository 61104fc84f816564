"""``kulturkluster cases templates``: the canned answers (svarsmallar) staff start replies from."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from cases import canned
from kulturkluster.texts import t

from .context import services
from .output import Format, console, emit

app = typer.Typer(help="Canned answers (svarsmallar) for replies.", no_args_is_help=True)


@app.command("list")
def list_(
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """List the canned answers by name."""
    with services() as svc, svc.db.unit_of_work() as session:
        rows = [
            {
                "name": tpl.name,
                "body": tpl.body,
                "updated_by": tpl.updated_by,
                "updated_at": tpl.updated_at.isoformat(),
            }
            for tpl in canned.all_templates(session)
        ]
    emit(rows, fmt, ("name", "updated_by", "updated_at"), title="Svarsmallar")


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="The template's name, as staff pick it.")],
    body_file: Annotated[
        Path, typer.Option("--body-file", help="The text (UTF-8) with {förnamn}, {ärende}, ...")
    ],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a template of that name.")] = False,
) -> None:
    """Add a canned answer (placeholders: {förnamn}, {ärende}, {handläggare})."""
    text = canned.TemplateText.checked(name, body_file.read_text("utf-8"))
    with services() as svc, svc.db.unit_of_work() as session:
        existing = next(
            (tpl for tpl in canned.all_templates(session) if tpl.name.lower() == text.name.lower()), None
        )
        if existing is not None and replace:
            canned.update(session, existing, text, getpass.getuser())
        else:
            canned.add(session, text, getpass.getuser())
    console.print(t("answering.cli_added", name=text.name))


@app.command()
def remove(name: Annotated[str, typer.Argument()]) -> None:
    """Remove a canned answer."""
    with services() as svc, svc.db.unit_of_work() as session:
        template = canned.by_name(session, name)
        removed = template.name
        canned.remove(session, template)
    console.print(t("answering.cli_removed", name=removed))
