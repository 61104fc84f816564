"""The lane journal: what a live lane notes is left alone, what a gone lane noted is recorded once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mailer.sent_journal import Accepted, LaneJournal, recover

AT = datetime(2026, 11, 29, 21, 0, 0, 123456, tzinfo=UTC)


def test_a_live_lane_is_left_alone_and_a_gone_one_recorded(tmp_path: Path) -> None:
    recorded: list[Accepted] = []

    def record(found: Sequence[Accepted]) -> None:
        recorded.extend(found)

    lane = LaneJournal(tmp_path)
    lane.note(Accepted(7, 1, "kkn1.7.ab@kk.test", AT))
    lane.committed()  # the batch is in the database: nothing to recover
    lane.note(Accepted(8, 2, "kkn1.8.cd@kk.test", AT))
    assert recover(tmp_path, record) == 0 and recorded == []  # locked: the lane still lives
    lane.close(clean=False)  # as after a failure: the lock goes, the note stays

    assert recover(tmp_path, record) == 1
    assert recorded == [Accepted(8, 2, "kkn1.8.cd@kk.test", AT)]
    assert not list(tmp_path.iterdir())
    assert recover(tmp_path, record) == 0


def test_a_line_cut_short_by_the_kill_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "123-abc.sent").write_bytes(Accepted(5, 1, "m@kk.test", AT).line() + b"6 1 kkn")
    recorded: list[Accepted] = []
    assert recover(tmp_path, recorded.extend) == 1
    assert [a.delivery_id for a in recorded] == [5]


def test_a_clean_lane_leaves_no_file(tmp_path: Path) -> None:
    lane = LaneJournal(tmp_path)
    lane.note(Accepted(1, 1, "m@kk.test", AT))
    lane.committed()
    lane.close(clean=True)
    assert not list(tmp_path.iterdir())
