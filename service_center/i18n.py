"""Compiling the translation catalogues without pybabel (the test suite and the benchmarks need the zh_CN
pages; ``make`` runs ``pybabel compile``)."""

from __future__ import annotations

import os
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogues() -> None:
    """Write each ``messages.mo`` older than its ``messages.po``, atomically: parallel processes never read a
    half-written catalogue."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            partial = mo_path.with_suffix(f".mo.{os.getpid()}")
            with partial.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            partial.replace(mo_path)
