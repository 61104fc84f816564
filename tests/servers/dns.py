"""A tiny authoritative DNS server on loopback (UDP, dnspython) for ``kulturkluster doctor``'s tests.

``records`` maps (name, type) to the record texts in zone-file syntax, e.g.
``{("kulturkluster.test", "MX"): ["10 mx.kulturkluster.test."]}``; a name with no records at all is
NXDOMAIN, a known name without the asked type an empty answer. ``nameserver`` is the value for
``KK_DNS__NAMESERVER``.
"""

from __future__ import annotations

import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(self, records: dict[tuple[str, str], list[str]] | None = None) -> None:
        self.records: dict[tuple[str, str], list[str]] = dict(records or {})
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dns", daemon=True)

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        if not any(known == name for known, _type in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        texts = self.records.get((name, rdtype), [])
        if texts:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, rdtype, texts)
            )
        return response

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            response = self.answer(dns.message.from_wire(data))
            self._sock.sendto(response.to_wire(), peer)
