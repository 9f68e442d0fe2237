"""Fares of a journey from the compiled GTFS fares (docs/transit-timetable.md): each ride
pays the cheapest fare whose rule matches its route and its boarding and alighting zones
(an empty key in a rule matches anything). IC card fares come from the city's setting in the
timetable (`meta["ic_fare"]`: `{"percent_off": N}` or `{"same_as_cash": true}`); without one
the app says the IC fare is not known rather than guess."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.features.transit.planner.journeys import Journey, Leg
from app.features.transit.planner.timetable import Timetable


@dataclass(frozen=True)
class Fares:
    cash: int | None  # None: some ride has no known fare
    ic: int | None  # None: unknown (no rule for IC cards, or a cash fare unknown)


class FareBook:
    def __init__(self, timetable: Timetable) -> None:
        a = timetable.arrays
        self._zone = a["stop_zone"]
        self._price: dict[tuple[int, int, int], int] = {
            (int(r), int(o), int(d)): int(p) for r, o, d, p in zip(
                a["fare_route"].tolist(), a["fare_origin"].tolist(),
                a["fare_destination"].tolist(), a["fare_price"].tolist(), strict=True)}
        ic = timetable.meta.get("ic_fare") or {}
        self._ic_same = bool(ic.get("same_as_cash")) if isinstance(ic, dict) else False
        percent = ic.get("percent_off") if isinstance(ic, dict) else None
        self._ic_percent = percent if isinstance(percent, int) and 0 <= percent <= 100 else None

    def ride(self, leg: Leg) -> int | None:
        origin, destination = int(self._zone[leg.from_stop]), int(self._zone[leg.to_stop])
        found = [self._price[key] for key in _keys(leg.route, origin, destination)
                 if key in self._price]
        return min(found) if found else None

    def ic(self, cash: int | None) -> int | None:
        if cash is None:
            return None
        if self._ic_same:
            return cash
        if self._ic_percent is not None:
            return cash * (100 - self._ic_percent) // 100
        return None

    def journey(self, journey: Journey) -> Fares:
        rides = [self.ride(leg) for leg in journey.rides]
        if any(fare is None for fare in rides):
            return Fares(None, None)
        cash = sum(fare for fare in rides if fare is not None)
        ic = [self.ic(fare) for fare in rides]
        return Fares(cash, None if any(f is None for f in ic)
                     else sum(f for f in ic if f is not None))


def _keys(route: int, origin: int, destination: int) -> Iterable[tuple[int, int, int]]:
    for r in (route, -1):
        for o in ((origin, -1) if origin >= 0 else (-1,)):
            for d in ((destination, -1) if destination >= 0 else (-1,)):
                yield r, o, d
