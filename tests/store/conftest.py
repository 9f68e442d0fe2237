"""Fixtures of the offline store tests: a data folder, a keyring file, a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest

from offline_store.data_key_store import MemoryDataKeyStore
from offline_store.database import open_user_store
from offline_store.repository import UserStore
from tests.support.file_keyring import FileKeyring

COMMON_ID = "common-0001-resident"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TSUYAMA_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def key_store() -> MemoryDataKeyStore:
    """A persistent-looking key store that survives reopening within a test."""
    return MemoryDataKeyStore()


@pytest.fixture
def store(data_dir: Path, key_store: MemoryDataKeyStore, clock: FakeClock) -> Iterator[UserStore]:
    opened = open_user_store(data_dir, COMMON_ID, key_store, device_id="dev_test", clock=clock)
    yield opened
    opened.close()
