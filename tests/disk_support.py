"""A disk that can be filled: a small tmpfs mounted for a test (root or
CAP_SYS_ADMIN), skipped with the reason where mounting is not allowed."""

from __future__ import annotations

import errno
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


@contextmanager
def small_disk(where: Path, size: str = "8m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on the empty directory `where`, unmounted after."""
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True, text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(
            "a full disk needs a small tmpfs, which this user may not mount (root or "
            f"CAP_SYS_ADMIN): {mounted.stderr.strip() or mounted.returncode}"
        )
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@contextmanager
def disk_full(disk: Path) -> Iterator[None]:
    """Fills `disk` to its last byte with a file; frees it after the block."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while out.write(bytes(chunk)):
                    pass
            except OSError as full:
                assert full.errno == errno.ENOSPC, full
    try:
        yield
    finally:
        filler.unlink()
