"""Fewer glibc malloc arenas for a long-running worker with threads.

glibc gives a thread that allocates while another holds the main arena an arena of its own, up to eight
per core, and each keeps the memory it once held. The sender's lanes are threads that allocate the same
small objects over and over, but under the interpreter's lock they almost never allocate at the same
moment, so extra arenas only add resident memory: about 1 MiB each at the sender's peak. This is what
``MALLOC_ARENA_MAX=2`` in the environment does, set from inside the process before the threads start; an
operator's own ``MALLOC_ARENA_MAX`` is left as it is. Elsewhere than glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap the process's malloc arenas (call before starting threads); True when the cap was set."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(_M_ARENA_MAX, arenas))
    log.debug("malloc arenas capped", extra={"arenas": arenas, "done": done})
    return done
