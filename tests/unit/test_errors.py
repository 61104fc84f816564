"""Every error the service raises on purpose has a kind, and one table turns kinds into statuses and exits."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import pytest

from kulturkluster.errors import KIND_EXIT_CODE, KIND_STATUS, ErrorKind, KulturklusterError

PACKAGES = ("inbound", "mailer", "cases", "subscribers", "kulturkluster")


def _all_error_classes() -> list[type[KulturklusterError]]:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not info.name.endswith("__main__"):  # running it is what `python -m` does
                importlib.import_module(info.name)
    found: list[type[KulturklusterError]] = []
    stack: list[type[KulturklusterError]] = [KulturklusterError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return [
        cls for cls in found if cls.__module__.split(".")[0] in PACKAGES and cls is not KulturklusterError
    ]


def test_every_kind_has_a_status_and_an_exit_code() -> None:
    assert set(KIND_STATUS) == set(ErrorKind) == set(KIND_EXIT_CODE)
    assert len(set(KIND_EXIT_CODE.values())) == len(ErrorKind)  # a script can tell kinds apart
    assert 0 not in KIND_EXIT_CODE.values() and 1 not in KIND_EXIT_CODE.values()


def test_every_error_class_chose_its_kind() -> None:
    """A kind is declared on the class or on a parent of ours, never left to the root's default."""
    classes = _all_error_classes()
    assert len(classes) > 30
    undeclared = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in classes
        if not any("kind" in vars(base) for base in cls.__mro__ if base is not KulturklusterError)
    ]
    assert undeclared == []


def test_errors_keep_the_values_that_caused_them() -> None:
    from cases.reference import CaseNotFound

    error = CaseNotFound("KK-2026-0042")
    assert error.reference == "KK-2026-0042"
    assert error.kind is ErrorKind.NOT_FOUND and error.http_status == 404 and error.exit_code == 3
    generic = KulturklusterError("Något gick fel.", address="anna@example.se")
    assert generic.values == {"address": "anna@example.se"} and str(generic) == "Något gick fel."


def test_header_injection_is_one_of_ours() -> None:
    from mailer.mime import HeaderInjection, fold_header

    with pytest.raises(KulturklusterError) as caught:
        fold_header("Subject", "a\r\nBcc: x@example.org")
    assert isinstance(caught.value, HeaderInjection) and caught.value.kind is ErrorKind.INVALID


def test_the_cli_exits_with_the_kind_of_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from inbound.reroute import RerouteRefused
    from kulturkluster import cli

    monkeypatch.setattr(sys, "argv", ["kulturkluster", "inbound", "reroute", "1", "no-such-route"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == KIND_EXIT_CODE[RerouteRefused.kind]
