"""Process-wide memory settings, each checked in a fresh interpreter (they change the process)."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest
from starlette.testclient import TestClient

from tenantgrid.memory import YOUNG_COLLECTION_THRESHOLD

# Allocate and free 20 MiB twice in a worker thread (as an Argon2 check does), then print how much
# of it the process still holds.
HELD_AFTER_THREAD = textwrap.dedent(
    """
    import sys, threading, psutil
    from tenantgrid.memory import return_large_blocks_to_the_system
    if sys.argv[1] == "on":
        assert return_large_blocks_to_the_system()
    process = psutil.Process()
    before = process.memory_info().rss

    def work():
        for _ in range(3):
            block = b"x" * (20 << 20)
            del block

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    print((process.memory_info().rss - before) >> 20)
    """
)


def _held_mib(setting: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HELD_AFTER_THREAD, setting], capture_output=True, text=True, check=True
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_large_blocks_freed_in_a_thread_go_back_to_the_system() -> None:
    assert _held_mib("off") >= 15  # glibc's own rule: the thread's arena keeps the block
    assert _held_mib("on") < 5


def test_the_server_collects_young_objects_less_often(client: TestClient) -> None:
    assert client.get("/health").status_code == 200
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
