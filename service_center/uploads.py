"""Checking an uploaded material file before it is kept (网上申报材料): its size, its type by content and its name.

The type is read from the content's magic bytes (the ``filetype`` library), never from the name or the
browser's ``Content-Type``: an ``.exe`` renamed ``.pdf`` is refused. The name is only ever shown (the file is
stored under its SHA-256, :mod:`service_center.storage`): it is reduced to its last path part, stripped of
control characters and shortened, keeping its extension.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import filetype
from flask_babel import gettext as _

ALLOWED_TYPES: dict[str, str] = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
"""The content types accepted (by content), with the extension a name without one gets."""

NAME_MAX = 120


class UploadRefused(ValueError):
    """The file is refused; the message says why, for the applicant."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    files_per_material: int
    files: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        return cls(int(float(config["ONLINE_MAX_FILE_MB"]) * 1024 * 1024), int(config["ONLINE_MAX_FILES_PER_MATERIAL"]),
                   int(config["ONLINE_MAX_FILES"]))

    @property
    def request_bytes(self) -> int:
        """The largest request body a submission within the limits can make (the files plus the form)."""
        return self.files * self.file_bytes + 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed: its cleaned name, its content, the content's type and SHA-256."""

    filename: str
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def safe_filename(name: str, extension: str) -> str:
    """The name to show: its last path part only (``../../etc/passwd`` -> ``passwd``; backslashes count as
    separators), without control characters (NUL included), with the extension of its content (``extension``;
    ``jpeg`` stays for a JPEG) and at most :data:`NAME_MAX` characters; an empty name becomes ``file``."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    if extension and ext.lower() not in _SAME_TYPE.get(extension, {extension}):
        ext = extension
    stem = stem[: NAME_MAX - len(ext) - 1].strip() or "file"
    return f"{stem}.{ext}" if ext else stem


_SAME_TYPE = {"jpg": {"jpg", "jpeg"}}


def check_upload(stream: IO[bytes], name: str, limits: Limits) -> CheckedFile:
    """Read at most one byte more than the limit; refuse an empty, oversized or wrong-typed file."""
    data = stream.read(limits.file_bytes + 1)
    if not data:
        raise UploadRefused(_("“%(name)s” is empty.", name=safe_filename(name, "")))
    if len(data) > limits.file_bytes:
        raise UploadRefused(_("“%(name)s” is larger than %(mb)s MB.", name=safe_filename(name, ""),
                              mb=f"{limits.file_bytes / 1024 / 1024:g}"))
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise UploadRefused(_("“%(name)s” is not a PDF, JPEG or PNG file.", name=safe_filename(name, "")))
    return CheckedFile(safe_filename(name, ALLOWED_TYPES[kind.mime]), data, kind.mime,
                       hashlib.sha256(data).hexdigest())
