"""When the relay keeps refusing us, a campaign pauses itself instead of trying everyone in turn.

Pure bookkeeping per campaign, shared by a worker's lanes: ``in_a_row`` relay refusals with no delivery
in between, or most of the last ``window`` outcomes, say the relay refuses the campaign, not one message.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable


class RelayHealth:
    """Counts relay refusals and deliveries per key (a newsletter id); thread-safe."""

    def __init__(self, in_a_row: int = 5, window: int = 50) -> None:
        self.in_a_row = in_a_row
        self.window = window
        self._lock = threading.Lock()
        self._streak: dict[Hashable, int] = {}
        self._recent: dict[Hashable, deque[bool]] = {}

    def delivered(self, key: Hashable) -> None:
        with self._lock:
            self._streak[key] = 0
            self._outcomes(key).append(False)

    def refused(self, key: Hashable) -> bool:
        """Record a relay refusal; True when the campaign should pause now (the count starts again)."""
        with self._lock:
            streak = self._streak.get(key, 0) + 1
            recent = self._outcomes(key)
            recent.append(True)
            if streak >= self.in_a_row or sum(recent) * 2 > self.window:
                self._streak.pop(key, None)
                self._recent.pop(key, None)
                return True
            self._streak[key] = streak
            return False

    def _outcomes(self, key: Hashable) -> deque[bool]:
        return self._recent.setdefault(key, deque(maxlen=self.window))
