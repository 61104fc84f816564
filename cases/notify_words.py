"""Swedish words of notices and summaries: counts with their plurals and days as people say them."""

from __future__ import annotations

from datetime import date

from kulturkluster.texts import t

from .notify_rules import Summary


def counted(key: str, n: int) -> str:
    """ "1 nytt ärende", "2 nya ärenden": the catalogue has a ``.one`` and a ``.many`` form."""
    return t(f"{key}.one") if n == 1 else t(f"{key}.many", n=n)


def day_label(day: date) -> str:
    """ "1 december" """
    months = t("newsletter.months").split()
    return t("notify.day", day=day.day, month=months[day.month - 1])


def follow_up_label(day: date, on: date) -> str:
    """When a follow-up is, seen from ``on``: "i dag", "sedan i går", "sedan 28 november (3 dagar sedan)"."""
    if day == on:
        return t("notify.due_today")
    if day > on:
        return t("notify.due_on", day=day_label(day))
    days = (on - day).days
    return t("notify.overdue.one") if days == 1 else t("notify.overdue.many", day=day_label(day), n=days)


def summary_title(summary: Summary) -> str:
    parts = [
        counted(key, len(items))
        for key, items in (
            ("notify.count_new_cases", summary.new_cases),
            ("notify.count_new_messages", summary.new_messages),
            ("notify.count_follow_ups", summary.follow_ups),
        )
        if items
    ]
    return ", ".join(parts)
