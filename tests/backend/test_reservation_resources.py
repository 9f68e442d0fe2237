"""Importing resource definitions (docs/reservations.md §1): the demo folder imports
cleanly with its slots and public rows; a broken file changes nothing (all or nothing) and
every error comes back as `FILE: $.path: message`; `--check` changes nothing; the version
rules; a resource no longer in the folder is withdrawn (its booked slots stay); start-up,
settings and the command. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.schema import upgrade_to_head
from backend.settings import Settings
from backend.tiles.reservations import cli
from backend.tiles.reservations.models import ReservationResource, ReservationSlot
from backend.tiles.reservations.resources.importer import import_folder
from backend.tiles.reservations.resources.publish import (
    PUBLISHED_FIELDS,
    RESOURCES_COLLECTION,
    SLOTS_COLLECTION,
)
from backend.tiles.reservations.resources.store import active_resources, get_resource
from backend.tiles.reservations.settings import (
    DEMO_DIR,
    DIR_VARIABLE,
    ReservationsSettings,
)
from backend.tiles.reservations.startup import load_resources
from tests.backend.reservation_helpers import (
    CODE,
    DEMO_IDS,
    demo_body,
    demo_resource,
    public_rows,
    write_folder,
)

TODAY = date(2027, 4, 26)  # a Monday
NOW = datetime(2027, 4, 26, 1, 0, tzinfo=UTC)


def engine_for(database_url: str, make_test_engine: Callable[[str], Engine]) -> Engine:
    engine = make_test_engine(database_url)
    upgrade_to_head(engine)
    return engine


def demo_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "resources"
    shutil.copytree(DEMO_DIR, folder, ignore=shutil.ignore_patterns("*.md"))
    return folder


def stored(engine: Engine) -> dict[str, tuple[int, bool]]:
    """id -> (version, withdrawn) of every stored resource."""
    with Session(engine) as session:
        rows = session.exec(select(ReservationResource)).all()
        return {row.id: (row.version, row.withdrawn) for row in rows}


def slot_count(engine: Engine, resource_id: str | None = None) -> int:
    with Session(engine) as session:
        statement = select(ReservationSlot)
        if resource_id is not None:
            statement = statement.where(col(ReservationSlot.resource_id) == resource_id)
        return len(session.exec(statement).all())


def run(engine: Engine, folder: Path, **options: bool) -> list[str]:
    report = import_folder(engine, CODE, folder, today=TODAY, now=NOW, **options)
    return report.lines()


def test_the_demo_folder_imports_cleanly_with_slots_and_public_rows(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)

    report = import_folder(engine, CODE, DEMO_DIR, today=TODAY, now=NOW)

    assert report.ok, report.errors
    versions = {i: demo_body(i)["version"] for i in DEMO_IDS}
    assert sorted(report.outcomes) == sorted(f"{i}.json: added (version {versions[i]})"
                                             for i in DEMO_IDS)
    assert stored(engine) == {resource_id: (versions[resource_id], False)
                              for resource_id in DEMO_IDS}
    with Session(engine) as session:
        assert [r.id for r in active_resources(session, CODE)] == DEMO_IDS
        kosodate = get_resource(session, CODE, "kosodate-counter")
    assert kosodate is not None and kosodate.queue is not None
    assert kosodate.queue.counter == "kosodate"
    # 子育て支援課: 13 times a weekday; 4/26 to 5/26 has 19 working weekdays (4/29, 5/3-5/5
    # are holidays).
    assert slot_count(engine, "kosodate-counter") == 13 * 19
    assert report.slots_created == slot_count(engine)
    resources = public_rows(engine, RESOURCES_COLLECTION)
    assert sorted(resources) == DEMO_IDS
    gym = resources["gym-arena"]
    assert gym is not None and set(gym) == set(PUBLISHED_FIELDS)
    assert gym["fee"] == {"amount_yen": 1000, "methods": ["points", "counter"]}
    assert len(public_rows(engine, SLOTS_COLLECTION)) == slot_count(engine)


def test_importing_the_same_folder_again_changes_nothing(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)
    run(engine, DEMO_DIR)
    before = (public_rows(engine, RESOURCES_COLLECTION), slot_count(engine))

    report = import_folder(engine, CODE, DEMO_DIR, today=TODAY, now=NOW)

    assert sorted(report.outcomes) == sorted(
        f"{i}.json: unchanged (version {demo_body(i)['version']})" for i in DEMO_IDS)
    assert report.stored == [] and report.slots_created == 0
    assert (public_rows(engine, RESOURCES_COLLECTION), slot_count(engine)) == before


def test_one_broken_file_stops_the_whole_import_with_every_error(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    broken = demo_body("gym-arena")
    broken["slots"]["times"] = ["09:00", "10:00"]  # 120-minute slots overlap
    broken["fee"]["methods"] = ["card"]
    write_folder(folder, [broken])
    (folder / "meeting-room.json").write_text('{"id": "meeting-room",', "utf-8")

    lines = run(engine, folder)

    assert lines == [
        'gym-arena.json: $.slots.times[1]: "10:00" starts before the slot at "09:00" ends '
        "(120 minutes)",
        'gym-arena.json: $.fee.methods[0]: unknown payment method "card"; known: "points", '
        '"counter"',
        "meeting-room.json: line 1, column 23: not valid JSON: Expecting property name "
        "enclosed in double quotes",
        "3 error(s): nothing imported, the stored resources stay as they are",
    ]
    assert stored(engine) == {} and slot_count(engine) == 0
    assert public_rows(engine, RESOURCES_COLLECTION) == {}


def test_check_only_reports_and_changes_nothing(
        database_url: str, make_test_engine: Callable[[str], Engine]) -> None:
    engine = engine_for(database_url, make_test_engine)

    lines = run(engine, DEMO_DIR, check_only=True)

    assert "kosodate-counter.json: added (version 1)" in lines
    assert lines[-1] == f"check only, nothing stored: {len(DEMO_IDS)} resource(s) importable"
    assert stored(engine) == {} and slot_count(engine) == 0
    assert public_rows(engine, RESOURCES_COLLECTION) == {}


def test_a_changed_body_needs_a_higher_version(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = write_folder(tmp_path / "r", [demo_resource()])
    run(engine, folder)
    changed = demo_resource(offer_hours=12)
    write_folder(folder, [changed])

    refused = run(engine, folder, check_only=True)
    assert refused[0] == ("kosodate-counter.json: $.version: the definition changed but its "
                          "version is 1; the stored one is 1: raise it to 2")
    assert run(engine, folder)[0] == refused[0]
    with Session(engine) as session:
        kept = get_resource(session, CODE, "kosodate-counter")
    assert kept is not None and kept.offer_hours == 24

    write_folder(folder, [{**changed, "version": 2}])
    assert run(engine, folder)[0] == "kosodate-counter.json: updated (version 2)"
    with Session(engine) as session:
        updated = get_resource(session, CODE, "kosodate-counter")
    assert updated is not None and (updated.version, updated.offer_hours) == (2, 12)
    published = public_rows(engine, RESOURCES_COLLECTION)["kosodate-counter"]
    assert published is not None and published["version"] == 2
    # A lower version with the stored body again is refused too.
    write_folder(folder, [{**changed, "version": 1}])
    assert "raise it to 3" in run(engine, folder)[0]


def test_a_resource_no_longer_in_the_folder_is_withdrawn_and_its_booked_slots_stay(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)
    run(engine, folder)
    with Session(engine) as session:
        held = session.exec(select(ReservationSlot).where(
            col(ReservationSlot.resource_id) == "gym-arena").order_by(
            col(ReservationSlot.start))).first()
        assert held is not None
        held.booked = 1
        session.add(held)
        session.commit()
        held_key = f"gym-arena/{held.start.astimezone(UTC).isoformat()}"
    (folder / "gym-arena.json").unlink()

    lines = run(engine, folder)

    assert "gym-arena.json: withdrawn (not in the folder; its booked slots stay)" in lines
    assert stored(engine)["gym-arena"] == (1, True)
    assert slot_count(engine, "gym-arena") == 1
    with Session(engine) as session:
        assert get_resource(session, CODE, "gym-arena") is None
        assert get_resource(session, CODE, "gym-arena", withdrawn_too=True) is not None
        assert "gym-arena" not in [r.id for r in active_resources(session, CODE)]
    assert public_rows(engine, RESOURCES_COLLECTION)["gym-arena"] is None
    slots = public_rows(engine, SLOTS_COLLECTION)
    gym_rows = {key: data for key, data in slots.items() if key.startswith("gym-arena/")}
    assert [key for key, data in gym_rows.items() if data is not None] == [held_key]

    write_folder(folder, [demo_body("gym-arena")])
    assert "gym-arena.json: restored (version 1)" in run(engine, folder)
    assert stored(engine)["gym-arena"] == (1, False)
    assert slot_count(engine, "gym-arena") == len(gym_rows)


def test_an_empty_or_missing_folder_is_an_error(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    assert run(engine, tmp_path)[0] == f"{tmp_path}: no resource files (*.json) in this folder"
    assert run(engine, tmp_path / "nope")[0] == f"{tmp_path / 'nope'}: not a folder"


def test_start_up_loads_the_demo_or_the_city_folder(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = engine_for(database_url, make_test_engine)
    off = Settings(database_url=database_url, load_demo_data=False)
    demo = Settings(database_url=database_url, load_demo_data=True)

    assert load_resources(engine, off) is None
    assert stored(engine) == {}
    first = load_resources(engine, demo)
    assert first is not None and first.ok and sorted(stored(engine)) == DEMO_IDS
    assert slot_count(engine) > 0

    city = write_folder(tmp_path / "city", [demo_resource(demo=False, version=2)])
    configured = Settings(database_url=database_url, load_demo_data=True,
                          tiles={"reservations": ReservationsSettings(resources_dir=city)})
    third = load_resources(engine, configured)
    assert third is not None and third.ok
    assert {i for i, (_, withdrawn) in stored(engine).items() if not withdrawn} \
        == {"kosodate-counter"}


def test_the_settings_read_the_folder_variable(tmp_path: Path) -> None:
    assert ReservationsSettings.from_env({}) == ReservationsSettings()
    assert ReservationsSettings.from_env({DIR_VARIABLE: str(tmp_path)}).resources_dir \
        == tmp_path
    with pytest.raises(ValueError, match=DIR_VARIABLE):
        ReservationsSettings.from_env({DIR_VARIABLE: str(tmp_path / "missing")})


def test_the_command_checks_imports_and_reports_errors(
        database_url: str, make_test_engine: Callable[[str], Engine], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv(DIR_VARIABLE, raising=False)
    engine = engine_for(database_url, make_test_engine)
    folder = demo_copy(tmp_path)

    assert cli.main([str(folder), "--check"]) == 0
    assert "kosodate-counter.json: added (version 1)" in capsys.readouterr().out
    assert stored(engine) == {}

    assert cli.main([str(folder)]) == 0
    count = len(DEMO_IDS)
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"imported: {count} resource(s), {count} stored, ")
    assert sorted(stored(engine)) == DEMO_IDS

    write_folder(folder, [demo_resource(department="sports")])
    assert cli.main([str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith('kosodate-counter.json: $.department: unknown department '
                             '"sports"')
    assert err[-1].startswith("1 error(s): nothing imported")
    assert cli.COMMAND == "import-resources"
