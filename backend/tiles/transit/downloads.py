"""How a compiled timetable is sent: revalidated by its ETag (the version id), gzip-compressed
for a client that accepts it. Each version is compressed once per process and kept in a
small cache (`CompressedTimetables`): versions change at most daily, downloads are many."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable

CACHED_VERSIONS = 4
GZIP_LEVEL = 6


def etag_of(version: str) -> str:
    return f'"{version}"'


def etag_matches(if_none_match: str | None, version: str) -> bool:
    """`If-None-Match` names this version (or is "*"); weak tags compare too (RFC 9110
    §13.1.2 uses the weak comparison)."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag_of(version):
            return True
    return False


def accepts_gzip(accept_encoding: str | None) -> bool:
    """`Accept-Encoding` lists gzip (or *) with a quality above 0."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            return True
    return False


class CompressedTimetables:
    """The gzip bodies of the last few versions sent, by (database, municipality, feed,
    version): one process serves one database, tests many."""

    def __init__(self, capacity: int = CACHED_VERSIONS) -> None:
        self._capacity = capacity
        self._bodies: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str, str], load: Callable[[], bytes | None]
            ) -> bytes | None:
        """The compressed body of `key`, compressing what `load` gives the first time
        (None when `load` finds nothing)."""
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
                return body
        raw = load()
        if raw is None:
            return None
        body = gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self._capacity:
                self._bodies.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()


COMPRESSED = CompressedTimetables()
