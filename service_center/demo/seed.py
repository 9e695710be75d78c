"""Seed a realistic demo hall: departments, windows, a published catalogue of 200+ items, and staff accounts.

``flask demo`` runs :func:`seed_demo`. It is idempotent: every record is looked up by its natural key (department
code, window number, item code, username) and only the missing ones are added, so a second run creates nothing.
The data is deterministic: random choices come from generators seeded with fixed strings.

Every demo account signs in with :data:`DEMO_PASSWORD`; :data:`DEMO_ACCOUNTS` lists them (the README's table).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import click
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

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
    Role,
    User,
    Window,
    utcnow,
)
from ..services.accounts import apply_assignment
from .catalogue_data import CATALOGUE, FREE, LICENSING_LAW, BaseItem
from .hall_data import CENTRE_DEPARTMENT, COMPREHENSIVE_WINDOW, DEPARTMENTS, WINDOWS

DEMO_PASSWORD = "demo1234"  # noqa: S105 - published demo credential, documented in the README
RANDOM_SEED = "service-center-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    department: str | None = None  # department code (reviewers, heads; clerks take their first window's)
    windows: tuple[str, ...] = ()  # window numbers a clerk serves


def _staff(role: Role, prefix: str, names: dict[str, str]) -> tuple[DemoAccount, ...]:
    return tuple(DemoAccount(f"{prefix}_{code.lower()}", name, role, department=code) for code, name in names.items())


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "系统管理员", Role.ADMIN),
    DemoAccount("manager", "王芳（中心管理）", Role.MANAGER, department=CENTRE_DEPARTMENT),
    DemoAccount("supervisor", "李强（效能监察）", Role.SUPERVISOR, department=CENTRE_DEPARTMENT),
    DemoAccount("clerk01", "张敏", Role.CLERK, windows=("A01", "A02")),
    DemoAccount("clerk02", "李娜", Role.CLERK, windows=("A03", "A04")),
    DemoAccount("clerk03", "王磊", Role.CLERK, windows=("A05", "A06")),
    DemoAccount("clerk04", "刘洋", Role.CLERK, windows=("A07", "A08")),
    DemoAccount("clerk05", "陈静", Role.CLERK, windows=("A09", "C09")),
    DemoAccount("clerk06", "杨帆", Role.CLERK, windows=("B01",)),
    DemoAccount("clerk07", "黄丽", Role.CLERK, windows=("B02", "B03")),
    DemoAccount("clerk08", "赵磊", Role.CLERK, windows=("B06", "B07")),
    DemoAccount("clerk09", "周婷", Role.CLERK, windows=("C01",)),
    DemoAccount("clerk10", "吴刚", Role.CLERK, windows=("C02", "C03")),
    DemoAccount("clerk11", "徐丹", Role.CLERK, windows=("C05", "C06")),
    DemoAccount("clerk12", "孙浩", Role.CLERK, windows=("D01",)),
    DemoAccount("clerk13", "马琳", Role.CLERK, windows=("D02", "D03")),
    DemoAccount("clerk14", "朱军", Role.CLERK, windows=("D04", "D05")),
    *_staff(
        Role.REVIEWER,
        "reviewer",
        {
            "SCJG": "钱文（市场监管审批）",
            "GA": "郭伟（公安审批）",
            "RS": "林芳（人社审批）",
            "ZJ": "何斌（住建审批）",
            "ZR": "高阳（自规审批）",
            "HB": "罗敏（生态环境审批）",
            "WJ": "梁晨（卫健审批）",
            "SW": "宋佳（税务审批）",
            "YB": "谢涛（医保审批）",
            "BDC": "韩雪（不动产审核）",
            "JT": "陈刚（交通审批）",
            "MZ": "苏婷（民政审核）",
            "JY": "方磊（教育审批）",
            "WG": "蒋楠（文旅审批）",
            "NY": "曹勇（农业审批）",
            "SL": "彭波（水利审批）",
            "YJ": "潘越（应急审批）",
            "GJJ": "袁洁（公积金审核）",
        },
    ),
    # Every department has a head, so each item in the catalogue can be decided in the demo.
    *_staff(Role.DEPT_HEAD, "head", {d.code: d.head_name for d in DEPARTMENTS if d.code != CENTRE_DEPARTMENT}),
)


# --- the catalogue: base items expanded into variants --------------------------------------------------------

CATEGORY_ABBR = {
    ItemCategory.LICENSING: "XK",
    ItemCategory.CONFIRMATION: "QR",
    ItemCategory.PAYMENT: "JF",
    ItemCategory.RULING: "CJ",
    ItemCategory.REWARD: "JL",
    ItemCategory.PUBLIC_SERVICE: "GG",
    ItemCategory.OTHER: "QT",
}
PERIODS = ((3, 1, 3, 31), (9, 1, 9, 30))  # (month, day) to (month, day), in the current year

_NEW, _CHANGE, _RENEW, _CANCEL, _REISSUE, _FILING, _INSTANT = "new change renew cancel reissue filing instant".split()
_KIND_ARTICLE = {_CHANGE: "第四十九条", _RENEW: "第五十条", _CANCEL: "第七十条"}
_KIND_CONDITIONS = {
    _CHANGE: "已依法取得{name}且在有效期内，登记或许可事项发生变更。",
    _RENEW: "{name}有效期届满三十日前提出申请，且仍符合法定条件。",
    _CANCEL: "主体终止、有效期届满未延续或申请人主动申请注销。",
    _REISSUE: "证件遗失或损毁，已按规定声明作废。",
    _FILING: "依法应当备案的事项，在规定期限内报送备案材料。",
}
_MATERIAL_NOTES = ("原件1份", "原件核验，复印件1份", "复印件1份，加盖公章", "纸质原件或电子证照", "原件核验后退回")


@dataclass(frozen=True)
class MaterialData:
    name: str
    is_key: bool
    note: str


@dataclass(frozen=True)
class ItemData:
    """One item (version 1) as the seed will create it."""

    code: str
    name: str
    department: str
    category: ItemCategory
    case_type: CaseType
    workflow_key: str
    statutory: int
    promised: int
    fees: str
    legal_basis: str
    conditions: str
    materials: tuple[MaterialData, ...]
    windows: tuple[str, ...]
    participants: tuple[str, ...] = ()  # joint items: every reviewing department, the lead included
    join_rule: JoinRule | None = None
    step_limit: int | None = None  # joint items: each department's share of the promised limit
    periods: bool = False
    keywords: str = ""  # other words people search the guide for (关键词 / 俗称)


def _kind(variant: str) -> str:
    if variant.endswith("*"):
        return _NEW
    if variant.endswith("!"):
        return _INSTANT
    if variant.startswith("变更"):
        return _CHANGE
    if "注销" in variant:
        return _CANCEL
    if variant in ("延续", "延续注册", "校验") or variant.startswith("换"):
        return _RENEW
    if variant.startswith("补"):
        return _REISSUE
    if variant == "备案":
        return _FILING
    return _NEW


def _limits(base: BaseItem, kind: str) -> tuple[CaseType, int, int]:
    """Case type, statutory and promised limit of a variant, following the base item."""
    if kind == _NEW:
        return base.case_type, base.statutory, base.promised
    if kind in (_CANCEL, _REISSUE, _INSTANT):
        return CaseType.INSTANT, base.statutory, 0
    if kind == _FILING:
        return CaseType.INSTANT, min(base.statutory, 5), 0
    if base.case_type == CaseType.INSTANT or base.promised <= 1:
        return CaseType.INSTANT, base.statutory, 0
    if kind == _CHANGE:
        return CaseType.COMMITTED, base.statutory, max(1, base.promised // 2)
    return CaseType.COMMITTED, base.statutory, base.promised  # renewal


def _identity(base: BaseItem) -> str:
    return next(
        (m.lstrip("~") for m in base.materials if "身份" in m or "居民" in m),
        "申请人身份证明",
    )


def _variant_materials(base: BaseItem, kind: str, label: str) -> tuple[str, ...]:
    form = f"{base.name}{label}申请表"
    identity = _identity(base)
    extra = {
        _CHANGE: ("变更事项相关证明材料", "~原证照正副本"),
        _RENEW: ("原许可证件", "~有效期内经营情况说明"),
        _CANCEL: ("~原证照正副本", "~清算或终止证明"),
        _REISSUE: ("遗失或损毁情况说明",),
        _FILING: ("~相关证明材料",),
        _INSTANT: tuple(base.materials[1:3]),
    }[kind]
    names = (form, identity, *extra, "~授权委托书")
    return tuple(dict.fromkeys(names))[:6]


def _default_conditions(base: BaseItem) -> str:
    law = re.search(r"《[^》]+》", base.basis)
    source = law.group(0) if law else "法律法规"
    return {
        ItemCategory.LICENSING: f"申请人具备{source}规定的许可条件；申请材料齐全、符合法定形式。",
        ItemCategory.CONFIRMATION: f"申请事项符合{source}规定的确认条件；申请材料真实、齐全。",
        ItemCategory.PAYMENT: f"符合{source}规定给付条件的本地户籍或参保人员。",
    }.get(base.category, "申请材料齐全、符合法定形式。")


def _materials(names: Sequence[str], rng: random.Random) -> tuple[MaterialData, ...]:
    materials = []
    for position, raw in enumerate(names):
        name = raw.lstrip("~")
        if position == 0:
            note = "原件1份，可在窗口领取或网上下载"
        elif "身份" in name or name.startswith("居民"):
            note = "原件核验，复印件1份"
        else:
            note = rng.choice(_MATERIAL_NOTES)
        materials.append(MaterialData(name, not raw.startswith("~"), note))
    return tuple(materials)


def _item_windows(department: str, joint: bool, rng: random.Random) -> tuple[str, ...]:
    """The open windows accepting a department's item; sometimes (joint items always) a comprehensive one too."""
    own = [w.number for w in WINDOWS if w.department == department and w.is_open]
    if len(own) >= 3:
        own = sorted(rng.sample(own, rng.randint(2, len(own))))
    comprehensive = COMPREHENSIVE_WINDOW.get(department)
    if comprehensive and (joint or rng.random() < 0.3):
        own.append(comprehensive)
    return tuple(sorted(own))


def expand_catalogue() -> list[ItemData]:
    """Every demo item, in a fixed order with stable codes (pure: no database)."""
    rng = random.Random(f"{RANDOM_SEED}:catalogue")
    items: list[ItemData] = []
    for department, bases in CATALOGUE.items():
        seq = 0
        for base in bases:
            joint = base.case_type == CaseType.JOINT
            for variant in base.variants or ("",):
                seq += 1
                label = variant.rstrip("*!")
                kind = _kind(variant) if variant else _NEW
                case_type, statutory, promised = _limits(base, kind)
                names = base.materials if kind == _NEW else _variant_materials(base, kind, label)
                basis = base.basis
                if base.category == ItemCategory.LICENSING and kind in _KIND_ARTICLE:
                    basis += f"；{LICENSING_LAW}{_KIND_ARTICLE[kind]}"
                conditions = (
                    _KIND_CONDITIONS[kind].format(name=base.name)
                    if kind in _KIND_CONDITIONS
                    else base.conditions or _default_conditions(base)
                )
                if joint:
                    conditions += "由牵头部门窗口一窗受理，各参与部门并联审查，牵头部门汇总后作出决定。"
                items.append(
                    ItemData(
                        code=f"{department}-{CATEGORY_ABBR[base.category]}-{seq:03d}",
                        name=f"{base.name}（{label}）" if label else base.name,
                        department=department,
                        category=base.category,
                        case_type=case_type,
                        workflow_key=base.workflow or DEFAULT_WORKFLOW[case_type],
                        statutory=statutory,
                        promised=promised,
                        fees=FREE if kind == _CANCEL else base.fees,
                        legal_basis=basis,
                        conditions=conditions,
                        materials=_materials(names, rng),
                        windows=_item_windows(department, joint, rng),
                        participants=(department, *base.participants) if joint else (),
                        join_rule=base.join_rule if joint else None,
                        step_limit=max(1, promised * 2 // 3) if joint else None,
                        periods=base.periods and kind == _NEW,
                        keywords=base.keywords,
                    )
                )
    return items


# --- seeding stages --------------------------------------------------------------------------------------------


@dataclass
class SeedContext:
    """Shared state of one seed run; stages read what earlier stages produced."""

    now: datetime
    today: date
    departments: dict[str, Department] = field(default_factory=dict)
    windows: dict[str, Window] = field(default_factory=dict)
    created: Counter[str] = field(default_factory=Counter)


def seed_departments(ctx: SeedContext) -> None:
    existing = list(db.session.scalars(sa.select(Department)))
    by_code = {d.code: d for d in existing}
    by_name = {d.name: d for d in existing}
    for data in DEPARTMENTS:
        department = by_code.get(data.code) or by_name.get(data.name)
        if department is None:
            department = Department(
                code=data.code, name=data.name, contact_phone=data.contact_phone, head_name=data.head_name
            )
            db.session.add(department)
            ctx.created["departments"] += 1
        ctx.departments[data.code] = department


def seed_windows(ctx: SeedContext) -> None:
    existing = {w.number: w for w in db.session.scalars(sa.select(Window))}
    for data in WINDOWS:
        window = existing.get(data.number)
        if window is None:
            window = Window(
                number=data.number,
                name=data.name,
                department=ctx.departments[data.department],
                hall_zone=data.zone,
                opening_hours=data.opening_hours,
                is_open=data.is_open,
            )
            db.session.add(window)
            ctx.created["windows"] += 1
        ctx.windows[data.number] = window


def seed_catalogue(ctx: SeedContext) -> None:
    existing = set(db.session.scalars(sa.select(Item.code).distinct()))
    year = ctx.today.year
    for data in expand_catalogue():
        if data.code in existing:
            continue
        item = Item(
            code=data.code,
            version=1,
            status=ItemStatus.PUBLISHED,
            published_at=ctx.now,
            name=data.name,
            keywords=data.keywords,
            category=data.category,
            department=ctx.departments[data.department],
            case_type=data.case_type,
            workflow_key=data.workflow_key,
            statutory_limit_days=data.statutory,
            promised_limit_days=data.promised,
            fees=data.fees,
            legal_basis=data.legal_basis,
            conditions=data.conditions,
            join_rule=data.join_rule,
            step_limit_days=data.step_limit,
            materials=[
                ItemMaterial(position=n, name=m.name, is_key=m.is_key, note=m.note)
                for n, m in enumerate(data.materials, start=1)
            ],
            windows=[ctx.windows[number] for number in data.windows],
        )
        if data.participants:
            item.lead_department = ctx.departments[data.department]
            item.participating_departments = [ctx.departments[code] for code in data.participants]
        if data.periods:
            item.acceptance_periods = [
                AcceptancePeriod(opens_on=date(year, m1, d1), closes_on=date(year, m2, d2))
                for m1, d1, m2, d2 in PERIODS
            ]
        db.session.add(item)
        ctx.created["items"] += 1


def seed_users(ctx: SeedContext) -> None:
    existing = set(db.session.scalars(sa.select(User.username)))
    missing = [a for a in DEMO_ACCOUNTS if a.username not in existing]
    if not missing:
        return
    # scrypt costs ~0.1 s a hash: hash the shared demo password once. Each user still gets its own session token.
    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    for account in missing:
        user = User(username=account.username, display_name=account.display_name, password_hash=password_hash)
        apply_assignment(
            user,
            role=account.role,
            department=ctx.departments[account.department] if account.department else None,
            windows=[ctx.windows[n] for n in account.windows],
        )
        db.session.add(user)
        ctx.created["users"] += 1


# The stages run in order inside one transaction. A later `seed_demo_cases` stage (sample cases, once the workflow
# engine lands) appends here; it can use ctx.departments / ctx.windows and query the items and users just added.
STAGES: tuple[Callable[[SeedContext], None], ...] = (seed_departments, seed_windows, seed_catalogue, seed_users)


def seed_demo(*, echo: Callable[[str], None] = click.echo, today: date | None = None) -> Counter[str]:
    """Seed the demo hall, commit, print a summary; returns how many records of each kind were created.

    The summary is read inside the seeding transaction, so nothing is left open after the commit (an open SQLite
    transaction would hold the write lock).
    """
    now = utcnow()
    ctx = SeedContext(now=now, today=today or now.astimezone().date())
    try:
        for stage in STAGES:
            stage(ctx)
        db.session.flush()
        summary = _summary(ctx)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for line in summary:
        echo(line)
    return ctx.created


def _summary(ctx: SeedContext) -> list[str]:
    def count(model: type) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    created = ctx.created
    lines = ["Demo hall seeded" + ("" if created.total() else " (already present, nothing added)") + "."]
    for label, model in (("departments", Department), ("windows", Window), ("items", Item), ("users", User)):
        lines.append(f"  {label:<12} {count(model):>4}  (+{created[label]})")
    by_type = dict(
        db.session.execute(
            sa.select(Item.case_type, sa.func.count())
            .where(Item.status == ItemStatus.PUBLISHED)
            .group_by(Item.case_type)
        ).all()
    )
    lines.append("  items by case type: " + ", ".join(f"{t.value} {by_type.get(t, 0)}" for t in CaseType))
    lines.append("")
    lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    lines.append(f"  {'username':<16} {'role':<11} {'dept':<5} {'windows':<8} name")
    for a in DEMO_ACCOUNTS:
        department = a.department or (ctx.windows[a.windows[0]].department.code if a.windows else "")
        lines.append(f"  {a.username:<16} {a.role.value:<11} {department:<5} {','.join(a.windows):<8} {a.display_name}")
    return lines
