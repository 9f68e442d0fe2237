"""Token stores: memory, the OS keyring (through keyring's API), and the fallback."""

import keyring
import pytest
from keyring.backends.fail import Keyring as NoKeyring

from app.account.token_store import (
    FallbackTokenStore,
    KeyringTokenStore,
    MemoryTokenStore,
    StoredLogin,
    TokenStoreUnavailable,
)
from tests.support.file_keyring import FileKeyring

pytestmark = pytest.mark.anyio


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    monkeypatch.setenv("TSUYAMA_TEST_KEYRING_FILE", str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    yield
    keyring.set_keyring(previous)


def test_stored_login_round_trip_and_garbage():
    login = StoredLogin("dev_1", "rt")
    assert StoredLogin.from_json(login.to_json()) == login
    for raw in (None, "", "{", "[]", '{"refresh_token": "x"}'):
        assert StoredLogin.from_json(raw) is None


async def test_memory_store_keeps_nothing_after_clear():
    store = MemoryTokenStore()
    await store.save(StoredLogin("dev_1", "rt"))
    assert await store.load() == StoredLogin("dev_1", "rt")
    await store.clear()
    assert await store.load() is None
    assert store.persistent is False


async def test_keyring_store_writes_the_os_keyring_and_clears_it(file_keyring):
    store = KeyringTokenStore()
    await store.save(StoredLogin("dev_1", "secret-refresh"))
    assert "secret-refresh" in file_keyring.read_text()
    assert await store.load() == StoredLogin("dev_1", "secret-refresh")
    await store.clear()
    await store.clear()  # clearing twice is fine
    assert "secret-refresh" not in file_keyring.read_text()
    assert await store.load() is None


async def test_keyring_unavailable_is_reported(no_keyring):
    with pytest.raises(TokenStoreUnavailable):
        await KeyringTokenStore().save(StoredLogin("dev_1", "rt"))


async def test_fallback_uses_memory_when_there_is_no_keyring(no_keyring):
    store = FallbackTokenStore(KeyringTokenStore())
    assert store.persistent
    await store.save(StoredLogin("dev_1", "rt"))
    assert not store.persistent
    assert await store.load() == StoredLogin("dev_1", "rt")
    await store.clear()
    assert await store.load() is None


@pytest.mark.parametrize(
    ("platform", "web", "kiosk", "flag", "expected"),
    [
        ("android", False, False, "keyring", "SecureStorageTokenStore"),
        ("ios", False, False, "keyring", "SecureStorageTokenStore"),
        ("linux", False, False, "keyring", "FallbackTokenStore"),
        ("android", True, False, "keyring", "FallbackTokenStore"),  # a phone's browser
        ("linux", True, True, "keyring", "MemoryTokenStore"),  # kiosk keeps nothing
        ("linux", True, False, "memory", "MemoryTokenStore"),  # hosted web
    ],
)
def test_each_device_gets_its_token_store(platform, web, kiosk, flag, expected):
    from pathlib import Path
    from types import SimpleNamespace

    import flet as ft

    from app.config import AppConfig
    from app.main import token_store_for

    page = SimpleNamespace(platform=ft.PagePlatform(platform), web=web)
    config = AppConfig(backend_url="http://127.0.0.1:9", data_dir=Path("."), token_store=flag)
    assert type(token_store_for(page, config, kiosk)).__name__ == expected
