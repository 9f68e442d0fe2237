"""The child process of test_kill_between_write_and_push: writes into a device store (and
optionally syncs in a thread) until the parent kills it with SIGKILL.

    python -m tests.reliability.kill_child DATA_DIR COMMON_ID CLIENT_ID KEY_FILE JOURNAL PREFIX
        [BACKEND_URL]   (access token in TSUYAMA_TEST_ACCESS_TOKEN)

It writes at most 150 records, then idles (its sync thread, if any, goes on pushing).
Before each `apply_local` it appends `begin <key>` to JOURNAL, after it returns
`done <mutation id> <key>`, each line flushed, so the parent knows which write was in flight.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import threading
import time
from pathlib import Path

from offline_store import UserStore, open_user_store

MAX_WRITES = 150  # then the child idles (its sync thread goes on) until it is killed
MAX_SYNCS = 200
IDLE_S = 30.0  # bounded: the parent kills the child long before


class FileDataKeyStore:
    """A persistent data key store in a JSON file (stands in for the OS keyring)."""

    persistent = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def load(self, store_id: str) -> bytes | None:
        raw = self._read().get(store_id)
        return None if raw is None else base64.b64decode(raw)

    def save(self, store_id: str, key: bytes) -> None:
        data = self._read()
        data[store_id] = base64.b64encode(key).decode("ascii")
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)  # atomic: a kill never leaves half a key file

    def delete(self, store_id: str) -> None:
        data = self._read()
        data.pop(store_id, None)
        self.path.write_text(json.dumps(data))


def sync_in_background(store: UserStore, backend_url: str, token: str) -> None:
    from backend_client import BackendClient
    from offline_store.sync_engine import SyncEngine

    async def run() -> None:
        async def access_token() -> str:
            return token

        async with BackendClient(backend_url, retries=0, timeout=10) as client:
            engine = SyncEngine(store, client, access_token, push_batch=5)
            for _ in range(MAX_SYNCS):
                await engine.sync_once()
                await asyncio.sleep(0.01)

    asyncio.run(run())


def main(argv: list[str]) -> int:
    data_dir, common_id, client_id, key_file, journal_path, prefix = argv[:6]
    backend_url = argv[6] if len(argv) > 6 else None
    store = open_user_store(Path(data_dir), common_id, FileDataKeyStore(Path(key_file)),
                            device_id=client_id)
    if backend_url:
        token = os.environ["TSUYAMA_TEST_ACCESS_TOKEN"]
        threading.Thread(target=sync_in_background, args=(store, backend_url, token),
                         daemon=True).start()
    print("ready", flush=True)
    with open(journal_path, "a", buffering=1) as journal:
        for i in range(MAX_WRITES):
            key = f"{prefix}-{i}"
            journal.write(f"begin {key}\n")
            journal.flush()
            entry = store.apply_local(
                "health_records", key, {"id": key, "kind": "steps", "data": {"n": i}},
                "add", {"id": key, "kind": "steps", "data": {"n": i}})
            journal.write(f"done {entry.mutation_id} {key}\n")
            journal.flush()
    time.sleep(IDLE_S)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
