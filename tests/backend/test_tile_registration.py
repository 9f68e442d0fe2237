"""Adding a tile is one folder and one registry line: a made-up tile (tests/backend/fake_tile)
added to `TILE_MODULES` is served, synced, exported, deleted and started by the central code
without any other file naming it (ADR 0022)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI

from backend import __main__ as backend_main
from backend.models import all_metadata
from backend.services.home_profile import default_tile_order, home_profile
from backend.settings import Settings
from backend.sync.collections import get_collection, registered
from backend.tiles import registry
from backend.tiles.spec import Deletion, DeletionPolicy, ServerPart, TileSpec
from tests.backend.asgi_client import asgi_client
from tests.backend.fake_tile import tile as fake
from tests.backend.people import bearer, make_person
from tests.backend.sync_helpers import mutation, push

MakeApp = Callable[..., FastAPI]
FAKE_MODULE = "tests.backend.fake_tile.tile"


@pytest.fixture
def with_fake_tile(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The one line a tile adds to backend/tiles/registry.py."""
    monkeypatch.setattr(registry, "TILE_MODULES", (*registry.TILE_MODULES, FAKE_MODULE))
    for seen in fake.seen.values():
        seen.clear()
    yield


def test_without_the_line_the_tile_is_unknown() -> None:
    assert registry.tile_specs().get(fake.TILE_ID) is None
    assert get_collection(fake.COLLECTION) is None


@pytest.mark.usefixtures("with_fake_tile")
def test_the_registry_and_sync_know_the_tile() -> None:
    assert registry.tile_specs().get(fake.TILE_ID) is fake.TILE
    assert registered()[fake.COLLECTION] is fake.TILE.sync_collections[0]
    assert default_tile_order().index(fake.TILE_ID) == default_tile_order().index("waste") + 1
    assert fake.TILE_ID in home_profile(None, None, [], date(2026, 12, 1)).tile_order


@pytest.mark.anyio
@pytest.mark.usefixtures("with_fake_tile")
async def test_create_app_serves_syncs_exports_and_deletes_the_tile(
    database_url: str, make_app: MakeApp
) -> None:
    app = make_app(database_url, tiles={fake.TILE_ID: fake.FakeTileSettings(greeting="やあ")})
    assert fake.seen["startup"] == [app.state.settings.municipality_code]
    person = make_person(app, name="津山 花子")
    headers = bearer(app, person)
    async with asgi_client(app) as client:
        greeting = await client.get("/fake-tile/greeting")
        staff = await client.get("/staff/fake-tile/ping")
        pushed = await push(client, app, person, "phone", [
            mutation(1, fake.COLLECTION, "add", {"id": "n-1", "text": "鶴山公園の桜"})])
        export = await client.get("/me/export", headers=headers)
        deleted = await client.request("DELETE", "/me", json={"confirm": "DELETE"},
                                       headers=headers)

    assert greeting.json() == {"greeting": "やあ"}
    assert staff.json() == {"staff": "pong"}
    assert pushed.status_code == 200, pushed.text
    assert [r["status"] for r in pushed.json()["results"]] == ["applied"]
    document = export.json()
    assert document["synced_data"][fake.COLLECTION] == [{"id": "n-1", "text": "鶴山公園の桜"}]
    assert document["tiles"][fake.TILE_ID] == {"profile": {"favourite": "津山城"}}
    assert deleted.status_code == 204
    assert fake.seen["deleted"] == [person.id]


@pytest.mark.usefixtures("with_fake_tile")
def test_settings_from_env_read_the_tile_section(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TSUYAMA_FAKE_TILE_GREETING", "おはよう")
    settings = Settings.from_env(tmp_path)
    assert fake.TILE.settings_of(settings, fake.FakeTileSettings).greeting == "おはよう"
    bare = Settings(database_url="sqlite://")
    assert fake.TILE.settings_of(bare, fake.FakeTileSettings) == fake.FakeTileSettings()


@pytest.mark.usefixtures("with_fake_tile")
def test_the_command_line_runs_a_tile_command() -> None:
    assert backend_main.main(["tile", fake.TILE_ID, "hello", "--loud"]) == 0
    assert backend_main.main(["hello", "again"]) == 0  # a name only one tile has
    assert backend_main.main(["tile", fake.TILE_ID, "nope"]) == 2
    assert backend_main.main(["tile", "nobody"]) == 2
    assert fake.seen["command"] == [["--loud"], ["again"]]


def test_every_tile_model_is_in_the_metadata() -> None:
    tables = all_metadata().tables
    for spec in registry.tile_specs():
        for model in spec.models:
            assert model.__tablename__ in tables, (spec.id, model)  # type: ignore[attr-defined]
    assert {"notice", "waste_item", "bulky_booking"} <= set(tables)


def test_two_tiles_may_not_share_an_id_or_a_collection() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        registry.TileRegistry([fake.TILE, fake.TILE])
    twin = TileSpec(id="twin", server=ServerPart.BUILT, summary="same collection",
                    sync_collections=fake.TILE.sync_collections)
    with pytest.raises(ValueError, match="two tiles"):
        registry.TileRegistry([fake.TILE, twin])


def test_a_spec_says_what_it_is() -> None:
    with pytest.raises(ValueError, match="BUILT"):
        TileSpec(id="half", server=ServerPart.NOT_YET, summary="x", routers=fake.TILE.routers)
    with pytest.raises(ValueError, match="needs `delete`"):
        DeletionPolicy(Deletion.DELETE, "rows go")
    with pytest.raises(ValueError, match="reason"):
        DeletionPolicy(Deletion.KEEP, " ")
    with pytest.raises(ValueError, match="identifier"):
        TileSpec(id="not-an-id", server=ServerPart.NONE, summary="x")
