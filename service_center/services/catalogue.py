"""The item catalogue (事项目录): drafts, publication and versioning of approval items.

Each ``items`` row is one version. A draft is edited in place; editing a published item creates a new
published version (:func:`revise_item`) and supersedes the old row, which stays readable because cases pin
the version they were received under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from workflows.clock import DISCLOSURE_DAYS

from ..extensions import db
from ..models import (
    DEFAULT_WORKFLOW,
    AcceptancePeriod,
    CaseType,
    Department,
    Item,
    ItemCategory,
    ItemMaterial,
    ItemStatus,
    JoinRule,
    Window,
    utcnow,
)
from ..models.catalogue import DEFAULT_PUBLISH_DAYS
from ..search_text import item_search_text, join_keywords
from ..text import clean_text, max_length
from . import Conflict, ServiceError

CODE_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")
CODE_MAX = max_length(Item.code)
# The most characters each text of an item may have: the database column's for the name, the editor's for
# the texts the database leaves unlimited. The item form and the import enforce these, through check_item_data.
TEXT_LIMITS = {"name": max_length(Item.name), "keywords": 500, "fees": 2000, "legal_basis": 5000, "conditions": 5000}
MATERIAL_NAME_MAX = max_length(ItemMaterial.name)
MATERIAL_NOTE_MAX = max_length(ItemMaterial.note)
MAX_LIMIT_DAYS = 3650
MAX_PUBLISH_DAYS = 3650
DISCLOSURE_WORKFLOW = "disclosure"  # 依申请公开: government information disclosure on request
KEY_MARKERS = ("*", "＊")
NOTE_MARKERS = ("|", "｜")  # "*Application form | original and one copy": the text after the bar is the note
NOTE_SEPARATOR = " | "
PERIOD_SEPARATOR = ".."
_LIST_SPLIT = re.compile(r"[;；\n\r]+")


@dataclass(frozen=True)
class MaterialSpec:
    """One required material (申请材料); ``is_key`` marks a key material (关键材料); ``note`` says what form it
    takes (e.g. 原件1份, 复印件加盖公章), shown on the guide."""

    name: str
    is_key: bool = False
    note: str = ""


@dataclass(frozen=True)
class ItemData:
    """Everything an editor can set on an item version, in a comparable form (ids, tuples, frozensets)."""

    name: str
    category: ItemCategory
    department_id: int
    case_type: CaseType
    statutory_limit_days: int
    promised_limit_days: int
    workflow_key: str = ""  # empty: the default for the case type
    keywords: str = ""  # other words people search for (关键词 / 俗称), comma separated
    publish_results: bool = True  # decisions listed on the public results page (办件结果公示)
    publish_days: int = DEFAULT_PUBLISH_DAYS  # for so many calendar days from the decision day
    fees: str = ""
    legal_basis: str = ""
    conditions: str = ""
    lead_department_id: int | None = None
    join_rule: JoinRule | None = None
    step_limit_days: int | None = None  # joint items: each department's share; None: the promised limit
    participating_department_ids: frozenset[int] = field(default_factory=frozenset)
    window_ids: frozenset[int] = field(default_factory=frozenset)
    materials: tuple[MaterialSpec, ...] = ()
    acceptance_periods: tuple[tuple[date, date], ...] = ()

    @classmethod
    def of(cls, item: Item) -> ItemData:
        """The data of an existing version (to prefill forms and to detect unchanged imports)."""
        return cls(
            name=item.name,
            category=ItemCategory(item.category),
            department_id=item.department_id,
            case_type=CaseType(item.case_type),
            statutory_limit_days=item.statutory_limit_days,
            promised_limit_days=item.promised_limit_days,
            workflow_key=item.workflow_key,
            keywords=item.keywords or "",
            publish_results=bool(item.publish_results),
            publish_days=item.publish_days,
            fees=item.fees or "",
            legal_basis=item.legal_basis or "",
            conditions=item.conditions or "",
            lead_department_id=item.lead_department_id,
            join_rule=JoinRule(item.join_rule) if item.join_rule else None,
            step_limit_days=item.step_limit_days,
            participating_department_ids=frozenset(d.id for d in item.participating_departments),
            window_ids=frozenset(w.id for w in item.windows),
            materials=tuple(MaterialSpec(m.name, m.is_key, m.note or "") for m in item.materials),
            acceptance_periods=tuple((p.opens_on, p.closes_on) for p in item.acceptance_periods),
        ).normalized()

    def normalized(self) -> ItemData:
        """Cleaned text (:func:`clean_text`), the workflow default filled in, joint-only fields cleared on other
        case types."""
        joint = self.case_type == CaseType.JOINT
        return replace(
            self,
            name=clean_text(self.name, single_line=True),
            workflow_key=self.workflow_key or DEFAULT_WORKFLOW[self.case_type],
            keywords=join_keywords(clean_text(self.keywords)),
            fees=clean_text(self.fees),
            legal_basis=clean_text(self.legal_basis),
            conditions=clean_text(self.conditions),
            lead_department_id=self.lead_department_id if joint else None,
            join_rule=self.join_rule if joint else None,
            step_limit_days=self.step_limit_days if joint else None,
            participating_department_ids=frozenset(self.participating_department_ids) if joint else frozenset(),
            window_ids=frozenset(self.window_ids),
            materials=tuple(
                MaterialSpec(name, m.is_key, clean_text(m.note, single_line=True))
                for m in self.materials
                if (name := clean_text(m.name, single_line=True))
            ),
            acceptance_periods=tuple(sorted(self.acceptance_periods)),
        )


# --- text forms of materials and acceptance periods (shared by the form and the CSV/XLSX import) ---


def parse_materials(text: str) -> tuple[MaterialSpec, ...]:
    """Materials one per line (or separated by ";"); a leading "*" marks a key material and the text after a
    "|" is the material's note ("*申请书 | 原件1份"). Names and notes are cleaned (:func:`clean_text`); their
    length is for :func:`check_item_data`."""
    materials = []
    for raw in _LIST_SPLIT.split(text or ""):
        entry = clean_text(raw, single_line=True)
        is_key = entry.startswith(KEY_MARKERS)
        entry = entry.lstrip("".join(KEY_MARKERS))
        bar = min((i for i in (entry.find(m) for m in NOTE_MARKERS) if i >= 0), default=-1)
        name, note = (entry[:bar], entry[bar + 1:]) if bar >= 0 else (entry, "")
        name = clean_text(name, single_line=True)
        if name:
            materials.append(MaterialSpec(name, is_key, clean_text(note, single_line=True)))
    return tuple(materials)


def format_materials(materials: Iterable[MaterialSpec], separator: str = "\n") -> str:
    """The text :func:`parse_materials` reads back into the same materials, notes included."""
    return separator.join(
        f"{'*' if m.is_key else ''}{m.name}{NOTE_SEPARATOR + m.note if m.note else ''}" for m in materials
    )


def parse_periods(text: str) -> tuple[tuple[date, date], ...]:
    """Acceptance periods as "YYYY-MM-DD..YYYY-MM-DD", one per line (or separated by ";")."""
    periods = []
    for raw in _LIST_SPLIT.split(text or ""):
        entry = clean_text(raw, single_line=True)
        if not entry:
            continue
        opens, sep, closes = entry.partition(PERIOD_SEPARATOR)
        try:
            if not sep:
                raise ValueError
            period = (date.fromisoformat(opens.strip()), date.fromisoformat(closes.strip()))
        except ValueError:
            raise ValueError(_("%(entry)s is not a period like 2025-01-01..2025-03-31.", entry=entry)) from None
        if period[0] > period[1]:
            raise ValueError(_("The period %(entry)s ends before it begins.", entry=entry))
        periods.append(period)
    return tuple(sorted(periods))


def format_periods(periods: Iterable[tuple[date, date]], separator: str = "\n") -> str:
    return separator.join(f"{a.isoformat()}{PERIOD_SEPARATOR}{b.isoformat()}" for a, b in periods)


# --- validation ---


def check_item_data(data: ItemData, departments: dict[int, Department], windows: dict[int, Window]) -> list[
    tuple[str, str]
]:
    """Every problem with ``data`` as (field, message); empty when the data can be saved.

    ``departments`` and ``windows`` map ids to the known rows, so a whole import is checked without a query
    per row. Field names are those of :class:`ItemData`.
    """
    errors: list[tuple[str, str]] = []
    if not data.name:
        errors.append(("name", _("The name is required.")))
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(data, name)) > limit:
            errors.append((name, _("At most %(max)d characters.", max=limit)))
    if data.department_id not in departments:
        errors.append(("department_id", _("Unknown department.")))
    for name in ("statutory_limit_days", "promised_limit_days"):
        value = getattr(data, name)
        if not 0 <= value <= MAX_LIMIT_DAYS:
            errors.append((name, _("Between 0 and %(max)d working days.", max=MAX_LIMIT_DAYS)))
    if not 1 <= data.publish_days <= MAX_PUBLISH_DAYS:
        errors.append(("publish_days", _("Between 1 and %(max)d days.", max=MAX_PUBLISH_DAYS)))
    if data.promised_limit_days > data.statutory_limit_days:
        errors.append(
            ("promised_limit_days", _("The promised time limit may not exceed the statutory time limit."))
        )
    allowed_workflows = {DEFAULT_WORKFLOW[data.case_type]}
    if data.case_type != CaseType.JOINT:
        allowed_workflows.add(DISCLOSURE_WORKFLOW)
    if data.workflow_key not in allowed_workflows:
        errors.append(
            ("workflow_key", _("Use %(keys)s for this case type.", keys=", ".join(sorted(allowed_workflows))))
        )
    elif data.workflow_key == DISCLOSURE_WORKFLOW and data.statutory_limit_days != DISCLOSURE_DAYS:
        errors.append(("statutory_limit_days", _("A disclosure request is answered within %(days)d working days "
                                                 "(Regulations on Open Government Information, Art. 33).",
                                                 days=DISCLOSURE_DAYS)))
    if data.case_type == CaseType.JOINT:
        if data.lead_department_id is None:
            errors.append(("lead_department_id", _("A joint item needs a lead department.")))
        elif data.lead_department_id not in departments:
            errors.append(("lead_department_id", _("Unknown department.")))
        if data.join_rule is None:
            errors.append(("join_rule", _("A joint item needs a join rule.")))
        if data.step_limit_days is not None and not 1 <= data.step_limit_days <= data.promised_limit_days:
            errors.append(("step_limit_days", _("Between 1 working day and the promised time limit.")))
        unknown = data.participating_department_ids - departments.keys()
        if unknown:
            errors.append(("participating_department_ids", _("Unknown department.")))
        elif len(data.participating_department_ids) < 2:
            errors.append(
                ("participating_department_ids", _("A joint item needs at least two participating departments."))
            )
        elif data.lead_department_id is not None and data.lead_department_id not in data.participating_department_ids:
            errors.append(
                ("participating_department_ids", _("The lead department must be one of the participating departments."))
            )
    if data.window_ids - windows.keys():
        errors.append(("window_ids", _("Unknown window.")))
    names = [m.name for m in data.materials]
    too_long = next((name for name in names if len(name) > MATERIAL_NAME_MAX), None)
    long_note = next((m for m in data.materials if len(m.note) > MATERIAL_NOTE_MAX), None)
    # What separates materials, or a name from its note, cannot be inside one (it would not read back the same).
    unreadable = next((m for m in data.materials if _LIST_SPLIT.search(m.name + m.note)
                       or any(bar in m.name for bar in NOTE_MARKERS) or m.name.startswith(KEY_MARKERS)), None)
    if too_long:
        errors.append(("materials", _("A material name may have at most %(max)d characters: %(name)s",
                                      max=MATERIAL_NAME_MAX, name=too_long[:20])))
    elif long_note:
        errors.append(("materials", _("A material note may have at most %(max)d characters: %(name)s",
                                      max=MATERIAL_NOTE_MAX, name=long_note.name[:20])))
    elif unreadable:
        errors.append(("materials", _("A material name may not contain “;” or “|”, nor start with “*”; a note may "
                                      "not contain “;”: %(name)s", name=unreadable.name[:20])))
    elif len(names) != len(set(names)):
        errors.append(("materials", _("A material is listed twice.")))
    return errors


def check_code(code: str) -> str | None:
    """The problem with an item code, or None."""
    if not code:
        return _("The code is required.")
    if len(code) > CODE_MAX or not CODE_PATTERN.match(code):
        return _("Up to 40 letters, digits, '.', '-' and '_'.")
    return None


@dataclass
class Lookups:
    """Departments and windows by id, loaded once per request or import."""

    departments: dict[int, Department]
    windows: dict[int, Window]

    @classmethod
    def load(cls) -> Lookups:
        return cls(
            departments={d.id: d for d in db.session.scalars(sa.select(Department))},
            windows={w.id: w for w in db.session.scalars(sa.select(Window))},
        )


def _validate(data: ItemData, lookups: Lookups) -> None:
    errors = check_item_data(data, lookups.departments, lookups.windows)
    if errors:
        field_name, message = errors[0]
        raise ServiceError(message, field=field_name)


# --- writes ---


def apply_data(item: Item, data: ItemData, lookups: Lookups) -> None:
    """Copy ``data`` onto ``item`` (a new or draft row), replacing its materials, periods and links."""
    item.name = data.name
    item.category = data.category
    item.department_id = data.department_id
    item.department = lookups.departments[data.department_id]
    item.case_type = data.case_type
    item.workflow_key = data.workflow_key
    item.statutory_limit_days = data.statutory_limit_days
    item.promised_limit_days = data.promised_limit_days
    item.keywords = data.keywords
    item.publish_results = data.publish_results
    item.publish_days = data.publish_days
    item.fees = data.fees
    item.legal_basis = data.legal_basis
    item.conditions = data.conditions
    item.lead_department_id = data.lead_department_id
    item.lead_department = lookups.departments.get(data.lead_department_id) if data.lead_department_id else None
    item.join_rule = data.join_rule
    item.step_limit_days = data.step_limit_days
    item.participating_departments = sorted(
        (lookups.departments[i] for i in data.participating_department_ids), key=lambda d: d.code
    )
    item.windows = sorted((lookups.windows[i] for i in data.window_ids), key=lambda w: w.number)
    stored = [(m.name, m.is_key, m.note or "") for m in item.materials]
    if stored != [(m.name, m.is_key, m.note) for m in data.materials]:
        if item.materials and item.id is not None:
            # Positions are unique per item: delete the old rows before inserting the new ones.
            item.materials = []
            db.session.flush()
        item.materials = [
            ItemMaterial(position=n, name=m.name, is_key=m.is_key, note=m.note)
            for n, m in enumerate(data.materials, start=1)
        ]
    item.acceptance_periods = [AcceptancePeriod(opens_on=a, closes_on=b) for a, b in data.acceptance_periods]


@sa.event.listens_for(Item, "before_insert")
@sa.event.listens_for(Item, "before_update")
def _fill_search_text(_mapper: object, _connection: object, item: Item) -> None:
    """Every saved item carries the text the guide searches (:func:`item_search_text`), whoever saved it."""
    item.search_text = item_search_text(item.name, item.keywords)


def flush_or_conflict() -> None:
    """Flush; a unique or check violation (a concurrent publish or revision) becomes a 409, never a 500."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("Someone else changed this item at the same time. Reload and try again.")) from error


def create_item(code: str, data: ItemData, *, publish: bool = False, lookups: Lookups | None = None,
                now: datetime | None = None) -> Item:
    """Create version 1 of a new item, as a draft (or published at once, as the import does)."""
    code = clean_text(code, single_line=True)
    problem = check_code(code)
    if problem:
        raise ServiceError(problem, field="code")
    if db.session.scalar(sa.select(Item.id).where(Item.code == code).limit(1)) is not None:
        raise ServiceError(_("The code %(code)s is already in use.", code=code), field="code")
    data = data.normalized()
    lookups = lookups or Lookups.load()
    _validate(data, lookups)
    item = Item(code=code, version=1, status=ItemStatus.DRAFT)
    apply_data(item, data, lookups)
    if publish:
        item.status = ItemStatus.PUBLISHED
        item.published_at = now or utcnow()
    db.session.add(item)
    flush_or_conflict()
    return item


def update_draft(item: Item, data: ItemData, *, lookups: Lookups | None = None) -> Item:
    """Change a draft in place."""
    if item.status != ItemStatus.DRAFT:
        raise Conflict(_("Only a draft can be changed in place."))
    data = data.normalized()
    lookups = lookups or Lookups.load()
    _validate(data, lookups)
    apply_data(item, data, lookups)
    flush_or_conflict()
    return item


def revise_item(item: Item, data: ItemData, *, lookups: Lookups | None = None, now: datetime | None = None) -> Item:
    """Publish a new version of a published item carrying ``data``; the old version becomes superseded.

    The new row is a full copy (materials, windows, acceptance periods, participating departments) with
    version + 1 and is published at once. The old row keeps its content so cases received under it still
    read it.
    """
    ensure_not_retired(item)
    if item.status != ItemStatus.PUBLISHED:
        raise Conflict(_("This version is no longer current; edit the current version."))
    data = data.normalized()
    lookups = lookups or Lookups.load()
    _validate(data, lookups)
    revised = supersede_and_copy([(item, data)], lookups, now or utcnow())
    return revised[0]


def supersede_and_copy(changes: list[tuple[Item, ItemData]], lookups: Lookups, now: datetime) -> list[Item]:
    """Supersede each published item and add its next version. Two flushes: the one-published-per-code
    index must see the old rows superseded before the new rows are inserted."""
    for item, _data in changes:
        item.status = ItemStatus.SUPERSEDED
        item.superseded_at = now
    flush_or_conflict()
    new_items = []
    for item, data in changes:
        new = Item(code=item.code, version=item.version + 1, status=ItemStatus.PUBLISHED, published_at=now)
        apply_data(new, data, lookups)
        db.session.add(new)
        new_items.append(new)
    flush_or_conflict()
    return new_items


def save_item(item: Item | None, data: ItemData, *, code: str = "") -> Item:
    """The editor's save: create a draft, change a draft in place, or revise a published item.

    Saving a published item without any change returns it as it is (no new version).
    """
    if item is None:
        return create_item(code, data)
    ensure_not_retired(item)
    if item.status == ItemStatus.DRAFT:
        return update_draft(item, data)
    if item.status == ItemStatus.PUBLISHED and ItemData.of(item) == data.normalized():
        return item
    return revise_item(item, data)


def publish_item(item: Item, *, now: datetime | None = None) -> Item:
    """Publish a draft. A second publish (a double click, another admin) is refused with 409."""
    now = now or utcnow()
    try:
        result = db.session.execute(
            sa.update(Item)
            .where(Item.id == item.id, Item.status == ItemStatus.DRAFT)
            .values(status=ItemStatus.PUBLISHED, published_at=now)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(_("Another version of %(code)s is already published.", code=item.code)) from error
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("This item is already published."))
    db.session.expire(item)
    return item


def ensure_not_retired(item: Item) -> None:
    """A retired item (停用) is not edited or revised: it stays as it was withdrawn."""
    if item.status == ItemStatus.RETIRED:
        raise Conflict(_("“%(item)s” is retired; it can no longer be changed.", item=item.name))


def retire_item(item: Item, *, now: datetime | None = None) -> Item:
    """Retire (停用/取消) the published version of an item: no new applications are received for it from now on,
    while the cases already received keep running under the version they pinned. The public guide shows it as
    withdrawn. A second retire (a double click, another admin) is refused with 409."""
    now = now or utcnow()
    result = db.session.execute(
        sa.update(Item)
        .where(Item.id == item.id, Item.status == ItemStatus.PUBLISHED)
        .values(status=ItemStatus.RETIRED, retired_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(_("Only the current published version of an item can be retired."))
    db.session.expire(item)
    return item


# --- reads ---


def latest_versions() -> sa.Select:
    """Items whose row is the latest version of their code (drafts and published, superseded hidden)."""
    newer = aliased(Item)
    return sa.select(Item).where(
        ~sa.exists().where(newer.code == Item.code, newer.version > Item.version)
    )


def item_history(code: str) -> list[Item]:
    """Every version of ``code``, newest first."""
    return list(db.session.scalars(sa.select(Item).where(Item.code == code).order_by(Item.version.desc())))


def current_items_by_code(codes: Iterable[str] | None = None) -> dict[str, Item]:
    """The latest version per code with everything :meth:`ItemData.of` reads, loaded in a few queries."""
    query = latest_versions().options(
        selectinload(Item.materials),
        selectinload(Item.acceptance_periods),
        selectinload(Item.windows),
        selectinload(Item.participating_departments),
    )
    if codes is not None:
        query = query.where(Item.code.in_(list(codes)))
    return {item.code: item for item in db.session.scalars(query)}
