"""Bookings over HTTP on PostgreSQL (issue 16, docs/reservations.md §5).

`clients` residents (16), each its own HTTP client and sync session, push `book` mutations
(`POST /sync/push`, one mutation per request, the way a device sends a booking made
online) to `python -m backend` on a fresh PostgreSQL database for `seconds`. Every client
books the same slots in the same order (the next slot once it holds one there), so the
requests meet on the same slot rows and on the booking-number counter: the contention of a
popular counter opening its window. Each request is the resident's whole path: the token,
the push engine with its receipt, the rules (limits, overlaps, window), the conditional
UPDATE of the slot, the booking number, the history, the change-log rows.

Figures: `bookings_per_s` (applied bookings per second), `p50_ms`, `p99_ms` (latency of
an applied booking's request), `bookings`, `refused` (must be 0).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, insert
from sqlmodel import Session

from app.launcher import free_port
from backend.identity.access_tokens import issue_access_token
from backend.identity.keys import SigningKey
from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.services.clock import CITY_TIME_ZONE, city_today
from backend.settings import normalize_database_url
from backend.tiles.reservations.resource import parse_resource
from backend.tiles.reservations.resources.publish import publish_resources
from backend.tiles.reservations.resources.store import save_resource
from backend.tiles.reservations.slots import ensure_slots
from tests.backend.postgres_databases import create_test_database, drop_test_database
from tests.support.backend_health import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
CODE = "332038"
RESOURCE = "bench-hall"
TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30)]


def _resource_body() -> dict[str, Any]:
    """Every half hour of every day, many places, open until the slot starts."""
    return {
        "format": 1, "id": RESOURCE, "version": 1, "demo": False, "kind": "facility",
        "title": {"ja": "ベンチ用ホール", "en": "Bench hall"}, "summary": {},
        "department": "bench", "place": {"ja": "市役所", "en": "City hall"},
        "categories": ["facility"], "who": {"residency": "any", "min_age": None},
        "slots": {"weekdays": [1, 2, 3, 4, 5, 6, 7], "times": TIMES, "minutes": 30,
                  "capacity": 1000, "buffer_minutes": 0},
        "window": {"opens_days_before": 30, "closes_working_days_before": 0},
        "limits": {}, "fee": None, "waiting_list": True, "questions": None, "queue": None,
    }


def _seed(engine: Engine, residents: int) -> tuple[list[str], list[str]]:
    """The resource with its slots and the residents; the slot starts from tomorrow on."""
    body = _resource_body()
    resource = parse_resource(body)
    now = datetime.now(UTC)
    today = city_today()
    people = [str(uuid.uuid4()) for _ in range(residents)]
    with Session(engine) as session:
        save_resource(session, CODE, body, now)
        session.flush()
        publish_resources(session, CODE, [body], [])
        ensure_slots(session, CODE, resource, today, now)
        session.execute(insert(Person), [
            {"id": person, "municipality_code": CODE, "upstream_issuer": "https://bench.example",
             "upstream_subject": person, "assurance_level": ASSURANCE_CARD, "role": "resident",
             "name": "", "created_at": now, "updated_at": now} for person in people])
        session.commit()
    tomorrow = today + timedelta(days=1)
    starts = [datetime.combine(tomorrow + timedelta(days=day),
                               datetime.strptime(at, "%H:%M").time(),
                               tzinfo=CITY_TIME_ZONE).isoformat()
              for day in range(28) for at in TIMES]
    return people, starts


async def _book_over_http(base_url: str, tokens: list[str], starts: list[str],
                          seconds: float) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    refused: list[str] = []
    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        began = time.monotonic()
        deadline = began + seconds

        async def client(index: int, token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            for seq, slot_start in enumerate(starts, start=1):
                if time.monotonic() >= deadline:
                    return
                mutation = {"seq": seq, "mutation_id": str(uuid.uuid4()),
                            "collection": "reservations", "name": "book",
                            "args": {"id": str(uuid.uuid4()), "resource_id": RESOURCE,
                                     "slot_start": slot_start},
                            "created_at": datetime.now(UTC).isoformat()}
                sent = time.monotonic()
                answer = await http.post("/sync/push", headers=headers, json={
                    "client_id": f"bench-{index}", "mutations": [mutation]})
                took = time.monotonic() - sent
                result = answer.json()["results"][0] if answer.status_code == 200 else None
                if result is not None and result["status"] == "applied":
                    latencies.append(took)
                else:
                    refused.append(f"{answer.status_code} {answer.text[:300]}")

        await asyncio.gather(*(client(i, token) for i, token in enumerate(tokens)))
        elapsed = time.monotonic() - began
    return latencies, refused, elapsed


def run(clients: int = 16, seconds: float = 10.0, repeat: int = 1) -> dict[str, Any]:
    url = create_test_database()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        env = {k: v for k, v in os.environ.items()
               if k != "DATABASE_URL" and not k.startswith("TSUYAMA_")}
        env.update({"TSUYAMA_ENV": "development", "DATABASE_URL": url,
                    "TSUYAMA_DEMO_DATA": "0", "PYTHONUNBUFFERED": "1"})
        process = subprocess.Popen(
            [sys.executable, "-m", "backend", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        engine = create_engine(normalize_database_url(url))
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_until_healthy(base_url, process)
            people, starts = _seed(engine, clients)
            issuer = httpx.get(f"{base_url}/.well-known/openid-configuration").json()["issuer"]
            key = SigningKey.load_or_create(data_dir / "keys" / "signing-key.pem", create=False)
            tokens = [issue_access_token(key, issuer, person) for person in people]
            runs = [asyncio.run(_book_over_http(base_url, tokens, starts, seconds))
                    for _ in range(repeat)]
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            engine.dispose()
            drop_test_database(url)
    latencies = sorted(took for run_latencies, _, _ in runs for took in run_latencies)
    refused = [text for _, run_refused, _ in runs for text in run_refused]
    if refused:
        raise RuntimeError(f"{len(refused)} bookings refused, e.g. {refused[0]}")
    if not latencies:
        raise RuntimeError("no booking went through over HTTP")
    elapsed = sum(run_elapsed for _, _, run_elapsed in runs)

    def percentile(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * share))] * 1000, 1)

    return {"bookings_per_s": round(len(latencies) / elapsed, 1), "p50_ms": percentile(0.5),
            "p99_ms": percentile(0.99), "bookings": len(latencies), "refused": len(refused),
            "clients": clients, "seconds": seconds}
