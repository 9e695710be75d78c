"""Online applications: a file store of the test's own, sample files of each kind, and helpers to apply online."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from service_center.extensions import db
from service_center.models import Case
from service_center.storage import LocalFileStore
from tests.conftest import extract_csrf

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       + b"\x00" * 32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 32
VALID_ID = "330102199001011234"


@pytest.fixture
def store(app: Flask, tmp_path) -> Iterator[LocalFileStore]:
    """Uploads go to a folder of this test's own."""
    store = LocalFileStore(tmp_path / "uploads")
    app.extensions["file_store"] = store
    yield store
    app.extensions.pop("file_store", None)


def files(*contents: tuple[bytes, str]) -> list[FileStorage]:
    return [FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
            for data, name in contents]


def post_multipart(client, url: str, data: dict[str, object]):
    """POST ``data`` (files as FileStorage lists) encoded in memory: a body the app refuses unread leaves no
    temporary file open."""
    boundary, body = encode_multipart(MultiDict([(k, v) for k, vs in data.items()
                                                 for v in (vs if isinstance(vs, list) else [vs])]))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def apply_online(client, item, uploads: dict[str, list[tuple[bytes, str]]] | None = None, **fields):
    """POST the online application form of ``item``: ``uploads`` maps a material's name to its files (default: a
    PDF for every material)."""
    html = client.get(f"/online/apply/{item.code}").get_data(as_text=True)
    by_name = {m.name: m for m in item.materials}
    chosen = uploads if uploads is not None else {m.name: [(PDF, f"{m.name}.pdf")] for m in item.materials}
    data: dict[str, object] = {"csrf_token": extract_csrf(html), "window": item.windows[0].id,
                               "applicant_kind": "person", "applicant_name": "王五",
                               "applicant_id_number": VALID_ID, "applicant_phone": "13912345678", **fields}
    for name, contents in chosen.items():
        data[f"material_{by_name[name].id}"] = files(*contents)
    return post_multipart(client, f"/online/apply/{item.code}", data)


def newest_case() -> Case | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Case).order_by(Case.id.desc()).limit(1))
