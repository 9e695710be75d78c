"""Upload checks without a database: names reduced to something only shown, types by content, the size limit."""

from __future__ import annotations

import io

import pytest

from service_center.storage import LocalFileStore
from service_center.uploads import Limits, UploadRefused, check_upload, safe_filename
from tests.online.conftest import EXE, JPEG, PDF, PNG

LIMITS = Limits(file_bytes=1024, files_per_material=2, files=3)


@pytest.mark.parametrize(("name", "extension", "shown"), [
    ("营业执照.pdf", "pdf", "营业执照.pdf"),
    ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("..\\..\\boot.ini", "pdf", "boot.pdf"),
    ("C:\\Users\\me\\scan.JPEG", "jpg", "scan.JPEG"),
    ("a\x00b\x1f\u202e.png", "png", "ab.png"),
    ("report.exe", "pdf", "report.pdf"),
    (".htaccess", "png", "htaccess.png"),
    ("...", "pdf", "file.pdf"),
    ("x" * 500 + ".pdf", "pdf", "x" * 116 + ".pdf"),
])
def test_safe_filename(name, extension, shown):
    assert safe_filename(name, extension) == shown
    assert len(safe_filename(name, extension)) <= 120


@pytest.mark.parametrize(("data", "mime"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_allowed_types_pass_with_their_hash(data, mime):
    checked = check_upload(io.BytesIO(data), "x", LIMITS)
    assert (checked.content_type, checked.size, len(checked.sha256)) == (mime, len(data), 64)


@pytest.mark.parametrize("data", [EXE, b"GIF89a" + b"\x00" * 20, b"plain text", b""])
def test_other_content_is_refused_whatever_its_name(app, data):
    with app.test_request_context(), pytest.raises(UploadRefused):
        check_upload(io.BytesIO(data), "scan.pdf", LIMITS)


def test_the_size_limit_reads_one_byte_past_it(app):
    with app.test_request_context():
        check_upload(io.BytesIO(PDF + b"0" * (1024 - len(PDF))), "a.pdf", LIMITS)
        with pytest.raises(UploadRefused, match="超过|larger"):
            check_upload(io.BytesIO(PDF + b"0" * (1025 - len(PDF))), "a.pdf", LIMITS)


def test_the_local_store_keeps_one_copy_under_the_hash_and_refuses_other_keys(tmp_path):
    store = LocalFileStore(tmp_path)
    checked = check_upload(io.BytesIO(PDF), "a.pdf", LIMITS)
    store.put(checked.sha256, checked.data)
    store.put(checked.sha256, checked.data)
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        f"{checked.sha256[:2]}/{checked.sha256}"]
    with store.open(checked.sha256) as f:
        assert f.read() == PDF
    for bad in ("../../etc/passwd", "A" * 64, checked.sha256[:-1]):
        with pytest.raises(ValueError, match="not a SHA-256"):
            store.open(bad)
