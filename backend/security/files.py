"""Private modes for what the backend keeps on disk: the data folder 0700, the SQLite
database (with its -wal, -shm and -journal files) and the signing key 0600.

The database holds names, addresses, birthdates, health records and pending login secrets;
nobody but the backend's own user may read it. `python -m backend` also sets the umask to
077, so whatever else it creates is private as well.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

logger = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
PRIVATE_UMASK = 0o077


def _tighten(path: Path, mode: int) -> None:
    """chmod `path` to `mode` if others can get at it and it is ours; else warn."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return
    shared_folder = path.is_dir() and info.st_mode & stat.S_ISVTX  # e.g. /tmp: never chmod
    if info.st_uid != os.geteuid() or shared_folder:
        logger.warning("%s can be read by other users (mode %o); make it %o",
                       path, stat.S_IMODE(info.st_mode), mode)
        return
    os.chmod(path, mode)


def private_dir(path: Path, tighten_existing: bool = True) -> Path:
    """Create `path` and its missing parents with mode 0700. An existing folder of ours that
    others can read is tightened unless `tighten_existing` is False (a shared one such as
    /tmp is only warned about)."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        _tighten(folder, PRIVATE_DIR_MODE)  # mkdir's mode is cut by the umask only
    if tighten_existing and not missing:
        _tighten(path, PRIVATE_DIR_MODE)
    return path


def tighten_dirs(*paths: Path) -> None:
    """Make existing folders of ours 0700 (missing ones are left to be created later)."""
    for path in paths:
        if path.is_dir():
            _tighten(path, PRIVATE_DIR_MODE)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists; make an existing one 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)


def tighten_file(path: Path) -> None:
    """Make an existing file of ours 0600 if others can read it (warn if it is not ours)."""
    _tighten(path, PRIVATE_FILE_MODE)


def private_sqlite_files(database: Path) -> None:
    """The database file created 0600 before SQLite opens it (SQLite gives its -wal and -shm
    files the database file's mode); files left by an older version are tightened."""
    private_file(database)
    for suffix in SQLITE_SIDE_FILES:
        _tighten(database.with_name(database.name + suffix), PRIVATE_FILE_MODE)
