from __future__ import annotations

import pytest

from inbound.authres import authserv_id, dmarc_pass

MX = "mx.kulturkluster.test"
PASS = f"{MX}; spf=pass smtp.mailfrom=example.se; dkim=pass header.d=example.se; dmarc=pass (p=none) header.from=example.se"


@pytest.mark.parametrize(
    ("headers", "trusted", "domain", "expected"),
    [
        ([PASS], MX, "example.se", True),
        ([PASS], MX.upper(), "EXAMPLE.SE", True),
        ([PASS], "", "example.se", False),  # nothing trusted: nothing believed
        ([PASS], MX, "other.se", False),  # pass for another domain
        ([PASS.replace("dmarc=pass", "dmarc=fail")], MX, "example.se", False),
        (
            [f"{MX}; dmarc=none header.from=example.se", PASS],
            MX,
            "example.se",
            False,
        ),  # only the topmost counts
        (
            ["evil.example; dmarc=pass header.from=example.se"],
            MX,
            "example.se",
            False,
        ),  # forged by the sender
        (["evil.example; dmarc=fail", PASS], MX, "example.se", True),  # untrusted ones above are skipped
        ([f"{MX} 1; dmarc=pass (comment (nested)) header.from=example.se"], MX, "example.se", True),
        ([f"{MX}; dmarc=pass"], MX, "example.se", False),  # no header.from: cannot tell which domain
        ([], MX, "example.se", False),
    ],
)
def test_dmarc_pass(headers: list[str], trusted: str, domain: str, expected: bool) -> None:
    assert dmarc_pass(headers, trusted, domain) is expected


def test_authserv_id_ignores_version_and_comments() -> None:
    assert authserv_id("(comment) MX.Example 1 ; none") == "mx.example"
