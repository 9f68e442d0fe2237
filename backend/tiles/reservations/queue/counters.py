"""Which queue counters exist: the `queue` entries of the resources that are not withdrawn
(docs/reservations.md §1, §3). Several resources may share one counter (the purposes of one
窓口); its staff are the staff of those resources' departments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from backend.tiles.reservations.resource import Resource
from backend.tiles.reservations.resources.store import active_resources


@dataclass(frozen=True)
class QueueCounterView:
    """A counter as the queue routes see it; its name is that of the first resource (by
    id) that has it."""

    id: str
    name: dict[str, str]
    departments: frozenset[str]
    resource_ids: tuple[str, ...]


def find_counter(session: Session, code: str, counter_id: str) -> QueueCounterView | None:
    having = [r for r in active_resources(session, code)
              if r.queue is not None and r.queue.counter == counter_id]
    if not having or having[0].queue is None:
        return None
    return QueueCounterView(counter_id, dict(having[0].queue.name),
                            frozenset(r.department for r in having),
                            tuple(r.id for r in having))



def all_counters(session: Session, code: str) -> list[QueueCounterView]:
    """Every counter of the municipality's active resources, sorted by id; each as
    `find_counter` gives it."""
    having: dict[str, list[Resource]] = {}
    for resource in active_resources(session, code):  # (by id)
        if resource.queue is not None:
            having.setdefault(resource.queue.counter, []).append(resource)
    return [QueueCounterView(counter_id, dict(queue.name),
                             frozenset(r.department for r in having[counter_id]),
                             tuple(r.id for r in having[counter_id]))
            for counter_id in sorted(having)
            if (queue := having[counter_id][0].queue) is not None]
