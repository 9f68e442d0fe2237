"""Finding a stop by what a resident or visitor types: its Japanese name, its reading in
hiragana or katakana (the feed's ja-Hrkt translation), or its English name, in full or half
width. Poles of one place (津山駅 のりば 1 and 2) are one result: the place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jaconv

_DROP = re.compile(r"[\s()（）・･「」『』\-‐ー―_.,、。]")


def search_key(text: str) -> str:
    return _DROP.sub("", jaconv.kata2hira(jaconv.normalize(text)).casefold())


@dataclass(frozen=True)
class StopPlace:
    """All the feed's stops of one name: the place a rider means."""

    feed_id: str
    name: str
    stops: tuple[int, ...]
    names: dict[str, str]  # the feed's translations of the name ("en", "ja-Hrkt", ...)
    lat: float
    lon: float

    @property
    def key(self) -> str:
        return f"{self.feed_id}:{self.name}"

    def shown(self, language: str) -> str:
        if language == "ja":
            return self.name
        return self.names.get(language) or self.names.get("en") or self.name


class StopIndex:
    def __init__(self, feed_id: str, meta_stops: list[dict[str, Any]],
                 served: set[int], lat: Any, lon: Any) -> None:
        by_name: dict[str, list[int]] = {}
        for index, stop in enumerate(meta_stops):
            if index in served:
                by_name.setdefault(stop["name"], []).append(index)
        self.places: list[StopPlace] = []
        self._keys: list[tuple[str, ...]] = []
        for name, stops in sorted(by_name.items()):
            names = dict(meta_stops[stops[0]].get("names") or {})
            place = StopPlace(feed_id, name, tuple(stops), names,
                              float(sum(lat[s] for s in stops) / len(stops)),
                              float(sum(lon[s] for s in stops) / len(stops)))
            self.places.append(place)
            self._keys.append(tuple(search_key(text) for text in (name, *names.values())))

    def search(self, text: str, limit: int = 8) -> list[StopPlace]:
        """Places whose name or a translation starts with the text first, then those that
        contain it; shorter names first within each."""
        key = search_key(text)
        if not key:
            return []
        starts, contains = [], []
        for place, keys in zip(self.places, self._keys, strict=True):
            if any(k.startswith(key) for k in keys):
                starts.append(place)
            elif any(key in k for k in keys):
                contains.append(place)
        ranked = sorted(starts, key=lambda p: len(p.name)) + sorted(contains,
                                                                    key=lambda p: len(p.name))
        return ranked[:limit]

    def by_name(self, name: str) -> StopPlace | None:
        return next((p for p in self.places if p.name == name), None)
