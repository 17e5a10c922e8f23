"""Write a file so that readers see the old version or the new one, never half of one;
lock a build folder so that two builds never write into it at once."""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import KGError


def atomic_write(path, write) -> Path:
    """Call ``write(fh)`` on a temporary file beside ``path``, fsync it, then rename it over ``path``.

    Readers see the old file or the new one, never half a file; when ``write`` raises,
    the old file is left as it was and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            mode = path.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return path
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)
    return path


def atomic_write_text(path, text: str) -> Path:
    """:func:`atomic_write` of a UTF-8 text."""
    return atomic_write(path, lambda fh: fh.write(text.encode("utf-8")))


LOCK_NAME = ".kg-build.lock"


class FolderLocked(KGError):
    """Another process holds the build lock of ``folder`` (its PID when known)."""

    def __init__(self, folder, pid: int | None, waited: float):
        self.folder, self.pid, self.waited = Path(folder), pid, waited
        holder = f"process {pid}" if pid else "another process"
        after = f" after waiting {waited:g} s" if waited else ""
        super().__init__(f"{self.folder} is locked by {holder} (another kg build into the same folder){after}; "
                         f"wait for it to finish, pass --wait SECONDS, or build into another --out folder")


@contextmanager
def folder_lock(folder, wait: float = 0.0, poll: float = 0.1):
    """Hold an exclusive lock on ``folder`` (the file ``folder/.kg-build.lock``) for the block.

    A second holder waits up to ``wait`` seconds, then raises :class:`FolderLocked` naming
    the folder and the PID written by the holder. The lock is ``flock``, so the kernel
    releases it when its holder exits, however it exits (a build killed with SIGKILL
    leaves no stale lock); the file itself stays.

    >>> with folder_lock("output"):                       # doctest: +SKIP
    ...     build(...)
    """
    import fcntl

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderLocked(folder, _holder(fd), wait) from None
                time.sleep(min(poll, max(0.0, deadline - time.monotonic())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield folder
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None
