"""Where uploaded materials are kept: a small file store addressed by the SHA-256 of the content.

The contract (:class:`FileStore`) every store keeps:

- ``put(digest, data)`` stores ``data`` under ``digest`` (the lower-case hex SHA-256 of ``data``, computed by the
  caller); storing the same content twice keeps one copy and is not an error. It is durable once it returns.
- ``open(digest)`` returns a binary file object positioned at the start; ``FileNotFoundError`` if absent.
- A digest is never built from an applicant's file name: names are kept in the database only, so no path
  trick in a name can reach the store.

:class:`LocalFileStore` keeps files under ``UPLOAD_FOLDER`` (default ``<instance>/uploads``) as
``ab/abcdef...`` (the first two hex digits as a folder). An S3-compatible store is not built here (it would need
boto3 or another client): it would keep the same contract with the digest as the object key (``put`` =
``PutObject`` with ``If-None-Match: *`` or a HEAD first, ``open`` = ``GetObject``); see docs/ONLINE.md.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, digest: str, data: bytes) -> None: ...

    def open(self, digest: str) -> BinaryIO: ...


class LocalFileStore:
    """Files in a folder of the local file system, written atomically (a temporary file renamed into place)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest

    def put(self, digest: str, data: bytes) -> None:
        target = self.path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")


def file_store() -> FileStore:
    """The application's store: ``app.extensions["file_store"]`` when set (tests), else a local store under
    ``UPLOAD_FOLDER`` or the instance folder's ``uploads``."""
    app = current_app
    store = app.extensions.get("file_store")
    if store is None:
        store = LocalFileStore(app.config.get("UPLOAD_FOLDER") or Path(app.instance_path) / "uploads")
        app.extensions["file_store"] = store
    return store
