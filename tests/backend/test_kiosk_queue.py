"""Kiosk numbers without a login (docs/reservations.md §3): device keys (only their SHA-256
stored), the kiosk's routes (`X-Kiosk-Key`; 401 without a valid key, the device's counters,
a walk-in's number, 404 outside the device's counters, 429 over its numbers per minute),
the commands `kiosk-add`, `kiosk-list`, `kiosk-revoke` and the development kiosk registered
at start."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from backend.services import clock
from backend.settings import Settings
from backend.tiles.reservations.kiosks import cli
from backend.tiles.reservations.kiosks.bootstrap import DEVICE_NAME, register_bootstrap_kiosk
from backend.tiles.reservations.kiosks.keys import (
    add_device,
    find_device,
    hash_key,
    is_key,
    make_key,
)
from backend.tiles.reservations.kiosks.models import KioskDevice
from backend.tiles.reservations.models import QueueTicket
from backend.tiles.reservations.settings import (
    KIOSK_BOOTSTRAP_VARIABLE,
    KIOSK_LIMIT_VARIABLE,
    ReservationsSettings,
)
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
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
KOSODATE, SHIMIN = "/kiosk/queue/t-kosodate/tickets", "/kiosk/queue/t-shimin/tickets"


def _app(make_app: Any, database_url: str, limit: int = 30) -> FastAPI:
    """Counters t-kosodate (children) and t-shimin (citizens); t-gone's resource is
    withdrawn."""
    app: FastAPI = make_app(database_url, load_demo_data=False, tiles={
        "reservations": ReservationsSettings(kiosk_tickets_per_minute=limit)})
    add_resource(app, "t-kosodate-counter")
    add_resource(app, "t-shimin-counter", department="citizens", counter="t-shimin")
    add_resource(app, "t-gone-counter", counter="t-gone", withdrawn=True)
    return app


def kiosk(app: FastAPI, name: str = "本庁舎1階", counters: Sequence[str] = ()) -> str:
    """A new device's key."""
    with Session(app.state.engine) as session:
        new = add_device(session, app.state.settings.municipality_code, name, counters,
                         MORNING)
        session.commit()
    return new.key


def as_kiosk(key: str) -> dict[str, str]:
    return {"X-Kiosk-Key": key}


def stored_devices(engine: Engine) -> list[KioskDevice]:
    with Session(engine) as session:
        return list(session.scalars(select(KioskDevice).order_by(col(KioskDevice.created_at))))


# --- keys -----------------------------------------------------------------------------------


@SQLITE_ONLY
def test_keys_are_random_and_only_their_hash_is_stored(database_url: str,
                                                       make_app: Any) -> None:
    first, second = make_key(), make_key()
    assert first != second and first.startswith("tk1_") and len(first) == 4 + 43
    assert is_key(first) and not is_key(first[:-1]) and not is_key("tk2_" + first[4:])
    assert not is_key(first + "=")
    assert hash_key(first) == hashlib.sha256(first.encode()).hexdigest()
    app = _app(make_app, database_url)
    key = kiosk(app)
    with Session(app.state.engine) as session:
        device = find_device(session, key)
        assert device is not None and device.key_sha256 == hash_key(key)
        assert find_device(session, make_key()) is None
        assert find_device(session, None) is None and find_device(session, "") is None
    with app.state.engine.connect() as connection:  # the key itself is nowhere
        dump = "\n".join(connection.connection.iterdump())  # type: ignore[attr-defined]
    assert hash_key(key) in dump and key not in dump and key[4:] not in dump


# --- the routes -----------------------------------------------------------------------------


@SQLITE_ONLY
async def test_a_missing_wrong_or_revoked_key_is_refused(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    key, revoked = kiosk(app), kiosk(app, "撤去した端末")
    with Session(app.state.engine) as session:
        device = find_device(session, revoked)
        assert device is not None
        device.revoked_at = MORNING
        session.add(device)
        session.commit()
    fix_now(monkeypatch, MORNING)
    callers: list[dict[str, str]] = [
        {}, as_kiosk(make_key()), as_kiosk("tk1_short"), as_kiosk(revoked),
        as_kiosk(key.upper()), bearer(app, resident(app)), bearer(app, clerk(app))]
    async with asgi_client(app) as client:
        for headers in callers:
            for answer in (await client.get("/kiosk/queue", headers=headers),
                           await client.post(KOSODATE, headers=headers)):
                assert answer.status_code == 401, (headers, answer.text)
                assert answer.json()["detail"]["code"] == "kiosk_key_invalid"
                assert answer.json()["detail"]["message_ja"]
        assert (await client.get("/kiosk/queue", headers=as_kiosk(key))).status_code == 200
    with Session(app.state.engine) as session:
        assert session.scalars(select(QueueTicket)).first() is None


@SQLITE_ONLY
async def test_the_devices_counters_with_their_queues(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    every, shimin_only = kiosk(app), kiosk(app, "市民課前", counters=["t-shimin"])
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        for _ in range(3):
            assert (await client.post(KOSODATE, headers=as_kiosk(every))).status_code == 201
        called = await client.post("/staff/queue/t-kosodate/call", headers=bearer(app, clerk(app)))
        assert called.status_code == 200, called.text
        shown = await client.get("/kiosk/queue", headers=as_kiosk(every))
        limited = await client.get("/kiosk/queue", headers=as_kiosk(shimin_only))
    assert shown.status_code == 200, shown.text
    assert shown.json() == {
        "kiosk": "本庁舎1階",
        "counters": [
            {"counter": "t-kosodate", "name": {"ja": "t-kosodate の窓口",
                                               "en": "t-kosodate counter"},
             "serving": 1, "waiting": 2},
            {"counter": "t-shimin", "name": {"ja": "t-shimin の窓口", "en": "t-shimin counter"},
             "serving": None, "waiting": 0},
        ],
        "as_of": MORNING.isoformat()}
    assert limited.json()["kiosk"] == "市民課前"
    assert [c["counter"] for c in limited.json()["counters"]] == ["t-shimin"]
    seen = {d.name: d.last_seen_at for d in stored_devices(app.state.engine)}
    assert seen == {"本庁舎1階": MORNING, "市民課前": MORNING}


async def test_a_kiosk_hands_out_numbers_up_to_its_limit_per_minute(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url, limit=2)
    key, other = kiosk(app), kiosk(app, "別館")
    hanako, kodomo = resident(app), clerk(app)
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        mine = await client.post("/queue/t-kosodate/tickets", headers=bearer(app, hanako))
        first = await client.post(KOSODATE, headers=as_kiosk(key))
        assert (mine.status_code, first.status_code) == (201, 201)
        assert {k: first.json()[k] for k in ("counter", "number", "status", "channel",
                                             "appointment", "ahead", "name")} == {
            "counter": "t-kosodate", "number": 2, "status": "waiting", "channel": "kiosk",
            "appointment": False, "ahead": 1,
            "name": {"ja": "t-kosodate の窓口", "en": "t-kosodate counter"}}
        fix_now(monkeypatch, MORNING + timedelta(seconds=10))
        second = await client.post(SHIMIN, headers=as_kiosk(key))  # the limit is the device's
        assert (second.status_code, second.json()["number"]) == (201, 1)
        fix_now(monkeypatch, MORNING + timedelta(seconds=30))
        over = await client.post(KOSODATE, headers=as_kiosk(key))
        assert over.status_code == 429, over.text
        assert over.headers["retry-after"] == "30"
        assert over.json()["detail"]["code"] == "kiosk_rate_limited"
        assert over.json()["detail"]["retry_after_s"] == 30
        assert (await client.post(KOSODATE, headers=as_kiosk(other))).status_code == 201
        fix_now(monkeypatch, MORNING + timedelta(seconds=59))
        still = await client.post(KOSODATE, headers=as_kiosk(key))
        assert (still.status_code, still.headers["retry-after"]) == (429, "1")
        fix_now(monkeypatch, MORNING + timedelta(seconds=60))
        again = await client.post(KOSODATE, headers=as_kiosk(key))
        assert (again.status_code, again.json()["number"], again.json()["ahead"]) == (
            201, 4, 3)
        screen = await client.get("/staff/queue/t-kosodate", headers=bearer(app, kodomo))
    assert [(t["number"], t["channel"], t["has_person"], t["kiosk"])
            for t in screen.json()["tickets"]] == [
        (1, "app", True, None), (2, "kiosk", False, "本庁舎1階"),
        (3, "kiosk", False, "別館"), (4, "kiosk", False, "本庁舎1階")]
    with Session(app.state.engine) as session:
        rows = session.scalars(select(QueueTicket).where(col(QueueTicket.kiosk_id).is_not(None))
                               .order_by(col(QueueTicket.id))).all()
        assert [(r.counter, r.number, r.person_id) for r in rows] == [
            ("t-kosodate", 2, None), ("t-shimin", 1, None), ("t-kosodate", 3, None),
            ("t-kosodate", 4, None)]


@SQLITE_ONLY
async def test_a_counter_not_among_the_devices_is_not_found(
        database_url: str, make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(make_app, database_url)
    shimin_only, every = kiosk(app, counters=["t-shimin"]), kiosk(app, "本庁舎")
    fix_now(monkeypatch, MORNING)
    async with asgi_client(app) as client:
        refused = [await client.post(KOSODATE, headers=as_kiosk(shimin_only)),
                   await client.post("/kiosk/queue/t-gone/tickets", headers=as_kiosk(every)),
                   await client.post("/kiosk/queue/nowhere/tickets", headers=as_kiosk(every))]
        taken = await client.post(SHIMIN, headers=as_kiosk(shimin_only))
        bad = await client.post("/kiosk/queue/NOT_A_COUNTER/tickets", headers=as_kiosk(every))
    assert [(r.status_code, r.json()["detail"]["code"]) for r in refused] == [
        (404, "counter_not_found")] * 3
    assert taken.status_code == 201
    assert bad.status_code == 422


# --- commands -------------------------------------------------------------------------------


@SQLITE_ONLY
def test_the_commands_add_list_and_revoke_kiosks(
        database_url: str, make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    app = _app(make_app, database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    folder = ["--data-dir", str(tmp_path / "data")]
    assert set(cli.COMMANDS) == {"kiosk-add", "kiosk-list", "kiosk-revoke"}

    assert cli.add_main(["--name", "誤り", "--counter", "t-nowhere", *folder]) == 1
    assert "no such counter: t-nowhere" in capsys.readouterr().err
    assert cli.add_main(["--name", "本庁舎1階", "--counter", "t-shimin", *folder]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[0] for line in out] == ["id", "key"]
    device_id, key = out[0].split(": ")[1], out[1].split(": ")[1]
    assert is_key(key)
    assert cli.add_main(["--name", "別館", *folder]) == 0
    capsys.readouterr()
    with Session(app.state.engine) as session:
        device = find_device(session, key)
        assert device is not None and device.id == device_id
        assert device.counter_ids() == ("t-shimin",)

    assert cli.list_main(folder) == 0
    listed = capsys.readouterr().out
    assert key not in listed and key[4:] not in listed and hash_key(key) not in listed
    lines = [line.split("\t") for line in listed.splitlines()]
    assert lines[0] == ["id", "name", "counters", "created", "last_seen", "revoked"]
    first = lines[1]
    assert (first[0], first[1], first[2], first[4], first[5]) == (
        device_id, "本庁舎1階", "t-shimin", "-", "-")
    assert [row[1:3] for row in lines[1:]] == [["本庁舎1階", "t-shimin"], ["別館", "all"]]

    assert cli.revoke_main([device_id, *folder]) == 0
    assert cli.revoke_main([device_id, *folder]) == 1
    assert cli.revoke_main(["no-such-id", *folder]) == 1
    capsys.readouterr()
    with Session(app.state.engine) as session:
        assert find_device(session, key) is None
    assert cli.list_main(folder) == 0
    revoked = capsys.readouterr().out.splitlines()[1].split("\t")
    assert revoked[0] == device_id and revoked[5] != "-"


# --- settings and the development kiosk -----------------------------------------------------


def test_the_settings_read_the_kiosk_variables() -> None:
    key = make_key()
    read = ReservationsSettings.from_env({KIOSK_LIMIT_VARIABLE: "5",
                                          KIOSK_BOOTSTRAP_VARIABLE: key})
    assert (read.kiosk_tickets_per_minute, read.kiosk_bootstrap_key) == (5, key)
    assert key not in repr(read)
    assert ReservationsSettings.from_env({}).kiosk_tickets_per_minute == 30
    for bad in ({KIOSK_LIMIT_VARIABLE: "many"}, {KIOSK_LIMIT_VARIABLE: "0"},
                {KIOSK_BOOTSTRAP_VARIABLE: "tk1_short"}):
        with pytest.raises(ValueError, match="TSUYAMA_KIOSK_") as refused:
            ReservationsSettings.from_env(bad)
        assert "tk1_short" not in str(refused.value)


@SQLITE_ONLY
def test_the_development_kiosk_is_registered_once_and_only_in_development(
        database_url: str, make_test_engine: Callable[[str], Engine],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    engine = make_test_engine(database_url)
    fix_now(monkeypatch, MORNING)
    key = make_key()

    def settings(**overrides: Any) -> Settings:
        return Settings(database_url=database_url, tiles={
            "reservations": ReservationsSettings(kiosk_bootstrap_key=key)}, **overrides)

    caplog.set_level(logging.INFO)
    assert register_bootstrap_kiosk(engine, settings(environment="production")) is None
    assert register_bootstrap_kiosk(engine, settings(load_demo_data=False)) is None
    assert stored_devices(engine) == []
    assert sum(KIOSK_BOOTSTRAP_VARIABLE in r.getMessage() and r.levelname == "WARNING"
               for r in caplog.records) == 2
    assert register_bootstrap_kiosk(engine, Settings(database_url=database_url)) is None

    made = register_bootstrap_kiosk(engine, settings())
    assert made is not None and made.name == DEVICE_NAME
    assert register_bootstrap_kiosk(engine, settings()) is None  # known already
    devices = stored_devices(engine)
    assert [(d.name, d.counter_ids(), d.key_sha256, d.created_at) for d in devices] == [
        (DEVICE_NAME, (), hash_key(key), clock.utc_now())]
    assert key not in caplog.text
