"""Every check in the order an administrator would fix things: storage, mailbox, relay, tokens, web, DNS."""

from __future__ import annotations

from kulturkluster.settings import Settings
from kulturkluster.texts import t

from .connections import check_database, check_oauth, check_public_url, check_relay, check_source, read_key
from .dns_checks import SendingSetup, dns_results
from .model import Result, Status
from .resolver import DnsUnavailable, Resolver


def sending_setup(settings: Settings) -> SendingSetup:
    dkim = settings.dkim
    return SendingSetup(
        domain=settings.org.domain,
        relay=settings.smtp.host,
        dkim_selector=dkim.selector,
        dkim_domain=dkim.domain,
        dkim_key=read_key(dkim.private_key_file) if dkim.enabled else None,
    )


def run_checks(settings: Settings) -> list[Result]:
    results = [
        check_database(settings),
        check_source(settings),
        *check_oauth(settings),
        check_relay(settings),
    ]
    results.append(check_public_url(settings.public_url))
    if "." not in settings.org.domain:  # the embedded default's "localhost": nothing public to check
        return [*results, Result("dns", Status.SKIP, t("doctor.dns_local", domain=settings.org.domain))]
    try:
        results += dns_results(sending_setup(settings), Resolver(settings.dns.nameserver))
    except DnsUnavailable as exc:
        results.append(
            Result("dns", Status.FAIL, t("doctor.dns_unavailable", error=exc), t("doctor.dns_hint"))
        )
    return results
