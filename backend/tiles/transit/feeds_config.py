"""The city's feeds file (`TSUYAMA_TRANSIT_FEEDS`; format in docs/transit-feeds.md):

    {"feeds": [{"id": "awa-bus", "name": "市営阿波バス",
                "url": "https://.../feed.zip",            (or "path": a zip or a folder)
                "licence": "CC BY 4.0", "attribution": "津山市 市営阿波バス GTFS-JP (CC BY 4.0)",
                "realtime": {"trip_updates": url, "vehicle_positions": url, "alerts": url},
                "ic_fare": {"percent_off": 10}}]}        (or {"same_as_cash": true})

`realtime` and `ic_fare` are optional, `realtime` takes any of its three addresses. A
relative `path` is relative to the feeds file's folder. Every problem names the entry and
the field (`FeedsConfigError`)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FEED_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
FEED_ID = re.compile(FEED_ID_PATTERN)
MAX_FILE_BYTES = 1024 * 1024
MAX_NAME = 200
MAX_LICENCE = 200
MAX_ATTRIBUTION = 1000
MAX_URL = 2000
REALTIME_KINDS = ("trip_updates", "vehicle_positions", "alerts")
FEED_FIELDS = ("id", "name", "url", "path", "licence", "attribution", "realtime", "ic_fare")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FeedsConfigError(ValueError):
    """The feeds file cannot be used; the message names the entry and the field."""


@dataclass(frozen=True)
class RealtimeUrls:
    trip_updates: str | None = None
    vehicle_positions: str | None = None
    alerts: str | None = None

    def urls(self) -> tuple[str, ...]:
        """Each address once (one producer may serve everything at one address)."""
        found = (self.trip_updates, self.vehicle_positions, self.alerts)
        return tuple(dict.fromkeys(url for url in found if url))


@dataclass(frozen=True)
class IcFare:
    """IC card fares: the cash fare less `percent_off` percent (rounded down to a yen), or
    the same as cash."""

    percent_off: int = 0
    same_as_cash: bool = False

    def to_meta(self) -> dict[str, Any]:
        """`meta["ic_fare"]` of the compiled timetable (read by the app's fares)."""
        if self.same_as_cash:
            return {"same_as_cash": True}
        return {"percent_off": self.percent_off}


@dataclass(frozen=True)
class FeedConfig:
    """One feed: where it comes from (`url` or `path`, neither for an upload) and what is
    shown with it."""

    id: str
    name: str
    licence: str
    attribution: str
    url: str | None = None
    path: Path | None = None
    realtime: RealtimeUrls | None = None
    ic_fare: IcFare | None = None

    @property
    def origin(self) -> str:
        """Where the feed comes from, as stored with its versions."""
        if self.url:
            return self.url
        return str(self.path) if self.path is not None else ""

    def identity(self) -> dict[str, Any]:
        """What a compiled version depends on besides the feed's files (its version id
        covers both: the same files with another attribution are another version)."""
        return {"id": self.id, "name": self.name, "licence": self.licence,
                "attribution": self.attribution,
                "ic_fare": self.ic_fare.to_meta() if self.ic_fare else None}


@dataclass(frozen=True)
class FeedsConfig:
    file: Path
    feeds: tuple[FeedConfig, ...]

    def get(self, feed_id: str) -> FeedConfig | None:
        return next((feed for feed in self.feeds if feed.id == feed_id), None)


def check_feed_id(value: object) -> str:
    """A feed id: lowercase letters, digits and '-', starting with a letter or digit, at
    most 64 characters; `ValueError` otherwise."""
    if not isinstance(value, str) or not FEED_ID.fullmatch(value):
        raise ValueError("must be lowercase letters, digits and '-' (at most 64, starting "
                         "with a letter or digit), e.g. \"awa-bus\"")
    return value


def check_text(value: object, limit: int) -> str:
    """Non-empty text of at most `limit` characters without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty text")
    text = value.strip()
    if len(text) > limit:
        raise ValueError(f"must be at most {limit} characters")
    if _CONTROL.search(text):
        raise ValueError("must not contain control characters (line breaks, tabs, NUL)")
    return text


def check_url(value: object) -> str:
    """An http:// or https:// address."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be an http:// or https:// address")
    url = value.strip()
    if len(url) > MAX_URL or _CONTROL.search(url) or " " in url:
        raise ValueError(f"must be an address without spaces, at most {MAX_URL} characters")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address with a host")
    return url


def _ic_fare(value: object) -> IcFare:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError('must be {"percent_off": N} or {"same_as_cash": true}')
    if "same_as_cash" in value:
        if value["same_as_cash"] is not True:
            raise ValueError('"same_as_cash" must be true (leave ic_fare out when unknown)')
        return IcFare(same_as_cash=True)
    percent = value.get("percent_off")
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError('"percent_off" must be a whole number from 0 to 100')
    return IcFare(percent_off=percent)


def _realtime(value: object) -> RealtimeUrls:
    if not isinstance(value, Mapping) or not value:
        raise ValueError(f"must be an object with any of {', '.join(REALTIME_KINDS)}")
    unknown = sorted(set(value) - set(REALTIME_KINDS))
    if unknown:
        raise ValueError(f"unknown {unknown[0]!r}: use {', '.join(REALTIME_KINDS)}")
    urls: dict[str, str] = {}
    for kind in REALTIME_KINDS:
        if kind in value:
            try:
                urls[kind] = check_url(value[kind])
            except ValueError as exc:
                raise ValueError(f"{kind} {exc}") from None
    return RealtimeUrls(**urls)


def _entry(raw: object, base: Path) -> FeedConfig:
    """One entry; `ValueError("<field>: <problem>")` on the first problem."""
    if not isinstance(raw, Mapping):
        raise ValueError("the entry must be an object")
    unknown = sorted(set(raw) - set(FEED_FIELDS))
    if unknown:
        hint = ' (did you mean "licence"?)' if unknown[0] == "license" else ""
        raise ValueError(f"{unknown[0]}: unknown field{hint}; the fields are "
                         f"{', '.join(FEED_FIELDS)}")

    def field(name: str, check: Any) -> Any:
        if name not in raw:
            raise ValueError(f"{name}: missing")
        try:
            return check(raw[name])
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None

    feed_id = field("id", check_feed_id)
    name = field("name", lambda v: check_text(v, MAX_NAME))
    if ("url" in raw) == ("path" in raw):
        raise ValueError("url/path: give exactly one of them (a download address or a zip "
                         "file or folder on this server)")
    url = field("url", check_url) if "url" in raw else None
    path = field("path", lambda v: base / Path(check_text(v, MAX_URL)).expanduser()
                 ) if "path" in raw else None
    licence = field("licence", lambda v: check_text(v, MAX_LICENCE))
    attribution = field("attribution", lambda v: check_text(v, MAX_ATTRIBUTION))
    realtime = field("realtime", _realtime) if "realtime" in raw else None
    ic_fare = field("ic_fare", _ic_fare) if "ic_fare" in raw else None
    return FeedConfig(id=feed_id, name=name, licence=licence, attribution=attribution,
                      url=url, path=path, realtime=realtime, ic_fare=ic_fare)


def parse_feeds(data: object, *, base: Path, where: str = "feeds file") -> tuple[FeedConfig, ...]:
    """The entries of a parsed feeds file; relative paths are taken from `base`."""
    if not isinstance(data, Mapping) or not isinstance(data.get("feeds"), list):
        raise FeedsConfigError(f'{where}: expected {{"feeds": [...]}}')
    feeds: list[FeedConfig] = []
    for number, raw in enumerate(data["feeds"], start=1):
        label = f"feeds[{number}]"
        if isinstance(raw, Mapping) and isinstance(raw.get("id"), str):
            label += f' ("{raw["id"][:64]}")'
        try:
            feed = _entry(raw, base)
        except ValueError as exc:
            raise FeedsConfigError(f"{where}: {label}, {exc}") from None
        if any(other.id == feed.id for other in feeds):
            raise FeedsConfigError(f"{where}: {label}, id: {feed.id!r} is used by an earlier "
                                   "entry; ids must be unique")
        feeds.append(feed)
    return tuple(feeds)


def read_feeds_file(file: Path) -> FeedsConfig:
    """The feeds file read and checked; `FeedsConfigError` naming what is wrong."""
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise FeedsConfigError(f"{file}: larger than {MAX_FILE_BYTES} bytes")
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise FeedsConfigError(f"{file} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FeedsConfigError(f"{file} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedsConfigError(f"{file} is not JSON: line {exc.lineno}, column {exc.colno}: "
                               f"{exc.msg}") from None
    return FeedsConfig(file, parse_feeds(data, base=file.parent, where=str(file)))


_cache: dict[Path, tuple[tuple[int, int], FeedsConfig]] = {}
_cache_lock = threading.Lock()


def load_feeds_file(file: Path) -> FeedsConfig:
    """`read_feeds_file`, read again only when the file changed (its size or time)."""
    try:
        stat = file.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (-1, -1)
    with _cache_lock:
        cached = _cache.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    config = read_feeds_file(file)
    with _cache_lock:
        _cache[file] = (stamp, config)
    return config
