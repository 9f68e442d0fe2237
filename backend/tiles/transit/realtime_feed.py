"""GTFS-Realtime messages (protobuf, `gtfs-realtime-bindings`) turned into the snapshot the
app reads (`GET /transit/realtime`; docs/transit-feeds.md):

    {"trips": {trip_id: {"delay": seconds | null, "stops": {stop_sequence: delay},
                         "cancelled": bool}},
     "vehicles": [{"trip_id", "lat", "lon", "at"}],
     "alerts": [{"header": {lang: text}, "description": {lang: text},
                 "routes": [...], "stops": [...], "trips": [...],
                 "active": [[start, end]]}]}

A trip's `delay` is its TripUpdate's delay, else the delay at its first stop update that has
one (GTFS-Realtime delays carry on downstream). A stop's delay is its departure's, else its
arrival's; updates without a stop_sequence or a delay are left out. `at`, `start` and `end`
are UNIX seconds (null when the producer gives none: an alert without an end lasts until
further notice). A text without a language is taken to be Japanese ("ja").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.transit import gtfs_realtime_pb2 as rt

CANCELLED = frozenset({rt.TripDescriptor.CANCELED, rt.TripDescriptor.DELETED})
DEFAULT_LANGUAGE = "ja"
MAX_TEXT = 4000


class NotRealtime(ValueError):
    """The bytes are not a GTFS-Realtime FeedMessage."""


def parse_message(body: bytes) -> rt.FeedMessage:
    message = rt.FeedMessage()
    try:
        message.ParseFromString(body)
    except Exception as exc:  # protobuf's DecodeError, or anything else it finds wrong
        raise NotRealtime(f"not a GTFS-Realtime message ({exc})") from None
    if not message.HasField("header"):
        raise NotRealtime("not a GTFS-Realtime message (no header)")
    return message


def empty_snapshot() -> dict[str, Any]:
    return {"trips": {}, "vehicles": [], "alerts": []}


def snapshot(messages: Iterable[rt.FeedMessage]) -> dict[str, Any]:
    """Every entity of `messages` (later ones win for the same trip)."""
    found = empty_snapshot()
    for message in messages:
        stamp = int(message.header.timestamp) or None
        for entity in message.entity:
            if entity.is_deleted:
                continue
            if entity.HasField("trip_update"):
                trip_id, trip = _trip(entity.trip_update)
                if trip_id:
                    found["trips"][trip_id] = trip
            if entity.HasField("vehicle"):
                vehicle = _vehicle(entity.vehicle, stamp)
                if vehicle is not None:
                    found["vehicles"].append(vehicle)
            if entity.HasField("alert"):
                found["alerts"].append(_alert(entity.alert))
    return found


def _trip(update: rt.TripUpdate) -> tuple[str, dict[str, Any]]:
    stops: dict[str, int] = {}
    for stop in update.stop_time_update:
        if not stop.HasField("stop_sequence"):
            continue
        for event in (stop.departure, stop.arrival):
            if event.HasField("delay"):
                stops[str(stop.stop_sequence)] = int(event.delay)
                break
    delay: int | None = int(update.delay) if update.HasField("delay") else None
    if delay is None and stops:
        delay = next(iter(stops.values()))
    cancelled = update.trip.schedule_relationship in CANCELLED
    return update.trip.trip_id, {"delay": delay, "stops": stops, "cancelled": cancelled}


def _vehicle(vehicle: rt.VehiclePosition, stamp: int | None) -> dict[str, Any] | None:
    if not vehicle.HasField("position"):
        return None
    return {"trip_id": vehicle.trip.trip_id or None,
            "lat": _degrees(vehicle.position.latitude),
            "lon": _degrees(vehicle.position.longitude),
            "at": int(vehicle.timestamp) or stamp}


def _degrees(value: float) -> float:
    """A coordinate as the producer wrote it: protobuf keeps them as 32-bit floats (about
    seven digits), which read back as 134.003906 for 134.0039."""
    return float(f"{value:.7g}")


def _texts(translated: rt.TranslatedString) -> dict[str, str]:
    return {(t.language or DEFAULT_LANGUAGE): t.text[:MAX_TEXT]
            for t in translated.translation if t.text}


def _alert(alert: rt.Alert) -> dict[str, Any]:
    routes: dict[str, None] = {}
    stops: dict[str, None] = {}
    trips: dict[str, None] = {}
    for entity in alert.informed_entity:
        if entity.route_id:
            routes[entity.route_id] = None
        if entity.stop_id:
            stops[entity.stop_id] = None
        if entity.HasField("trip") and entity.trip.trip_id:
            trips[entity.trip.trip_id] = None
    return {"header": _texts(alert.header_text),
            "description": _texts(alert.description_text),
            "routes": list(routes), "stops": list(stops), "trips": list(trips),
            "active": [[int(p.start) or None, int(p.end) or None] for p in alert.active_period]}
