"""A download that streams from its first byte while its rows are still being read from the database.

The rows are read by ``produce`` in a thread of its own, which opens and closes its own transaction there:
a database session (and a SQLite connection) stays in the thread that made it, while Starlette pulls the
chunks from whichever worker thread it likes. A small queue between them bounds the memory; a client that
goes away stops the producer at its next chunk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Generator

log = logging.getLogger(__name__)

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def from_thread(produce: Callable[[], Generator[bytes]], depth: int = 8) -> Generator[bytes]:
    """The chunks ``produce()`` yields, produced in a thread of their own, at most ``depth`` ahead."""
    chunks: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        produced = produce()
        try:
            for chunk in produced:
                if not put(chunk):
                    return  # the client went away
            put(_DONE)
        except BaseException as exc:  # handed to the reader, which raises it in the response
            put(_Failed(exc))
        finally:
            produced.close()  # ends the producer's transaction here, in its own thread

    threading.Thread(target=run, name="download", daemon=True).start()
    try:
        while (item := chunks.get()) is not _DONE:
            if isinstance(item, _Failed):
                log.error("download failed after it started", exc_info=item.error)
                raise item.error
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
