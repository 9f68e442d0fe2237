"""GTFS fares in a form the app looks up per leg: fare_rules by (route, origin zone,
destination zone), each with the cheapest matching fare_attributes price. Empty route,
origin or destination in a rule match any (stored as -1); rules that name contains_id are
left out (no Okayama feed uses them) and a leg they alone would price shows no fare."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.tiles.transit.gtfs.feed import Feed


@dataclass(frozen=True)
class FareTable:
    zones: list[str]
    stop_zone: np.ndarray  # int32 [stops], -1 without a zone
    rule_route: np.ndarray  # int32, -1 any
    rule_origin: np.ndarray  # int32 zone, -1 any
    rule_destination: np.ndarray  # int32 zone, -1 any
    rule_price: np.ndarray  # int32 yen (the cheapest fare of rules with the same keys)
    currencies: list[str]
    rules_skipped: int


def fare_table(feed: Feed) -> FareTable:
    zones = sorted({s.zone_id for s in feed.stops if s.zone_id})
    zone_index = {z: i for i, z in enumerate(zones)}
    stop_zone = np.array([zone_index.get(s.zone_id, -1) for s in feed.stops], dtype=np.int32)
    route_index = {r.route_id: i for i, r in enumerate(feed.routes)}
    price = {f.fare_id: f.price for f in feed.fare_attributes}
    best: dict[tuple[int, int, int], int] = {}
    skipped = 0
    for rule in feed.fare_rules:
        if rule.contains_id or rule.fare_id not in price:
            skipped += 1
            continue
        route = route_index.get(rule.route_id, -1) if rule.route_id else -1
        origin = zone_index.get(rule.origin_id, -2) if rule.origin_id else -1
        destination = zone_index.get(rule.destination_id, -2) if rule.destination_id else -1
        if (rule.route_id and route < 0) or origin == -2 or destination == -2:
            skipped += 1  # names a route or zone no stop has: it can never match
            continue
        key = (route, origin, destination)
        best[key] = min(best.get(key, price[rule.fare_id]), price[rule.fare_id])
    keys = sorted(best)
    return FareTable(
        zones, stop_zone,
        np.array([k[0] for k in keys], dtype=np.int32),
        np.array([k[1] for k in keys], dtype=np.int32),
        np.array([k[2] for k in keys], dtype=np.int32),
        np.array([best[k] for k in keys], dtype=np.int32),
        sorted({f.currency_type for f in feed.fare_attributes}), skipped)
