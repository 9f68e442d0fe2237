"""One tile list: every app tile (`app/shell/registry.py`) has a backend spec
(`backend/tiles/registry.py`) that says whether it has a server part, and every backend tile
has an app tile. The app never imports the backend, so this test reads both registries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.shell.registry import FeatureRegistry
from backend.tiles.registry import tile_specs
from backend.tiles.spec import ServerPart, TileSpec


def pairing_problems(app_orders: Mapping[str, int], backend: Iterable[TileSpec]) -> list[str]:
    """What is wrong with the two lists (empty when they pair up); `app_orders` is each app
    tile's `FeatureSpec.order`."""
    specs = {spec.id: spec for spec in backend}
    problems = [f"app tile {tile!r} has no backend spec: add backend/tiles/{tile}/tile.py "
                "(ServerPart.NONE or NOT_YET if it has no server part) and a registry line"
                for tile in app_orders if tile not in specs]
    problems += [f"backend tile {tile!r} has no app tile (app/features/{tile}/)"
                 for tile in specs if tile not in app_orders]
    for tile, order in app_orders.items():
        spec = specs.get(tile)
        if spec is not None and spec.home is not None and spec.home.order != order:
            problems.append(f"tile {tile!r}: home order {spec.home.order} on the backend, "
                            f"{order} in the app")
    return problems


def app_orders() -> dict[str, int]:
    return {spec.id: spec.order for spec in FeatureRegistry.load()}


def test_app_and_backend_list_the_same_tiles() -> None:
    assert pairing_problems(app_orders(), tile_specs()) == []


def test_every_backend_tile_says_whether_it_has_a_server_part() -> None:
    for spec in tile_specs():
        assert isinstance(spec.server, ServerPart), spec.id
        assert spec.summary.strip(), spec.id
        if spec.server is ServerPart.BUILT:
            assert (spec.routers or spec.staff_routers or spec.sync_collections
                    or spec.startup or spec.export), f"{spec.id} is BUILT but declares nothing"


def test_the_check_finds_a_missing_half_either_way() -> None:
    orders = app_orders()
    specs = list(tile_specs())
    without_waste = [spec for spec in specs if spec.id != "waste"]
    assert pairing_problems(orders, without_waste) == [
        "app tile 'waste' has no backend spec: add backend/tiles/waste/tile.py "
        "(ServerPart.NONE or NOT_YET if it has no server part) and a registry line"]
    extra = TileSpec(id="wallet", server=ServerPart.NOT_YET, summary="not yet")
    assert pairing_problems(orders, [*specs, extra]) == [
        "backend tile 'wallet' has no app tile (app/features/wallet/)"]
    moved = {**orders, "notices": orders["notices"] + 1}
    assert pairing_problems(moved, specs) == [
        f"tile 'notices': home order {orders['notices']} on the backend, "
        f"{orders['notices'] + 1} in the app"]
