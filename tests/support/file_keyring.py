"""A keyring backend for tests: the OS keyring's stand-in on machines without one (CI has no
Secret Service daemon). Select it with PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring
and TSUYAMA_TEST_KEYRING_FILE=/path/keyring.json; the tests then read that file to see exactly
what the app left in "the keyring"."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

_LOCK = threading.Lock()


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["TSUYAMA_TEST_KEYRING_FILE"])

    def _read(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        with _LOCK:
            return self._read().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with _LOCK:
            data = self._read()
            data[f"{service}/{username}"] = password
            self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        with _LOCK:
            data = self._read()
            if data.pop(f"{service}/{username}", None) is None:
                raise PasswordDeleteError("not found")
            self._write(data)
