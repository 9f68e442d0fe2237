"""Sensitive collections are AES-GCM ciphertext on disk; the data key lives in the keyring."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from keyring.backends.fail import Keyring as NoKeyring

from offline_store.crypto import RECORD, SENSITIVE_COLLECTIONS, ValueCipher, new_data_key
from offline_store.data_key_store import KeyringDataKeyStore, MemoryDataKeyStore
from offline_store.database import open_user_store
from offline_store.errors import DataKeyMissing, DataKeyStoreUnavailable, StoreCorrupted
from tests.store.conftest import COMMON_ID

SECRET = "血圧152/98・要再検査"
PUBLICISH = "ゴミ収集カレンダー既読マーカー"


def _all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())


def test_sensitive_values_are_not_in_the_file_and_others_are(store):
    assert set(SENSITIVE_COLLECTIONS) == {"health_records", "health_device", "wallet",
                                          "school", "identity", "procedure_drafts",
                                          "procedure_submissions", "reservations"}
    store.apply_local("health_records", "h1", {"note": SECRET}, "health.add",
                      {"note": SECRET + "(args)"})
    store.apply_changes("user", [
        {"position": 1, "collection": "wallet", "key": "w1", "op": "upsert",
         "data": {"memo": SECRET + "(wallet)"}},
        {"position": 2, "collection": "notices_read", "key": "n1", "op": "upsert",
         "data": {"memo": PUBLICISH}},
    ], 2)
    store.close()
    raw = _all_bytes(store.path)
    assert SECRET.encode() not in raw
    assert PUBLICISH.encode() in raw


def test_sensitive_rows_read_back_decrypted(store):
    store.apply_local("school", "s1", {"class": "3-2", "note": SECRET}, "school.note",
                      {"note": SECRET})
    assert store.read("school", "s1").data == {"class": "3-2", "note": SECRET}
    assert store.outbox()[0].args == {"note": SECRET}


def test_sensitive_collections_are_configurable(data_dir, key_store):
    store = open_user_store(data_dir, COMMON_ID, key_store,
                            sensitive_collections={"diary"})
    store.apply_local("diary", "d1", {"text": SECRET}, "diary.write", {})
    store.apply_local("health_records", "h1", {"text": PUBLICISH}, "health.add", {})
    store.close()
    raw = _all_bytes(store.path)
    assert SECRET.encode() not in raw
    assert PUBLICISH.encode() in raw


def _tamper(path: Path, sql: str) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


def test_a_tampered_ciphertext_raises_store_corrupted(store, data_dir, key_store):
    store.apply_local("wallet", "w1", {"points": 10}, "wallet.add", {"points": 10})
    store.close()
    _tamper(store.path, "UPDATE local_record SET data = substr(data, 1, length(data) - 1) "
                        "|| X'00' WHERE key = 'w1'")
    _tamper(store.path, "UPDATE outbox SET args = CAST(substr(args, 1, length(args) - 1) "
                        "|| X'00' AS BLOB)")
    reopened = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        with pytest.raises(StoreCorrupted):
            reopened.read("wallet", "w1")
        with pytest.raises(StoreCorrupted):
            reopened.outbox()
    finally:
        reopened.close()


def test_a_ciphertext_moved_to_another_row_fails(store, data_dir, key_store):
    store.apply_local("wallet", "mine", {"points": 1}, "wallet.add", {})
    store.apply_local("wallet", "other", {"points": 99999}, "wallet.add", {})
    store.close()
    _tamper(store.path, "UPDATE local_record SET data = (SELECT data FROM local_record "
                        "WHERE key = 'other') WHERE key = 'mine'")
    reopened = open_user_store(data_dir, COMMON_ID, key_store)
    try:
        with pytest.raises(StoreCorrupted):
            reopened.read("wallet", "mine")
        assert reopened.read("wallet", "other").data == {"points": 99999}
    finally:
        reopened.close()


@pytest.mark.parametrize("lose", ["wrong key", "no key"])
def test_a_missing_or_wrong_key_rebuilds_the_store_and_says_what_was_lost(
        store, data_dir, key_store, lose):
    """Unsent changes in encrypted collections cannot be read without the key: they are
    counted as lost; plain ones are queued again; the resident is told."""
    store.apply_local("identity", "me", {"name": "津山 太郎"}, "identity.update", {})
    store.apply_local("preferences", "theme", {"value": "dark"}, "set",
                      {"key": "theme", "value": "dark"})
    store.close()
    keys = key_store if lose == "wrong key" else MemoryDataKeyStore()
    if lose == "wrong key":
        key_store.save(store.store_id, new_data_key())
    rebuilt = open_user_store(data_dir, COMMON_ID, keys)
    try:
        [recovery] = rebuilt.recoveries()
        assert (recovery.kind, recovery.recovered, recovery.lost) == ("key_lost", 1, 1)
        assert rebuilt.read("identity", "me") is None
        assert rebuilt.read("preferences", "theme").data == {"value": "dark"}
        assert [e.name for e in rebuilt.outbox()] == ["set"]
        assert rebuilt.client_id != store.client_id
    finally:
        rebuilt.close()


def test_cipher_binds_purpose_collection_and_key():
    cipher = ValueCipher(new_data_key())
    sealed = cipher.encrypt(b"{}", RECORD, "wallet", "a")
    assert cipher.decrypt(sealed, RECORD, "wallet", "a") == b"{}"
    for place in ((RECORD, "wallet", "b"), (RECORD, "school", "a"), ("outbox-args", "wallet", "a")):
        with pytest.raises(StoreCorrupted):
            cipher.decrypt(sealed, *place)
    with pytest.raises(StoreCorrupted):
        ValueCipher(new_data_key()).decrypt(sealed, RECORD, "wallet", "a")
    with pytest.raises(StoreCorrupted):
        cipher.decrypt(b"\x01short", RECORD, "wallet", "a")
    assert cipher.encrypt(b"{}", RECORD, "wallet", "a") != sealed  # a fresh nonce each time


def test_keyring_data_key_store_keeps_base64_of_32_bytes(data_dir, file_keyring):
    store = open_user_store(data_dir, COMMON_ID, KeyringDataKeyStore())
    store.apply_local("wallet", "w1", {"points": 5}, "wallet.add", {})
    store.close()
    saved = json.loads(file_keyring.read_text())
    entry = f"tsuyama-portal/data-key:{store.store_id}"
    assert list(saved) == [entry]
    assert len(base64.b64decode(saved[entry])) == 32
    assert COMMON_ID not in file_keyring.read_text()
    reopened = open_user_store(data_dir, COMMON_ID, KeyringDataKeyStore())
    assert reopened.read("wallet", "w1").data == {"points": 5}
    reopened.wipe()
    assert json.loads(file_keyring.read_text()) == {}
    KeyringDataKeyStore().delete(store.store_id)  # deleting twice is fine


def test_keyring_garbage_is_reported_as_a_missing_key(file_keyring):
    file_keyring.write_text(json.dumps({"tsuyama-portal/data-key:abc": "not base64!"}))
    with pytest.raises(DataKeyMissing):
        KeyringDataKeyStore().load("abc")


def test_no_keyring_is_reported(data_dir):
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        with pytest.raises(DataKeyStoreUnavailable):
            open_user_store(data_dir, COMMON_ID, KeyringDataKeyStore())
    finally:
        keyring.set_keyring(previous)
