"""The queue under concurrent requests: numbers are never handed out twice, one person's
taps give one ticket, and clerks calling at once never call the same ticket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI

from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer
from tests.backend.test_reservation_queue_helpers import (
    MORNING,
    add_resource,
    clerk,
    fix_now,
    resident,
)

pytestmark = pytest.mark.anyio


async def test_concurrent_takes_and_calls(database_url: str, make_app: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    app: FastAPI = make_app(database_url, load_demo_data=False)
    add_resource(app, "t-kosodate-counter")
    people = [resident(app, f"住民 {i}") for i in range(12)]
    clerks = [clerk(app, name=f"職員 {i}") for i in range(3)]
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        takes = [client.post("/queue/t-kosodate/tickets", headers=bearer(app, person))
                 for person in people]
        taps = [client.post("/queue/t-kosodate/tickets", headers=bearer(app, people[0]))
                for _ in range(4)]
        walk_ins = [client.post("/staff/queue/t-kosodate/tickets", headers=bearer(app, c))
                    for c in clerks]
        answers = await asyncio.gather(*takes, *taps, *walk_ins)
        assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
        by_person = [a.json()["number"] for a in answers[:12]]
        tapped = {a.json()["number"] for a in answers[12:16]} | {by_person[0]}
        assert len(tapped) == 1  # one person, one ticket
        numbers = by_person + [a.json()["number"] for a in answers[16:]]
        assert len(set(numbers)) == 15
        screen = (await client.get("/staff/queue/t-kosodate",
                                   headers=bearer(app, clerks[0]))).json()
        assert screen["waiting"] == 15
        calls = await asyncio.gather(*[
            client.post("/staff/queue/t-kosodate/call", headers=bearer(app, clerks[i % 3]))
            for i in range(18)])
        called = [c.json()["ticket"]["number"] for c in calls if c.status_code == 200]
        assert sorted(called) == sorted(numbers)  # each called once
        assert sum(c.status_code == 409 for c in calls) == 3
