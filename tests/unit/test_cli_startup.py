"""``kulturkluster --help`` and light commands start without importing what they do not use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kulturkluster.cli.lazy import COMMANDS, load, short_help

HEAVY = ("kulturkluster.web", "kulturkluster.wiring", "sqlalchemy", "argon2", "msal", "mjml")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_command_list_says_what_each_command_says_of_itself(name: str) -> None:
    command = load(name)
    assert command.name == name
    listed = short_help(COMMANDS[name].help, 1000)
    assert command.get_short_help_str(limit=1000) == listed


def _help(*argv: str) -> list[str]:
    """The output of ``kulturkluster ARGV``, its last line the heavy modules it imported."""
    probe = (
        "import sys\n"
        f"sys.argv = ['kulturkluster', *{list(argv)!r}]\n"
        "from kulturkluster.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()


def test_help_imports_no_command() -> None:
    lines = _help("--help")
    assert any("Commands" in line for line in lines) and any("newsletter" in line for line in lines)
    assert lines[-1] == "[]"


def test_a_commands_help_imports_no_database_layer() -> None:
    lines = _help("db", "--help")
    assert any("upgrade" in line for line in lines)
    assert lines[-1] == "[]"


def test_importing_accounts_hashes_nothing() -> None:
    probe = (
        "import argon2\n"
        "calls = []\n"
        "original = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(1) or original(self, *a, **k)\n"
        "import kulturkluster.accounts\n"
        "print(len(calls))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "0"
