from __future__ import annotations

from datetime import UTC, datetime, timedelta

from subscribers.bounces import BounceState, score

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_three_permanent_failures_disable() -> None:
    state = BounceState()
    for n in range(3):
        result = score(state, permanent=True, now=T0 + timedelta(days=n))
        state = result.state
    assert state.score == 3.0 and result.disable


def test_temporary_failures_count_half_and_once_a_day() -> None:
    first = score(BounceState(), permanent=False, now=T0)
    again = score(first.state, permanent=False, now=T0 + timedelta(hours=5))
    next_day = score(again.state, permanent=False, now=T0 + timedelta(days=1, hours=1))
    assert (first.added, again.added, next_day.added, next_day.state.score) == (0.5, 0.0, 0.5, 1.0)
    assert not next_day.disable


def test_a_quiet_week_resets_the_score() -> None:
    state = BounceState(score=2.0, last_bounce_at=T0)
    result = score(state, permanent=True, now=T0 + timedelta(days=8))
    assert result.state.score == 1.0 and "reset" in result.note
    assert score(state, permanent=True, now=T0 + timedelta(days=6)).disable


def test_threshold_is_configurable() -> None:
    assert score(BounceState(), permanent=True, now=T0, threshold=1.0).disable
