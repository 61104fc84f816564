"""``kulturkluster mailer run`` imports only what sending needs (its peak memory is mostly imports).

The sender's wiring (``kulturkluster.wiring_sending``) is apart from the inbound pipeline, the newsletter
editor and the template renderers; this runs a real round in a fresh interpreter and lists what it loaded.
"""

from __future__ import annotations

import mailbox
import subprocess
import sys
from pathlib import Path

from tests.integration.newsletter_helpers import EXAMPLE
from tests.integration.test_cli import cli, env  # noqa: F401 - the fixture

# Packages the sending loop must not load: the inbound side, the editor's rendering and checks, the web app.
NOT_FOR_SENDING = (
    "inbound",
    "kulturkluster.wiring",
    "kulturkluster.wiring_inbound",
    "kulturkluster.web",
    "mailer.campaigns",
    "mailer.newsletter_render",
    "jinja2",
    "mjml",
    "lxml",
    "inscriptis",
    "markdown_it",
    "nh3",
    "PIL",
    "rich",  # only with the progress bars
    "cryptography",  # only with a DKIM key
    "imapclient",
    "aiosmtpd",
    "msal",
    "argon2",  # staff passwords are hashed and checked by the web app and the CLI, never while sending
    "subscribers.service",  # only when the relay refuses an address for good (a bounce is scored)
)

PROBE = """
import atexit, sys
atexit.register(lambda: print("MODULES", " ".join(sorted(sys.modules))))
sys.argv = ["kulturkluster", "mailer", "run", "--once", "--no-progress"]
from kulturkluster.cli import main
main()
"""


def _loaded(root: str, modules: set[str]) -> bool:
    return root in modules or any(m.startswith(root + ".") for m in modules)


def test_mailer_run_sends_without_the_rest_of_the_service(env: Path) -> None:  # noqa: F811
    cli("subscribers", "add", "anna@example.se", "--evidence", "anmälan på Kulturfrukost")
    newsletter_id = cli("newsletter", "create", "--content", str(EXAMPLE)).strip()
    cli("newsletter", "send", newsletter_id)

    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)

    [line] = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    modules = set(line.split()[1:])
    assert "mailer.sender" in modules and "kulturkluster.wiring_sending" in modules
    assert [root for root in NOT_FOR_SENDING if _loaded(root, modules)] == []
    sent = [bytes(m) for m in mailbox.Maildir(env / "mail" / "outbox", create=False)]
    assert len(sent) == 1 and b"anna@example.se" in sent[0]
