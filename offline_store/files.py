"""Where the store files are, and how they are removed."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_MUNICIPALITY_CODE = re.compile(r"\d{6}")


def user_store_id(common_id: str) -> str:
    """The hash that names a user's file and data key; the common ID itself never appears."""
    if not common_id:
        raise ValueError("common_id is empty")
    return hashlib.sha256(common_id.encode("utf-8")).hexdigest()[:32]


def user_store_path(data_dir: Path, common_id: str) -> Path:
    return data_dir / "users" / f"{user_store_id(common_id)}.sqlite3"


def public_store_path(data_dir: Path, municipality_code: str) -> Path:
    if not _MUNICIPALITY_CODE.fullmatch(municipality_code):
        raise ValueError(f"not a 6-digit municipality code: {municipality_code!r}")
    return data_dir / "public" / f"{municipality_code}.sqlite3"


def sqlite_files(path: Path) -> list[Path]:
    """The database file and its companions (WAL, shared memory, rollback journal)."""
    return [path.with_name(path.name + suffix) for suffix in SQLITE_SUFFIXES]


def delete_sqlite_files(path: Path) -> None:
    for file in sqlite_files(path):
        file.unlink(missing_ok=True)
