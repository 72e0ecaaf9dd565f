"""What vCompanion writes is for the account that runs it, and no one else.

Inventory workbooks, the log (sign-ins, vCenter names, errors), the SQLite
databases and the cookie secret: on POSIX every folder vCompanion keeps
them in is made ``0700`` and every file ``0600``, whatever the umask.  On
Windows modes do not apply (these functions leave the files as they are):
files inherit the ACL of their folder, so vCompanion, its ``data_dir`` and
its ``logs_dir`` belong in the profile of the account that runs it
(docs/dashboards.md, "Files on the server").

Use ``private_dir`` for vCompanion's own folders (``data_dir``, ``logs_dir``
and the folders in them: an existing one is tightened), ``make_dirs`` for a
folder the user named (only what is missing is created, privately),
``create_private`` to create a file, and ``private_sqlite`` before opening a
SQLite database (its journal files then get the same mode).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def restrict(path: str | os.PathLike, mode: int = FILE_MODE) -> None:
    """``chmod path mode`` on POSIX (nothing elsewhere); failures are logged."""
    if not POSIX:
        return
    try:
        os.chmod(path, mode)
    except OSError as exc:
        log.warning("cannot make %s private (mode %o): %s", path, mode,
                    exc.strerror or exc)


def make_dirs(path: str | os.PathLike) -> Path:
    """Create the folder ``path`` and any missing parents, each ``0700``;
    folders that exist are left as they are.  Returns ``path``."""
    path = Path(path)
    missing = []
    folder = path
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # made meanwhile by someone else: theirs to decide
        restrict(folder, DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def private_dir(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """``path`` as a folder only its owner can open: created as ``make_dirs``
    does, and, if it existed with access for others, tightened to ``0700``;
    with ``root`` (a parent of ``path``, e.g. ``data_dir``), so are ``root``
    and every folder between.  Only folders this account owns are changed."""
    path = Path(path)
    make_dirs(path)
    folders = [path]
    if root is not None and Path(root) in path.parents:
        folders += [p for p in path.parents if Path(root) in (p, *p.parents)]
    for folder in folders:
        _tighten(folder)
    return path


def _tighten(folder: Path) -> None:
    if not POSIX:
        return
    try:
        info = folder.stat()
    except OSError:
        return
    if info.st_mode & 0o077 and info.st_uid == os.geteuid():
        restrict(folder, DIR_MODE)
        log.info("made %s private (mode 700, was %o)", folder,
                 stat.S_IMODE(info.st_mode))


def drop_others(path: str | os.PathLike) -> None:
    """Take group's and others' access away from an existing file of ours (the
    owner's bits stay as they are: a file made read-only stays read-only)."""
    if not POSIX:
        return
    try:
        info = os.stat(path)
    except OSError:
        return
    if info.st_mode & 0o077 and info.st_uid == os.geteuid():
        restrict(path, stat.S_IMODE(info.st_mode) & ~0o077)


def create_private(path: str | os.PathLike, flags: int = os.O_WRONLY) -> int:
    """Open ``path`` with ``flags``, creating it ``0600`` if missing (an
    existing file is made ``0600`` too); returns the file descriptor."""
    fd = os.open(path, flags | os.O_CREAT | getattr(os, "O_BINARY", 0), FILE_MODE)
    if POSIX:
        try:
            os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask
        except OSError as exc:
            log.warning("cannot make %s private: %s", path, exc.strerror or exc)
    return fd


def private_sqlite(path: str | os.PathLike) -> Path:
    """Before ``sqlite3.connect(path)``: its folder private, the database file
    created (empty: SQLite takes it as a new database) or tightened to
    ``0600``, and so its journal files, which SQLite creates with the
    database's mode."""
    path = Path(path)
    private_dir(path.parent)
    os.close(create_private(path))
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            restrict(side)
    return path


__all__ = ["DIR_MODE", "FILE_MODE", "POSIX", "create_private", "drop_others", "make_dirs",
           "private_dir", "private_sqlite", "restrict"]
