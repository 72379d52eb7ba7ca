"""Loopback address allocation for pod IPs (127.10/16) and Service ClusterIPs (127.20/16).

Several local clusters may run at once on one machine (parallel tests, other people's tests), and
each binds real sockets on these addresses. So every allocator starts at a random offset, and an
address is handed out only if the ports that will be bound on it are free right now.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Sequence

_SPAN = 256 * 256


def bindable(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


class IpAllocator:
    """Hands out `<prefix>.x.y` addresses (Linux routes all of 127/8 to lo, no set-up needed)."""

    def __init__(self, prefix: str, seed: int | None = None) -> None:
        self.prefix = prefix
        self._next = random.Random(seed).randrange(1, _SPAN)
        self._lock = threading.Lock()
        self._given: set[str] = set()

    def _candidate(self) -> str:
        while True:
            n = self._next
            self._next = (self._next + 1) % _SPAN
            if n % 256 not in (0, 255):
                return f"{self.prefix}.{n // 256}.{n % 256}"

    def allocate(self, ports: Sequence[int] = ()) -> str:
        """The next address not given out before whose `ports` are all bindable (TCP)."""
        with self._lock:
            ip = self._candidate()
            for _ in range(1024):
                if ip not in self._given and all(bindable(ip, p) for p in ports):
                    break
                ip = self._candidate()
            self._given.add(ip)
            return ip
