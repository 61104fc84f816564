"""Does a domain's SPF record (RFC 7208) authorise an address? A small evaluator over DNS answers.

It follows ``include``, ``redirect``, ``a``, ``mx``, ``ip4`` and ``ip6`` and counts DNS lookups against
the RFC's limit of ten; macros and ``exists``/``ptr`` are rare in sending domains and count as "no match".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Protocol

MAX_LOOKUPS = 10


class DnsLookup(Protocol):
    """The DNS answers the checks need; every method returns an empty list for "no such record"."""

    def txt(self, name: str) -> list[str]: ...

    def addresses(self, name: str) -> list[str]: ...

    def mx(self, name: str) -> list[str]: ...


class SpfError(Exception):
    """The record cannot be evaluated (permerror): several records, or more than ten lookups."""


def spf_record(txts: list[str]) -> str | None:
    records = [txt for txt in txts if txt.lower() == "v=spf1" or txt.lower().startswith("v=spf1 ")]
    if len(records) > 1:
        raise SpfError("several SPF records")
    return records[0] if records else None


@dataclass
class _Evaluation:
    lookup: DnsLookup
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    lookups: int = 0
    included: set[str] = field(default_factory=set)

    def count(self) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise SpfError(f"more than {MAX_LOOKUPS} DNS lookups")

    def matches_hosts(self, names: list[str], cidr: str) -> bool:
        for name in names:
            for address in self.lookup.addresses(name):
                ip = ipaddress.ip_address(address)
                if ip.version != self.ip.version:
                    continue
                prefix = cidr or str(ip.max_prefixlen)
                if self.ip in ipaddress.ip_network(f"{ip}/{prefix}", strict=False):
                    return True
        return False

    def evaluate(self, domain: str) -> bool:
        record = spf_record(self.lookup.txt(domain))
        if record is None:
            return False
        redirect = ""
        for raw_term in record.split()[1:]:
            qualifier = raw_term[0] if raw_term[0] in "+-~?" else "+"
            term = raw_term.lstrip("+-~?")
            if term.lower().startswith("redirect="):
                redirect = term.split("=", 1)[1]
                continue
            if "=" in term.split(":", 1)[0]:
                continue  # another modifier (exp=)
            if self._matches(domain, term):
                return qualifier == "+"
        if redirect:
            self.count()
            return self.evaluate(redirect)
        return False

    def _matches(self, domain: str, term: str) -> bool:
        lowered = term.lower()
        if lowered.startswith(("ip4:", "ip6:")):
            network = ipaddress.ip_network(term[4:], strict=False)
            return network.version == self.ip.version and self.ip in network
        head, _, cidrs = term.partition("/")  # "a:host/24//64": IPv4 and IPv6 prefix lengths
        v4, _, v6 = ("", "", cidrs[1:]) if cidrs.startswith("/") else cidrs.partition("//")
        cidr = v6 if self.ip.version == 6 else v4
        mechanism, _, argument = head.partition(":")
        name = mechanism.lower()
        if name == "all":
            return True
        if name == "a":
            self.count()
            return self.matches_hosts([argument or domain], cidr)
        if name == "mx":
            self.count()
            return self.matches_hosts(self.lookup.mx(argument or domain), cidr)
        if name == "include":
            self.count()
            self.included.add(argument.lower())
            return self.evaluate(argument)
        if name in ("exists", "ptr"):
            self.count()
        return False


def authorises(domain: str, ip: str, lookup: DnsLookup) -> bool:
    """True when ``domain``'s SPF record passes mail from ``ip``. Raises SpfError for a broken record."""
    return _Evaluation(lookup, ipaddress.ip_address(ip)).evaluate(domain)


def includes(domain: str, target: str, lookup: DnsLookup) -> bool:
    """True when ``domain``'s SPF record includes ``target`` directly or through other includes."""
    evaluation = _Evaluation(lookup, ipaddress.ip_address("0.0.0.0"))  # noqa: S104 - matches nothing real
    evaluation.evaluate(domain)
    return target.lower() in evaluation.included
