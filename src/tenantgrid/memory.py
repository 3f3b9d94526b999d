"""How a server process keeps its memory flat and its pauses short: process-wide settings made once
at start-up.

Both were found with the benchmark harness (bench/), which samples a worker's RSS as it runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

M_MMAP_THRESHOLD = -3
"""mallopt(3) parameter number, from glibc's <malloc.h>."""
MMAP_THRESHOLD_BYTES = 1 << 20


def return_large_blocks_to_the_system() -> bool:
    """Serve every allocation of 1 MiB or more with its own mmap, unmapped again when freed.

    An Argon2 check allocates 19 MiB in a worker thread. glibc raises its mmap threshold after the
    first such block is freed, so later ones come from the thread's malloc arena, which keeps them:
    each thread that ever checked a password held 19 MiB for good (up to one arena per thread,
    eight per core). A fixed threshold turns off that adjustment. Returns False where the C library
    is not glibc (nothing is changed there).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


YOUNG_COLLECTION_THRESHOLD = 50_000
"""Net new container objects between young-generation collections (CPython's default is 700)."""
MIDDLE_COLLECTION_THRESHOLD = 20
OLD_COLLECTION_THRESHOLD = 10


def collect_less_often() -> None:
    """Collect the youngest generation after 50,000 new objects instead of 700.

    A request leaves nothing for the cyclic collector (tests/api/test_garbage.py holds it to that),
    so what young collections find is what lives on: the objects of the requests then in flight,
    and cache growth. Each young collection promotes the in-flight objects; promotions count towards
    a full collection, and a full collection walks every object not frozen, asyncpg's prepared
    statements among them (13 objects each, one per tenant, shape and connection: up to
    16 x 1,024). At 1,000 tenants, with the default and while a request still left a cycle, the
    benchmark logged about 100 full collections of 40-210 ms in 150 s; with this threshold read
    p99 went from 170 ms to 53 ms, and server CPU per read from 0.27 to 0.21 ms (issue 3).
    """
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, MIDDLE_COLLECTION_THRESHOLD, OLD_COLLECTION_THRESHOLD)


def freeze_startup_objects() -> None:
    """Move everything made so far out of the cyclic collector's sight.

    The catalog, SQLAlchemy's metadata and the imported modules live as long as the process. Frozen,
    the collector no longer walks them on every full collection: the benchmark measured pauses of
    ~68 ms, 36 per 10 s, before this (read p99 87 ms -> 17 ms).
    """
    gc.collect()
    gc.freeze()
