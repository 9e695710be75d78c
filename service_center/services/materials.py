"""The materials checklist taken at receipt (收件材料清单): each material of the item's list ticked as received
or not, with a note of any defect (e.g. "复印件不清晰"). A key material (要件) that is missing or defective
keeps the case from being accepted; the one-time notice to supplement (一次性告知) lists what is short, each
with its defect.

The checklist is stored on the case (``Case.materials_received``): one entry per material, in the item's
order, ``{"name", "key", "received", "defect"}``. Cases received before the checklist existed have none
(``None``), and nothing is checked for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..models import Case, Item, ItemMaterial
from ..text import clean_text
from . import ServiceError

DEFECT_MAX = 300


@dataclass(frozen=True)
class MaterialCheck:
    """One line of the checklist as the clerk fills it in: the material, ticked or not, and its defect."""

    name: str
    received: bool
    defect: str = ""


def take_checklist(item: Item, checks: Iterable[MaterialCheck]) -> list[dict[str, Any]]:
    """The checklist for ``item`` from the clerk's ticks: every material of the item, in its order (a material
    not mentioned was not received); a material the item does not list is refused."""
    by_name: dict[str, MaterialCheck] = {}
    for check in checks:
        by_name[clean_text(check.name, single_line=True) or ""] = check
    materials: Sequence[ItemMaterial] = list(item.materials)
    unknown = sorted(set(by_name) - {m.name for m in materials})
    if unknown:
        raise ServiceError(_("“%(item)s” does not list these materials: %(names)s.", item=item.name,
                             names="、".join(unknown)), field="materials")
    checklist = []
    for material in materials:
        check = by_name.get(material.name)
        defect = clean_text(check.defect, single_line=True) if check else ""
        if defect and len(defect) > DEFECT_MAX:
            raise ServiceError(_("Describe the defect of “%(name)s” in at most %(max)s characters.",
                                 name=material.name, max=DEFECT_MAX), field="materials")
        checklist.append({"name": material.name, "key": material.is_key,
                          "received": bool(check and check.received), "defect": defect or ""})
    return checklist


def short(entry: dict[str, Any]) -> bool:
    """The material is missing (not received) or defective."""
    return not entry.get("received") or bool(entry.get("defect"))


def materials_short(case: Case) -> list[dict[str, Any]]:
    """The checklist entries not received or defective, in the item's order (none without a checklist)."""
    return [entry for entry in case.materials_received or [] if short(entry)]


def key_materials_short(case: Case) -> list[str]:
    """The key materials (要件) missing or defective on the checklist: the case cannot be accepted yet."""
    return [entry["name"] for entry in materials_short(case) if entry.get("key")]


def defects_of(case: Case, names: Sequence[str]) -> dict[str, str]:
    """The defect noted at receipt for each of ``names`` that has one."""
    noted = {entry["name"]: entry.get("defect") or "" for entry in case.materials_received or []}
    return {name: noted[name] for name in names if noted.get(name)}


def ensure_key_materials_complete(case: Case, *, field: str = "comment") -> None:
    """Refuse acceptance while a key material is missing or defective on the checklist (the applicant gets
    the one-time notice to supplement instead)."""
    missing = key_materials_short(case)
    if missing:
        raise ServiceError(_("Key materials are missing or defective: %(names)s. Send the one-time notice to "
                             "supplement instead of accepting.", names="、".join(missing)), field=field)


def complete_checklist(case: Case, names: Iterable[str] | None = None) -> None:
    """The listed materials (default: all) arrived in order: the checklist marks them received, defect-free.
    The notice's event keeps what was short and why."""
    if case.materials_received is None:
        return
    arrived = None if names is None else set(names)
    case.materials_received = [
        {**entry, "received": True, "defect": ""} if arrived is None or entry["name"] in arrived else dict(entry)
        for entry in case.materials_received
    ]
