"""Downloading a feed from its `url` (docs/transit-feeds.md), then importing it.

The answer is streamed to a temporary file: at most `MAX_FEED_BYTES`, within `TIMEOUT`
seconds per network operation, following redirects to http(s) addresses only. Anything that
is not a zip file is not a feed: `FeedUnreachable` says what came instead, and the attempt
is recorded as UNREACHABLE (the current version stays).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine

from backend.tiles.transit.feeds_config import FeedConfig
from backend.tiles.transit.importer import ImportResult, import_feed, unreachable

MAX_FEED_BYTES = 200 * 1024 * 1024
TIMEOUT = 60.0
MAX_REDIRECTS = 5
USER_AGENT = "TsuyamaPortal-transit/1 (+https://www.city.tsuyama.lg.jp/)"


class FeedUnreachable(Exception):
    """The address gave no feed; the message says why."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def download(url: str, target: Path, *, max_bytes: int = MAX_FEED_BYTES,
             timeout: float = TIMEOUT) -> None:
    """The answer of `url` written to `target`; `FeedUnreachable` when there is none."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS,
                          headers={"User-Agent": USER_AGENT}) as client, \
                client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FeedUnreachable(f"{url} answered {response.status_code} "
                                      f"{response.reason_phrase}".rstrip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FeedUnreachable(f"{url} is {_megabytes(int(declared))}, more than the "
                                      f"{_megabytes(max_bytes)} a feed may have")
            received = 0
            with target.open("wb") as file:
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise FeedUnreachable(f"{url} sent more than the "
                                              f"{_megabytes(max_bytes)} a feed may have")
                    file.write(chunk)
            kind = response.headers.get("content-type", "no content type")
    except httpx.TooManyRedirects:
        raise FeedUnreachable(f"{url}: more than {MAX_REDIRECTS} redirects") from None
    except httpx.UnsupportedProtocol:
        raise FeedUnreachable(f"{url}: redirected to an address that is not http(s)") from None
    except httpx.TimeoutException:
        raise FeedUnreachable(f"{url} did not answer within {timeout:.0f} s") from None
    except httpx.HTTPError as exc:
        raise FeedUnreachable(f"{url} cannot be reached: {exc or type(exc).__name__}") from None
    except OSError as exc:
        raise FeedUnreachable(f"{url}: the download cannot be saved ({exc})") from None
    if not zipfile.is_zipfile(target):
        raise FeedUnreachable(f"{url} answered with something that is not a zip file "
                              f"({kind[:80]}, {received} bytes)")


@contextmanager
def downloaded(url: str, *, max_bytes: int = MAX_FEED_BYTES,
               timeout: float = TIMEOUT) -> Iterator[Path]:
    """The feed at `url` as a temporary zip file, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tsuyama-feed-") as folder:
        target = Path(folder) / "feed.zip"
        download(url, target, max_bytes=max_bytes, timeout=timeout)
        yield target


def fetch_and_import(engine: Engine, municipality_code: str, config: FeedConfig, *,
                     max_bytes: int = MAX_FEED_BYTES, timeout: float = TIMEOUT
                     ) -> ImportResult:
    """Download `config.url` and import it; an address that gives no feed is recorded as
    UNREACHABLE."""
    if not config.url:
        raise ValueError(f"feed {config.id!r} has no url")
    try:
        with downloaded(config.url, max_bytes=max_bytes, timeout=timeout) as source:
            return import_feed(engine, municipality_code, config, source)
    except FeedUnreachable as exc:
        return unreachable(engine, municipality_code, config.id, str(exc))
