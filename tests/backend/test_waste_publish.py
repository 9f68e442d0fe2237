"""Publishing waste content: tables, public change-log rows only for what changed, tombstones,
start-up loading, the read-only collections and `python -m backend import-waste`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from backend.__main__ import main as backend_main
from backend.__main__ import parse_args
from backend.models import SyncChange
from backend.schema import upgrade_to_head
from backend.settings import Settings
from backend.tiles.waste.dataset import DEMO_DIR, load_demo, load_folder
from backend.tiles.waste.models import WasteAreaRow, WasteItemRow
from backend.tiles.waste.publish import publish_dataset
from backend.tiles.waste.records import area_id
from tests.backend.asgi_client import asgi_client
from tests.backend.people import bearer, make_person
from tests.backend.sync_helpers import mutation, push

MakeApp = Callable[..., FastAPI]
CODE = "332038"
KANAZAWA_CODE = "172014"
REPO_ROOT = Path(__file__).resolve().parents[2]
KANAZAWA = REPO_ROOT / "tests" / "fixtures" / "waste" / "kanazawa_2022"
DEMO_CSV = "332038_gomi_bunbetsu_demo.csv"
DEMO_COUNTS = {"waste_items": 193, "waste_areas": 8, "waste_kinds": 8, "waste_centers": 1,
               "waste_remarks": 1, "waste_sources": 1}
SHAPES = {
    "waste_items": {"id", "name", "reading", "category", "notes", "fee_kind", "fee",
                    "fee_notes", "remarks", "synonyms", "source", "is_demo", "translations"},
    "waste_areas": {"id", "name", "center", "schedules", "towns", "week_shift", "source",
                    "is_demo", "reading", "put_out_by", "translations"},
    "waste_kinds": {"label", "sublabel", "description", "color", "order", "source", "is_demo",
                    "short", "icon", "translations"},
    "waste_centers": {"name", "closures", "source", "is_demo", "translations"},
    "waste_remarks": {"id", "text", "source", "is_demo"},
    "waste_sources": {"key", "title", "attribution", "licence", "is_demo", "loaded_at",
                      "week_shift", "put_out_by"},
}


async def public_rows(app: FastAPI, cursor: int = 0, municipality: str | None = None
                      ) -> tuple[list[dict[str, Any]], int]:
    """Every waste row of the public stream after `cursor`, pulled anonymously, and the
    cursor (other tiles' public rows, such as bulky-waste slots, are left out)."""
    params: dict[str, Any] = {"limit": 1000}
    if municipality:
        params["municipality"] = municipality
    rows: list[dict[str, Any]] = []
    async with asgi_client(app) as client:
        while True:
            response = await client.get("/sync/streams/public/pull",
                                        params={**params, "cursor": cursor})
            assert response.status_code == 200, response.text
            page = response.json()
            rows += [row for row in page["changes"] if row["collection"].startswith("waste_")]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return rows, cursor


def source_of(row: dict[str, Any]) -> str:
    data = row["data"]
    return data["key"] if row["collection"] == "waste_sources" else data["source"]


def waste_change_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(SyncChange)
            .where(SyncChange.collection.like("waste_%"))  # type: ignore[attr-defined]
        ).scalar_one()


def demo_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, folder)
    return folder


def edit_csv(path: Path, edit: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\ufeff" + "\r\n".join(edit(lines)) + "\r\n", encoding="utf-8")


@pytest.mark.anyio
async def test_demo_is_published_as_public_rows(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, load_demo_waste=True)
    rows, _ = await public_rows(app)
    person = make_person(app)
    async with asgi_client(app) as client:
        personal = (await client.get("/sync/pull", headers=bearer(app, person))).json()
    assert Counter(row["collection"] for row in rows) == DEMO_COUNTS
    assert all(row["op"] == "upsert" and set(row["data"]) == SHAPES[row["collection"]]
               for row in rows)
    assert personal["changes"] == []
    oven = next(row["data"] for row in rows
                if row["collection"] == "waste_items" and row["data"]["name"] == "電子レンジ")
    assert oven == {
        "id": "135", "name": "電子レンジ", "reading": "でんしれんじ", "category": "粗大ごみ",
        "notes": "申し込み制の戸別収集です。", "fee_kind": "粗大ごみ処理券", "fee": 500,
        "fee_notes": "処理券1枚（500円）を貼って出してください。",
        "remarks": "持ち込みの場合は処理券は不要です（デモ）。",
        "synonyms": ["レンジ", "オーブンレンジ"], "source": "tsuyama_demo", "is_demo": True,
        "translations": {"en": {"name": "Microwave ovens",  # translations.csv (ADR 0028)
                                "keywords": ["microwave", "microwave oven", "oven"]}}}
    center = next(row for row in rows if row["collection"] == "waste_centers")
    assert center["key"] == "津山圏域クリーンセンター"
    assert center["data"]["closures"] == [{"from": "2026-12-30", "to": "2027-01-03"}]
    awa = next(row for row in rows if row["key"] == area_id("阿波"))
    assert {"kind": "有害ごみ", "weekly": [], "nth": [], "months": [],
            "dates": ["2026-06-12", "2026-12-11", "2027-03-12", "2027-06-11"],
            "remarks": ["1"]} in awa["data"]["schedules"]
    with Session(app.state.engine) as session:
        item = session.get(WasteItemRow, (CODE, "135"))
        assert item is not None
        assert (item.name, item.category, item.fee, item.fee_kind, item.source) == (
            "電子レンジ", "粗大ごみ", 500, "粗大ごみ処理券", "tsuyama_demo")
        area = session.get(WasteAreaRow, (CODE, area_id("林田")))
        assert area is not None and area.center == "津山圏域クリーンセンター"


@pytest.mark.anyio
async def test_reimporting_the_same_files_writes_nothing(database_url: str,
                                                         make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, load_demo_waste=True)
    before = waste_change_count(app.state.engine)
    _, cursor = await public_rows(app)
    again = make_app(database_url, load_demo_data=False, load_demo_waste=True)  # a restart
    result = publish_dataset(app.state.engine, CODE, load_demo(CODE))
    assert before == sum(DEMO_COUNTS.values())
    assert result.published and result.changes == 0
    assert waste_change_count(app.state.engine) == before
    assert (await public_rows(again, cursor))[0] == []


@pytest.mark.anyio
async def test_one_fee_edit_and_one_removal(database_url: str, make_app: MakeApp,
                                            tmp_path: Path) -> None:
    app = make_app(database_url, load_demo_data=False)
    folder = demo_copy(tmp_path)
    publish_dataset(app.state.engine, CODE, load_folder(folder, municipality_code=CODE))
    _, cursor = await public_rows(app)
    roof_tile = next(item for item in load_demo().content.items.values() if item.name == "瓦")

    def edit(lines: list[str]) -> list[str]:
        edited = [line.replace(",粗大ごみ処理券,500,", ',粗大ごみ処理券,"1,000",')
                  if line.startswith("332038,135,") else line for line in lines]
        return [line for line in edited if ",瓦," not in line]

    edit_csv(folder / DEMO_CSV, edit)
    result = publish_dataset(app.state.engine, CODE, load_folder(folder, municipality_code=CODE))
    rows, _ = await public_rows(app, cursor)
    assert result.upserts == {"waste_items": 1, "waste_sources": 1}
    assert result.deletes == {"waste_items": 1}
    items = [row for row in rows if row["collection"] == "waste_items"]
    assert [(row["key"], row["op"]) for row in items] == [("135", "upsert"),
                                                          (roof_tile.id, "delete")]
    assert items[0]["data"]["fee"] == 1000 and items[1]["data"] is None
    assert [row["collection"] for row in rows if row["collection"] != "waste_items"] == [
        "waste_sources"]  # its loaded_at moves with the content
    with Session(app.state.engine) as session:
        assert session.get(WasteItemRow, (CODE, "135")).fee == 1000  # type: ignore[union-attr]
        assert session.get(WasteItemRow, (CODE, roof_tile.id)) is None


@pytest.mark.anyio
async def test_kanazawa_loads_fully(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False)
    dataset = load_folder(KANAZAWA, municipality_code=KANAZAWA_CODE)
    print("\n".join(dataset.report.lines()))  # the report, for the record
    result = publish_dataset(app.state.engine, KANAZAWA_CODE, dataset)
    rows, _ = await public_rows(app, municipality=KANAZAWA_CODE)
    counts = Counter(row["collection"] for row in rows)
    assert dataset.report.problems == []
    assert counts == {"waste_items": 1251, "waste_areas": 71, "waste_kinds": 4,
                      "waste_centers": 2, "waste_sources": 1}
    assert sum(result.upserts.values()) == len(rows)
    assert (await public_rows(app))[0] == []  # Tsuyama's public stream has none of it
    source = next(row["data"] for row in rows if row["collection"] == "waste_sources")
    assert (source["key"], source["licence"], source["is_demo"]) == (
        "kanazawa_2022", "MPL-2.0", False)
    # Kanazawa moves a collection inside a centre closure a week later (5374's WeekShift)
    assert source["week_shift"] is True
    assert {row["data"]["week_shift"] for row in rows
            if row["collection"] == "waste_areas"} == {True}


@pytest.mark.anyio
async def test_city_data_replaces_the_demo_for_good(database_url: str, make_app: MakeApp,
                                                    tmp_path: Path) -> None:
    app = make_app(database_url, load_demo_data=False, load_demo_waste=True)
    _, cursor = await public_rows(app)
    city = tmp_path / "city"
    shutil.copytree(KANAZAWA, city)
    (city / "dataset.json").unlink()
    result = publish_dataset(app.state.engine, CODE, load_folder(city, generate_readings=False))
    rows, cursor = await public_rows(app, cursor)
    restarted = make_app(database_url, load_demo_data=False, load_demo_waste=True)
    assert result.deletes == {key: count for key, count in DEMO_COUNTS.items()}
    tombstones = [row for row in rows if row["op"] == "delete"]
    assert len(tombstones) == sum(DEMO_COUNTS.values())
    assert {source_of(row) for row in rows if row["op"] == "upsert"} == {"city"}
    assert (await public_rows(restarted, cursor))[0] == []  # the demo did not come back


@pytest.mark.anyio
async def test_start_up_publishes_the_configured_folder(database_url: str,
                                                        make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, load_demo_waste=True,
                   waste_data_dir=KANAZAWA)
    rows, _ = await public_rows(app)
    assert Counter(row["collection"] for row in rows)["waste_items"] == 1251
    assert {source_of(row) for row in rows} == {"kanazawa_2022"}


def test_a_failed_file_deletes_nothing(database_url: str,
                                       make_test_engine: Callable[[str], Engine],
                                       tmp_path: Path) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    folder = demo_copy(tmp_path)
    publish_dataset(engine, CODE, load_folder(folder))
    before = waste_change_count(engine)
    (folder / "description.csv").write_bytes(b"label\n\x81\x20\n")  # undecodable
    edit_csv(folder / DEMO_CSV, lambda lines: [line for line in lines if ",瓦," not in line])
    dataset = load_folder(folder)
    result = publish_dataset(engine, CODE, dataset)
    assert dataset.report.failed_files == ["description.csv"]
    assert result.deletes == {} and result.deletes_held == 1 + 8  # 瓦 and the 8 kinds
    assert waste_change_count(engine) == before
    assert "kept" in result.summary()


def test_nothing_loaded_publishes_nothing(database_url: str,
                                          make_test_engine: Callable[[str], Engine],
                                          tmp_path: Path) -> None:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    publish_dataset(engine, CODE, load_demo())
    before = waste_change_count(engine)
    (tmp_path / "broken.csv").write_text("ゴミの品目,分別区分\n,\n傘,\n", encoding="utf-8")
    dataset = load_folder(tmp_path)
    result = publish_dataset(engine, CODE, dataset)
    assert not dataset.report.anything_loaded and not result.published
    assert result.summary() == "nothing published: nothing could be loaded"
    assert waste_change_count(engine) == before


def test_concurrent_publishes_write_once(database_url: str,
                                         make_test_engine: Callable[[str], Engine]) -> None:
    engines = [make_test_engine(database_url) for _ in range(3)]
    upgrade_to_head(engines[0])
    dataset = load_demo(CODE)
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def publish(engine: Engine) -> None:
        try:
            barrier.wait()
            publish_dataset(engine, CODE, dataset)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert waste_change_count(engines[0]) == sum(DEMO_COUNTS.values())


@pytest.mark.anyio
async def test_waste_collections_are_read_only(database_url: str, make_app: MakeApp) -> None:
    app = make_app(database_url, load_demo_data=False, load_demo_waste=True)
    person = make_person(app)
    async with asgi_client(app) as client:
        response = await push(client, app, person, "phone-1", [
            mutation(1, "waste_items", "upsert", {"id": "135", "fee": 0}),
            mutation(2, "waste_areas", "set", {"id": "x"}),
        ])
    results = response.json()["results"]
    assert [(r["status"], r["error"]["code"]) for r in results] == [
        ("rejected", "read_only"), ("rejected", "read_only")]
    with Session(app.state.engine) as session:
        assert session.get(WasteItemRow, (CODE, "135")).fee == 500  # type: ignore[union-attr]


def test_settings_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DATABASE_URL", "TSUYAMA_ENV", "TSUYAMA_DEMO_DATA", "TSUYAMA_DEMO_WASTE",
                 "TSUYAMA_WASTE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env(tmp_path)
    assert (settings.load_demo_waste, settings.waste_data_dir) == (True, None)
    monkeypatch.setenv("TSUYAMA_DEMO_DATA", "0")
    assert Settings.from_env(tmp_path).load_demo_waste is False
    monkeypatch.setenv("TSUYAMA_DEMO_WASTE", "1")
    assert Settings.from_env(tmp_path).load_demo_waste is True
    monkeypatch.setenv("TSUYAMA_WASTE_DATA_DIR", str(KANAZAWA))
    assert Settings.from_env(tmp_path).waste_data_dir == KANAZAWA
    monkeypatch.setenv("TSUYAMA_WASTE_DATA_DIR", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=r"TSUYAMA_WASTE_DATA_DIR .* is not a folder"):
        Settings.from_env(tmp_path)
    assert Settings(database_url="sqlite://").load_demo_waste is False


def run_cli(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TSUYAMA_")}
    env.update({"DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"})
    return subprocess.run(
        [sys.executable, "-m", "backend", "import-waste", *args, "--data-dir", str(tmp_path)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def run_in_process(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   database_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    for name in [key for key in os.environ if key.startswith("TSUYAMA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", database_url)
    status = backend_main(["import-waste", *args, "--data-dir", str(tmp_path)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_import_waste_command(database_url: str, make_test_engine: Callable[[str], Engine],
                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = demo_copy(tmp_path)
    bad_row = "332038,999,岡山県津山市,,,,燃やせるごみ,,,,,"  # no name
    edit_csv(folder / DEMO_CSV, lambda lines: [*lines, bad_row])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "x.csv").write_text("ゴミの品目,分別区分\n,燃やせるごみ\n",
                                              encoding="utf-8")

    first = run_cli(database_url, tmp_path, str(folder))  # a real `python -m backend` process
    again = run_in_process(monkeypatch, capsys, database_url, tmp_path, str(folder))
    renamed = run_in_process(monkeypatch, capsys, database_url, tmp_path, str(folder),
                             "--key", "tsuyama_city", "--title", "津山市",
                             "--licence", "CC-BY-4.0")
    dry = run_in_process(monkeypatch, capsys, database_url, tmp_path, str(folder), "--dry-run")
    nothing = run_in_process(monkeypatch, capsys, database_url, tmp_path,
                             str(tmp_path / "empty"))
    missing = run_in_process(monkeypatch, capsys, database_url, tmp_path,
                             str(tmp_path / "nowhere"))

    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("dataset tsuyama_demo (") and lines[0].endswith(f"for {CODE}")
    assert f"{DEMO_CSV}:195: no item name (ゴミの品目)" in lines
    assert lines[-1].startswith("published: ") and "193 waste_items added or changed" in lines[-1]
    assert again[0] == 0 and again[1].splitlines()[-1] == "published: no changes"
    assert renamed[0] == 0, renamed[2]
    assert renamed[1].splitlines()[0] == f"dataset tsuyama_city (津山市) for {CODE}"
    assert dry[0] == 0 and dry[1].splitlines()[-1] == "dry run: nothing published"
    assert nothing[0] == 1
    assert "x.csv:2: no item name (ゴミの品目)" in nothing[1]
    assert "nothing could be loaded" in nothing[2]
    assert missing[0] == 1 and "is not a folder" in missing[2]
    engine = make_test_engine(database_url)
    with engine.connect() as connection:
        sources = connection.execute(select(SyncChange.key, SyncChange.op).where(
            SyncChange.collection == "waste_sources").order_by(SyncChange.position)).all()
    # The third run published the folder under another key: that source replaced the first.
    assert [tuple(row) for row in sources] == [("tsuyama_demo", "upsert"),
                                               ("tsuyama_city", "upsert"),
                                               ("tsuyama_demo", "delete")]


def test_backend_cli_still_parses_server_options() -> None:
    args = parse_args(["--host", "127.0.0.1", "--port", "8123"])
    assert (args.host, args.port) == ("127.0.0.1", 8123)

