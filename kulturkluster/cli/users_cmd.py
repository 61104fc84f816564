"""``kulturkluster users``: staff accounts for the web app."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.texts import t

from .context import services
from .output import Format, console, emit

app = typer.Typer(help="Staff accounts of the web app.", no_args_is_help=True)
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (for scripts).")
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("accounts.prompt"))
    accounts.check_repeated(first, getpass.getpass(t("accounts.prompt_again")))
    return first


@app.command()
def add(
    username: Annotated[str, typer.Argument(help="Login name, e.g. elin")],
    role: Annotated[Role, typer.Option(help="admin or staff.")] = Role.STAFF,
    name: Annotated[str, typer.Option(help="Full name, shown in the app.")] = "",
    email: Annotated[str, typer.Option(help="The person's own address (test sends go there).")] = "",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account; asks for the password twice."""
    password = _password(password_stdin)
    with services() as svc, svc.db.unit_of_work() as session:
        accounts.add(session, username, password, role=role, name=name, email=email)
    console.print(t("accounts.added", username=username.strip().lower(), role=role.value))


@app.command()
def passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password; the account's open sessions end."""
    password = _password(password_stdin)
    with services() as svc, svc.db.unit_of_work() as session:
        accounts.set_password(session, accounts.get(session, username), password)
    console.print(t("accounts.password_set", username=username))


@app.command()
def disable(username: str) -> None:
    """Stop an account from logging in; its open sessions end at once."""
    with services() as svc, svc.db.unit_of_work() as session:
        accounts.set_active(session, accounts.get(session, username), False)
    console.print(t("accounts.disabled", username=username))


@app.command()
def enable(username: str) -> None:
    """Let a disabled account log in again."""
    with services() as svc, svc.db.unit_of_work() as session:
        accounts.set_active(session, accounts.get(session, username), True)
    console.print(t("accounts.enabled", username=username))


@app.command("list")
def list_(
    fmt: Annotated[Format, typer.Option("--format", help="json, table or csv.")] = Format.TABLE,
) -> None:
    """Every account."""
    with services() as svc, svc.db.unit_of_work() as session:
        rows = [
            {
                "username": u.username,
                "name": u.name,
                "email": u.email,
                "role": u.role,
                "active": u.active,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in accounts.all_users(session)
        ]
    emit(rows, fmt, ("username", "name", "role", "active", "last_login_at"), title="Användare")
