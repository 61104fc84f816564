"""The doctor's pure parts: SPF evaluation over DNS answers, DKIM key forms, the exit status."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kulturkluster.doctor.dkim_key import public_keys, tags
from kulturkluster.doctor.model import Result, Status, exit_status
from kulturkluster.doctor.spf import SpfError, authorises, includes, spf_record


class Zone:
    def __init__(self, txt: dict[str, list[str]], a: dict[str, list[str]] | None = None) -> None:
        self._txt, self._a = txt, a or {}

    def txt(self, name: str) -> list[str]:
        return self._txt.get(name, [])

    def addresses(self, name: str) -> list[str]:
        return self._a.get(name, [])

    def mx(self, name: str) -> list[str]:
        return [f"mx.{name}"] if f"mx.{name}" in self._a else []


ZONE = Zone(
    {
        "ex.se": ["v=spf1 a mx/24 include:_spf.ex.se ~all"],
        "_spf.ex.se": ["v=spf1 ip4:192.0.2.0/25 ip6:2001:db8::/32 redirect=_rest.ex.se"],
        "_rest.ex.se": ["v=spf1 a:relay.ex.se//64 -all"],
    },
    {"ex.se": ["198.51.100.1"], "mx.ex.se": ["203.0.113.9"], "relay.ex.se": ["2001:db9::1"]},
)


@pytest.mark.parametrize(
    ("ip", "allowed"),
    [
        ("198.51.100.1", True),  # a
        ("203.0.113.200", True),  # mx/24
        ("192.0.2.100", True),  # include -> ip4
        ("192.0.2.200", False),  # outside the /25, and ~all is no pass
        ("2001:db8::5", True),  # ip6
        ("2001:db9::ffff", True),  # redirect -> a//64
        ("2001:dba::1", False),
    ],
)
def test_spf_mechanisms(ip: str, allowed: bool) -> None:
    assert authorises("ex.se", ip, ZONE) is allowed


def test_spf_includes_and_broken_records() -> None:
    assert includes("ex.se", "_spf.ex.se", ZONE) and not includes("ex.se", "spf.protection.outlook.com", ZONE)
    assert spf_record(["google-site-verification=x"]) is None
    with pytest.raises(SpfError):
        spf_record(["v=spf1 -all", "v=spf1 a -all"])
    loop = Zone({"a.se": ["v=spf1 include:a.se -all"]})
    with pytest.raises(SpfError, match="lookups"):
        authorises("a.se", "192.0.2.1", loop)


def test_dkim_ed25519_key_file_and_tags() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert public_keys(base64.b64encode(seed)) == {base64.b64encode(public).decode()}
    assert tags("v=DKIM1; k=ed25519; p=ab cd")["p"] == "abcd"
    with pytest.raises(ValueError, match="neither"):
        public_keys(b"not a key")


def test_exit_status_fails_only_on_failures() -> None:
    assert exit_status([Result("a", Status.OK, ""), Result("b", Status.WARN, "")]) == 0
    assert exit_status([Result("a", Status.FAIL, "")]) == 1
