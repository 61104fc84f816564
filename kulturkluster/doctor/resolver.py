"""DNS through dnspython: the system's resolver, or the one ``KK_DNS__NAMESERVER`` names (host[:port])."""

from __future__ import annotations

import dns.exception
import dns.rdatatype
import dns.resolver

from kulturkluster.errors import ErrorKind, KulturklusterError


class DnsUnavailable(KulturklusterError):
    """No name server answered: the checks cannot tell anything about the domain."""

    kind = ErrorKind.UNAVAILABLE


class Resolver:
    def __init__(self, nameserver: str = "", timeout: float = 5.0) -> None:
        if nameserver:
            host, _, port = nameserver.rpartition(":") if nameserver.count(":") == 1 else (nameserver, "", "")
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [host]
            self._resolver.port = int(port) if port else 53
        else:
            self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout

    def _query(self, name: str, rdtype: str) -> list[dns.rdata.Rdata]:
        try:
            return list(self._resolver.resolve(name, rdtype, raise_on_no_answer=False) or [])
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.resolver.NoNameservers, dns.exception.Timeout) as exc:
            raise DnsUnavailable(str(exc)) from None

    def txt(self, name: str) -> list[str]:
        # A TXT record may come in several strings of at most 255 bytes: they form one value.
        return [
            b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
            for rdata in self._query(name, "TXT")
        ]

    def addresses(self, name: str) -> list[str]:
        return [rdata.to_text() for rdtype in ("A", "AAAA") for rdata in self._query(name, rdtype)]

    def mx(self, name: str) -> list[str]:
        records = sorted(self._query(name, "MX"), key=lambda r: r.preference)  # type: ignore[attr-defined]
        return [r.exchange.to_text().rstrip(".") for r in records]  # type: ignore[attr-defined]
