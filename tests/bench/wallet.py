"""Points ledger throughput on PostgreSQL, next to pgbench on the same server (issue 13).

- ledger_tps: transfers per second posted by `clients` threads calling the ledger's public
  API (`backend.tiles.points.api`, no HTTP) for `seconds`, each its own transaction with
  its idempotency key, account locks, lots, `wallet` change-log rows: a mix of payments
  to shops (60 %), payments to the city (10 %) and earns (30 %) over `residents` residents
  who each start with enough points. Only completed transfers count.
- pgbench_tps: `pgbench -b tpcb-like -c <clients> -j 2 -T <seconds>` on a scratch database
  initialised with `pgbench -i -s 1` (dropped afterwards), in the same run.
- ratio: ledger_tps / pgbench_tps (aim: >= 0.5).
- http_tps, http_p99_ms: shop payments by static JPQR code with the PIN through the HTTP
  API (`POST /points/payments`, `python -m backend` on PostgreSQL) with 16 concurrent
  clients, each a resident (`http_figures`).

Both sides serialise somewhere: pgbench at scale 1 on its single branch row, the ledger
on the municipality's change-log counter (every resident posting writes `wallet` rows).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, insert, make_url
from sqlmodel import Session

from app.launcher import free_port
from backend.identity.access_tokens import issue_access_token
from backend.identity.keys import SigningKey
from backend.models import Person
from backend.models.person import ASSURANCE_CARD
from backend.schema import upgrade_to_head
from backend.settings import normalize_database_url
from backend.tiles.points import api
from backend.tiles.points.emv_qr import build_jpqr
from backend.tiles.points.errors import InsufficientPoints
from backend.tiles.points.models import PointsShop
from backend.tiles.points.pin import set_pin
from backend.tiles.points.results import Payee
from backend.tiles.points.shops import jpqr_merchant
from tests.backend.postgres_databases import create_test_database, drop_test_database
from tests.support.backend_health import wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
HTTP_PIN = "2580"

CODE = "332038"
PGBENCH = "/usr/bin/pgbench"
STARTING_POINTS = 1_000_000


def _seed(engine: Engine, residents: int, shops: int) -> tuple[list[str], list[str]]:
    now = datetime.now(UTC)
    people = [str(uuid.uuid4()) for _ in range(residents)]
    shop_ids = [str(uuid.uuid4()) for _ in range(shops)]
    with Session(engine) as session:
        session.execute(insert(Person), [
            {"id": person, "municipality_code": CODE, "upstream_issuer": "https://bench.example",
             "upstream_subject": person, "assurance_level": ASSURANCE_CARD, "role": "resident",
             "name": "", "created_at": now, "updated_at": now} for person in people])
        session.execute(insert(PointsShop), [
            {"id": shop, "municipality_code": CODE, "name": f"店舗{index}",
             "merchant_id": f"{index:013d}", "category": "retail", "postal_code": "708-0000",
             "active": True, "created_at": now} for index, shop in enumerate(shop_ids)])
        session.commit()
    for person in people:
        api.earn(engine, person_id=person, amount=STARTING_POINTS, purpose="event",
                 idempotency_key=f"seed-{person[:8]}")
    return people, shop_ids


def _ledger_tps(engine: Engine, people: list[str], shops: list[str], clients: int,
                seconds: float) -> tuple[float, int]:
    counts = [0] * clients
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        rng = random.Random(index)
        start.wait()
        done = 0
        try:
            while time.perf_counter() < deadline[0]:
                person, key = rng.choice(people), f"b{index}-{done:08}"
                choice = rng.random()
                try:
                    if choice < 0.3:
                        api.earn(engine, person_id=person, amount=rng.randint(1, 50),
                                 purpose="recycling", idempotency_key=key)
                    else:
                        payee = (Payee.city() if choice < 0.4
                                 else Payee.shop(rng.choice(shops)))
                        api.pay(engine, person_id=person, payee=payee,
                                amount=rng.randint(1, 30), purpose="shop_payment",
                                idempotency_key=key)
                except InsufficientPoints:
                    continue
                done += 1
        except BaseException as exc:  # reported after the run
            errors.append(exc)
        counts[index] = done

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return sum(counts) / elapsed, sum(counts)


def _pgbench_tps(clients: int, seconds: float) -> float:
    if not shutil.which(PGBENCH):
        raise RuntimeError(f"{PGBENCH} not found")
    url = create_test_database()
    parsed = make_url(url)
    connection = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432),
                  "-U", parsed.username or "postgres"]
    try:
        subprocess.run([PGBENCH, "-i", "-s", "1", "-q", *connection, str(parsed.database)],
                       check=True, capture_output=True, text=True)
        run = subprocess.run([PGBENCH, "-b", "tpcb-like", "-c", str(clients), "-j", "2",
                              "-T", str(int(seconds)), *connection, str(parsed.database)],
                             check=True, capture_output=True, text=True)
    finally:
        drop_test_database(url)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    if found is None:
        raise RuntimeError(f"no tps in pgbench's output:\n{run.stdout}")
    return float(found[1])


def http_figures(clients: int = 16, seconds: float = 10.0) -> dict[str, float]:
    """The HTTP part: `clients` residents, each its own client, pay a random shop by its
    static JPQR code (`POST /points/payments`, with the PIN) through `python -m backend` on
    a fresh PostgreSQL database for `seconds`: completed payments per second and the 99th
    percentile of their latency. Every request is the resident's whole path: the token, the
    JPQR check, the PIN (scrypt), the ledger, the `wallet` rows."""
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
            people, shop_ids = _seed(engine, clients, 4)
            now = datetime.now(UTC)
            for person in people:
                set_pin(engine, person, CODE, HTTP_PIN, None, now)
            with Session(engine) as session:
                codes = [build_jpqr(jpqr_merchant(session.get_one(PointsShop, shop)))
                         for shop in shop_ids]
            issuer = httpx.get(f"{base_url}/.well-known/openid-configuration").json()["issuer"]
            key = SigningKey.load_or_create(data_dir / "keys" / "signing-key.pem", create=False)
            tokens = [issue_access_token(key, issuer, person) for person in people]
            latencies, elapsed = asyncio.run(_pay_over_http(base_url, tokens, codes, seconds))
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            engine.dispose()
            drop_test_database(url)
    if not latencies:
        raise RuntimeError("no payment went through over HTTP")
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {"http_tps": round(len(latencies) / elapsed, 1), "http_p99_ms": round(p99 * 1000, 1),
            "http_payments": len(latencies)}


async def _pay_over_http(base_url: str, tokens: list[str], codes: list[str],
                         seconds: float) -> tuple[list[float], float]:
    latencies: list[float] = []
    refused: list[str] = []
    limits = httpx.Limits(max_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        start = time.monotonic()
        deadline = start + seconds

        async def client(token: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            while time.monotonic() < deadline:
                body = {"qr_payload": random.choice(codes), "amount": random.randint(1, 50),
                        "pin": HTTP_PIN, "idempotency_key": f"http-{uuid.uuid4().hex}"}
                sent = time.monotonic()
                answer = await http.post("/points/payments", json=body, headers=headers)
                if answer.status_code == 201:
                    latencies.append(time.monotonic() - sent)
                else:
                    refused.append(f"{answer.status_code} {answer.text[:200]}")

        await asyncio.gather(*(client(token) for token in tokens))
        elapsed = time.monotonic() - start
    if refused:
        raise RuntimeError(f"{len(refused)} payments refused, e.g. {refused[0]}")
    return latencies, elapsed


def run(repeat: int = 1, clients: int = 16, seconds: float = 10.0, residents: int = 2000,
        shops: int = 20) -> dict[str, Any]:
    url = create_test_database()
    engine = create_engine(normalize_database_url(url), pool_size=clients, max_overflow=4)
    try:
        upgrade_to_head(engine)
        people, shop_ids = _seed(engine, residents, shops)
        ledger_runs = [_ledger_tps(engine, people, shop_ids, clients, seconds)
                       for _ in range(repeat)]
    finally:
        engine.dispose()
        drop_test_database(url)
    pgbench_runs = [_pgbench_tps(clients, seconds) for _ in range(repeat)]
    ledger_tps = max(tps for tps, _ in ledger_runs)
    pgbench_tps = max(pgbench_runs)
    http = http_figures(clients, seconds)
    return {
        "ledger_tps": round(ledger_tps, 1),
        "pgbench_tps": round(pgbench_tps, 1),
        "ratio": round(ledger_tps / pgbench_tps, 3),
        "http_tps": http["http_tps"],
        "http_p99_ms": http["http_p99_ms"],
        "http_payments": http["http_payments"],
        "ledger_transfers": sum(count for _, count in ledger_runs),
        "clients": clients,
        "seconds": seconds,
        "residents": residents,
    }
