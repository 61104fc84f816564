"""The sending domain's DNS against what receivers, and Gmail's and Yahoo's bulk-sender rules, require:
MX, SPF that authorises the relay, the DKIM selector's key matching ours, and a DMARC record.

Pure functions over a ``DnsLookup`` and the relevant settings values; the resolver is passed in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from kulturkluster.texts import t

from .dkim_key import public_keys, tags
from .model import Result, Status
from .spf import DnsLookup, SpfError, authorises, includes, spf_record

# Hosted relays send from many addresses; their customers authorise them with an include.
PROVIDER_INCLUDES = {
    "office365.com": "spf.protection.outlook.com",
    "outlook.com": "spf.protection.outlook.com",
    "gmail.com": "_spf.google.com",
    "google.com": "_spf.google.com",
}


@dataclass(frozen=True, slots=True)
class SendingSetup:
    domain: str  # the From and envelope domain (KK_ORG__ADDRESS)
    relay: str  # KK_SMTP__HOST; empty when mail goes to the local outbox
    dkim_selector: str = ""
    dkim_domain: str = ""
    dkim_key: bytes | None = None  # the private key file's content


def check_mx(setup: SendingSetup, lookup: DnsLookup) -> Result:
    hosts = lookup.mx(setup.domain)
    if not hosts:
        return Result("dns.mx", Status.FAIL, t("doctor.mx_missing", domain=setup.domain), t("doctor.mx_hint"))
    return Result("dns.mx", Status.OK, t("doctor.mx_ok", domain=setup.domain, hosts=", ".join(hosts)))


def _provider_include(relay: str) -> str | None:
    host = relay.lower().rstrip(".")
    for suffix, include in PROVIDER_INCLUDES.items():
        if host == suffix or host.endswith("." + suffix):
            return include
    return None


def check_spf(setup: SendingSetup, lookup: DnsLookup) -> Result:
    name, domain = "dns.spf", setup.domain
    try:
        record = spf_record(lookup.txt(domain))
        if record is None:
            return Result(name, Status.FAIL, t("doctor.spf_missing", domain=domain), t("doctor.spf_hint"))
        if not setup.relay:
            return Result(name, Status.OK, t("doctor.spf_present", record=record))
        include = _provider_include(setup.relay)
        if include is not None:
            allowed = includes(domain, include, lookup)
            missing = f"include:{include}"
        else:
            addresses = [setup.relay] if _is_address(setup.relay) else lookup.addresses(setup.relay)
            allowed = bool(addresses) and all(authorises(domain, ip, lookup) for ip in addresses)
            missing = " ".join(f"ip{6 if ':' in ip else 4}:{ip}" for ip in addresses) or setup.relay
    except SpfError as exc:
        return Result(
            name, Status.FAIL, t("doctor.spf_broken", domain=domain, error=exc), t("doctor.spf_hint")
        )
    if not allowed:
        return Result(
            name,
            Status.FAIL,
            t("doctor.spf_relay_missing", domain=domain, relay=setup.relay, record=record),
            t("doctor.spf_relay_hint", missing=missing),
        )
    if record.split()[-1] in ("+all", "all"):
        return Result(name, Status.WARN, t("doctor.spf_all", record=record), t("doctor.spf_all_hint"))
    return Result(name, Status.OK, t("doctor.spf_ok", relay=setup.relay, record=record))


def check_dkim(setup: SendingSetup, lookup: DnsLookup) -> Result:
    name = "dns.dkim"
    if not (setup.dkim_selector and setup.dkim_domain and setup.dkim_key):
        return Result(name, Status.WARN, t("doctor.dkim_off"), t("doctor.dkim_off_hint"))
    where = f"{setup.dkim_selector}._domainkey.{setup.dkim_domain}"
    records = [tags(txt) for txt in lookup.txt(where)]
    keys = [r.get("p", "") for r in records if "p" in r]
    if not keys:
        return Result(name, Status.FAIL, t("doctor.dkim_missing", name=where), t("doctor.dkim_publish_hint"))
    try:
        ours = public_keys(setup.dkim_key)
    except ValueError as exc:
        return Result(
            name, Status.FAIL, t("doctor.dkim_key_unreadable", error=exc), t("doctor.dkim_off_hint")
        )
    if not any(keys):
        return Result(name, Status.FAIL, t("doctor.dkim_revoked", name=where), t("doctor.dkim_publish_hint"))
    if not ours & set(keys):
        return Result(name, Status.FAIL, t("doctor.dkim_mismatch", name=where), t("doctor.dkim_publish_hint"))
    return Result(name, Status.OK, t("doctor.dkim_ok", name=where))


def dmarc_policy(txts: Sequence[str]) -> dict[str, str] | None:
    records = [tags(txt) for txt in txts if txt.replace(" ", "").lower().startswith("v=dmarc1")]
    return records[0] if len(records) == 1 else None


def check_dmarc(setup: SendingSetup, lookup: DnsLookup) -> Result:
    name, where = "dns.dmarc", f"_dmarc.{setup.domain}"
    policy = dmarc_policy(lookup.txt(where))
    if policy is None or policy.get("p", "").lower() not in ("none", "quarantine", "reject"):
        return Result(name, Status.FAIL, t("doctor.dmarc_missing", name=where), t("doctor.dmarc_hint"))
    message = t("doctor.dmarc_ok", name=where, policy=policy["p"].lower())
    if "rua" not in policy:
        return Result(name, Status.WARN, message, t("doctor.dmarc_rua_hint"))
    return Result(name, Status.OK, message)


def check_bulk_senders(setup: SendingSetup, results: Sequence[Result]) -> Result:
    """Gmail's and Yahoo's rules for bulk senders (5,000+ a day): SPF and DKIM pass, DKIM aligned with
    From, a DMARC record (p=none suffices), one-click unsubscribe (the service always sends it)."""
    by_check = {r.check: r.status for r in results}
    missing = [
        what
        for what, ok in (
            ("SPF", by_check.get("dns.spf") in (Status.OK, Status.WARN)),
            ("DKIM", by_check.get("dns.dkim") is Status.OK),
            ("DMARC", by_check.get("dns.dmarc") in (Status.OK, Status.WARN)),
            ("DKIM d= = From", _aligned(setup.dkim_domain, setup.domain)),
        )
        if not ok
    ]
    if missing:
        return Result(
            "dns.bulk_senders",
            Status.WARN,
            t("doctor.bulk_missing", missing=", ".join(missing)),
            t("doctor.bulk_hint"),
        )
    return Result("dns.bulk_senders", Status.OK, t("doctor.bulk_ok"))


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _aligned(dkim_domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same organisational domain (one is the other or a subdomain of it)."""
    a, b = dkim_domain.lower().rstrip("."), from_domain.lower().rstrip(".")
    return bool(a) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def dns_results(setup: SendingSetup, lookup: DnsLookup) -> list[Result]:
    results = [check(setup, lookup) for check in (check_mx, check_spf, check_dkim, check_dmarc)]
    return [*results, check_bulk_senders(setup, results)]
