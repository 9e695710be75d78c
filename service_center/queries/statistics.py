"""Statistics (#11) for the dashboard, scorecard, bulletin and hall board: figures of any period per breakdown,
read from the daily rollup (``stat_daily``, see :mod:`service_center.services.statistics`), the rates exactly as
DOMAIN.md "Metrics" defines them (docs/STATISTICS.md), and the cases behind each figure.

Scope: the centre's managers and the supervision office see every row; a department head sees their own
department's rows only (its windows, items and clerks too); anyone else gets ``PermissionError``.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from workflows.registry import workflow_keys

from ..extensions import db
from ..models import (
    BAD_LEVELS,
    AppealStatus,
    CardAppeal,
    Case,
    CaseType,
    DailyStat,
    Department,
    Item,
    Rating,
    Role,
    User,
    WarningCard,
    WarningLevel,
    Window,
)
from ..models.ratings import RatingAppeal, RatingAppealStatus
from ..models.statistics import MEASURES
from ..services.clock import local_today
from .deadlines import clock_stopped_on, overdue_promised_on
from .scope import applications, visible_clause

ALL_ROLES = frozenset({Role.MANAGER, Role.SUPERVISOR})
"""Roles that see the whole centre's statistics; a department head sees their department's."""


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included."""

    start: date
    end: date
    kind: str = field(default="custom", compare=False)

    @classmethod
    def day(cls, d: date) -> Period:
        return cls(d, d, "day")

    @classmethod
    def week(cls, d: date) -> Period:
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        if q not in (1, 2, 3, 4):
            raise ValueError(f"no quarter {q}")
        first = cls.month(year, 3 * q - 2)
        return cls(first.start, cls.month(year, 3 * q).end, "quarter")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        return cls(start, end, "custom")

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


class Breakdown(enum.StrEnum):
    CENTRE = "centre"
    WINDOW = "window"
    DEPARTMENT = "department"
    ITEM = "item"
    CLERK = "clerk"


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """The raw sums of one group over a period (the counts of docs/STATISTICS.md) and the rates of DOMAIN.md
    "Metrics" over them; a rate is None when its denominator is 0. ``overdue_open`` is the snapshot of the
    period's last day (today for a period still running)."""

    key: int | None
    label: str
    received: int = 0
    accepted: int = 0
    closed: int = 0
    closed_on_time_promised: int = 0
    closed_on_time_statutory: int = 0
    overdue_open: int = 0
    overdue_closed: int = 0
    instant: int = 0
    working_days_to_close: int = 0
    cards_reminder: int = 0
    cards_yellow: int = 0
    cards_red: int = 0
    cards_revoked: int = 0
    ratings_by_level: dict[str, int] = field(default_factory=dict)
    ratings_default: int = 0
    ratings_revoked: int = 0
    bad_ratings: int = 0
    bad_rectified: int = 0
    complaints: int = 0
    closed_rated: int = 0  # closed cases with an active rating (the numerator of coverage)

    @property
    def ratings(self) -> int:
        """Active ratings (neither default nor revoked)."""
        return sum(self.ratings_by_level.values())

    @property
    def completion_rate(self) -> float | None:
        """办结率: closed ÷ accepted."""
        return _ratio(self.closed, self.accepted)

    @property
    def on_time_rate_promised(self) -> float | None:
        """按时办结率 against the promised limit: closed by the promised due date ÷ closed."""
        return _ratio(self.closed_on_time_promised, self.closed)

    @property
    def on_time_rate_statutory(self) -> float | None:
        """按时办结率 against the statutory limit."""
        return _ratio(self.closed_on_time_statutory, self.closed)

    @property
    def overdue(self) -> int:
        """超期: open past the promised due date (at the period's end) plus closed after it (in the period)."""
        return self.overdue_open + self.overdue_closed

    @property
    def instant_rate(self) -> float | None:
        """即办率: instant cases ÷ all cases received."""
        return _ratio(self.instant, self.received)

    @property
    def average_working_days(self) -> float | None:
        """Average working days from acceptance to close, over the cases closed."""
        return _ratio(self.working_days_to_close, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: (非常满意 + 满意 + 基本满意) ÷ active ratings."""
        good = sum(n for level, n in self.ratings_by_level.items() if level not in BAD_LEVELS)
        return _ratio(good, self.ratings)

    @property
    def bad_rate(self) -> float | None:
        """差评率: bad ratings ÷ active ratings."""
        return _ratio(self.bad_ratings, self.ratings)

    @property
    def coverage_rate(self) -> float | None:
        """评价覆盖率: closed cases with an active rating ÷ closed cases."""
        return _ratio(self.closed_rated, self.closed)

    @property
    def rectification_rate(self) -> float | None:
        """差评整改率: bad ratings rectified ÷ bad ratings."""
        return _ratio(self.bad_rectified, self.bad_ratings)

    @property
    def complaints_per_thousand(self) -> float | None:
        """Complaints per thousand cases received."""
        return None if not self.received else 1000 * self.complaints / self.received


_LEVEL_COLUMNS = {name: name.removeprefix("ratings_") for name in MEASURES if name.startswith("ratings_")
                  and name not in ("ratings_default", "ratings_revoked")}
_PLAIN = {f.name for f in fields(Figures)} & set(MEASURES)


def _figures(key: int | None, label: str, sums: dict[str, int]) -> Figures:
    by_level = {level: int(sums.get(column) or 0) for column, level in _LEVEL_COLUMNS.items()}
    return Figures(key, label, **{name: int(sums.get(name) or 0) for name in _PLAIN}, ratings_by_level=by_level,
                   bad_ratings=sum(by_level[level] for level in BAD_LEVELS))


# -- scope and grouping ------------------------------------------------------------------------------------------


def _department_of(viewer: User) -> int | None:
    """None for the roles that see everything; the department a head sees; PermissionError for others."""
    if viewer.role in ALL_ROLES:
        return None
    if viewer.role == Role.DEPT_HEAD and viewer.department_id is not None:
        return viewer.department_id
    raise PermissionError(f"{viewer.role} may not see statistics")


def _item_key() -> sa.ColumnElement[int]:
    """The first version of the rollup row's item (the key items are grouped by)."""
    version, first = sa.orm.aliased(Item), sa.orm.aliased(Item)
    return (sa.select(sa.func.min(first.id)).join(version, version.code == first.code)
            .where(version.id == DailyStat.item_id).scalar_subquery())


def _sums(period: Period, breakdown: Breakdown, department: int | None, key_filter: int | None = None,
          filtered: bool = False) -> dict[int | None, dict[str, int]]:
    key = {Breakdown.WINDOW: DailyStat.window_id, Breakdown.DEPARTMENT: DailyStat.department_id,
           Breakdown.CLERK: DailyStat.clerk_id, Breakdown.ITEM: _item_key()}.get(breakdown, sa.literal(None))
    key = key.label("key")
    scope = [] if department is None else [DailyStat.department_id == department]
    if filtered:
        scope.append(key == key_filter if key_filter is not None else key.is_(None))
    summed = [sa.func.sum(getattr(DailyStat, m)).label(m) for m in MEASURES if m != "overdue_open"]
    rows = db.session.execute(sa.select(key, *summed).where(DailyStat.day.between(period.start, period.end), *scope)
                              .group_by(key)).mappings().all()
    result = {row["key"]: dict(row) for row in rows}
    snapshot = min(period.end, local_today())
    if snapshot >= period.start:
        for row in db.session.execute(sa.select(key, sa.func.sum(DailyStat.overdue_open).label("n")).where(
                DailyStat.day == snapshot, *scope).group_by(key)).mappings():
            result.setdefault(row["key"], {})["overdue_open"] = row["n"]
    return result


def _labels(breakdown: Breakdown, keys: set[int | None]) -> dict[int | None, str]:
    models = {Breakdown.WINDOW: (Window.id, Window.number + " " + Window.name),
              Breakdown.DEPARTMENT: (Department.id, Department.name),
              Breakdown.CLERK: (User.id, User.display_name), Breakdown.ITEM: (Item.id, Item.name)}
    labels: dict[int | None, str] = {None: _("Whole centre") if breakdown == Breakdown.CENTRE else _("(none)")}
    if breakdown in models and keys - {None}:
        id_, name = models[breakdown]
        labels.update(db.session.execute(sa.select(id_, name).where(id_.in_(keys - {None}))).all())
    return labels


def figures(period: Period, breakdown: Breakdown, viewer: User) -> list[Figures]:
    """The figures of each group of ``breakdown`` that had anything in ``period`` (one for the centre, keyed
    None), in the viewer's scope, ordered by label."""
    department = _department_of(viewer)
    sums = _sums(period, breakdown, department)
    if breakdown == Breakdown.CENTRE and not sums:
        sums = {None: {}}
    labels = _labels(breakdown, set(sums))
    return sorted((_figures(key, labels.get(key, ""), s) for key, s in sums.items()),
                  key=lambda f: (f.key is None and breakdown != Breakdown.CENTRE, f.label))


def monthly_trend(year: int, breakdown: Breakdown, viewer: User, key: int | None = None
                  ) -> list[tuple[Period, Figures]]:
    """Each month of ``year`` with the figures of one group (``key`` of ``breakdown``), or of everything in the
    viewer's scope when ``breakdown`` is the centre."""
    department = _department_of(viewer)
    label = _labels(breakdown, {key}).get(key, "")
    trend = []
    for month in range(1, 13):
        period = Period.month(year, month)
        if breakdown == Breakdown.CENTRE:
            sums = _sums(period, breakdown, department).get(None, {})
        else:
            sums = _sums(period, breakdown, department, key, filtered=True).get(key, {})
        trend.append((period, _figures(key, label, sums)))
    return trend


# -- the cases behind a figure -----------------------------------------------------------------------------------


def _in(column: sa.ColumnElement, period: Period) -> sa.ColumnElement[bool]:
    return column.between(period.start, period.end)


def _rating_in(period: Period, *conditions: sa.ColumnElement[bool]) -> sa.Exists:
    from ..services.statistics import local_day

    revoked = sa.exists().where(RatingAppeal.rating_id == Rating.id, RatingAppeal.status == RatingAppealStatus.REVOKED)
    return sa.exists().where(Rating.case_id == Case.id, ~Rating.is_default, ~revoked,
                             _in(local_day(Rating.rated_at), period), *conditions).correlate_except(
        Rating, RatingAppeal)


def _card_in(period: Period, level: WarningLevel) -> sa.Exists:
    """The case has a card of ``level`` judged in the period and not revoked on appeal."""
    revoked = sa.exists().where(CardAppeal.card_id == WarningCard.id, CardAppeal.status == AppealStatus.REVOKED)
    return sa.exists().where(WarningCard.case_id == Case.id, WarningCard.level == level,
                             _in(WarningCard.judged_on, period), ~revoked).correlate_except(WarningCard, CardAppeal)


def _measure_condition(measure: str, period: Period) -> sa.ColumnElement[bool]:
    stopped = clock_stopped_on()
    closed = sa.and_(applications(), Case.accepted_on.is_not(None), _in(Case.closed_on, period))
    conditions = {
        "received": lambda: sa.and_(applications(), _in(Case.received_on, period)),
        "accepted": lambda: sa.and_(applications(), _in(Case.accepted_on, period)),
        "instant": lambda: sa.and_(applications(), _in(Case.received_on, period), Case.case_type == CaseType.INSTANT),
        "closed": lambda: closed,
        "closed_on_time_promised": lambda: sa.and_(closed, stopped <= Case.due_promised),
        "closed_late_promised": lambda: sa.and_(closed, stopped > Case.due_promised),
        "overdue_closed": lambda: sa.and_(closed, stopped > Case.due_promised),
        "closed_on_time_statutory": lambda: sa.and_(closed, stopped <= Case.due_statutory),
        "closed_late_statutory": lambda: sa.and_(closed, stopped > Case.due_statutory),
        "overdue_open": lambda: sa.and_(applications(), overdue_promised_on(min(period.end, local_today()))),
        "bad_ratings": lambda: sa.and_(applications(), _rating_in(period, Rating.level.in_(BAD_LEVELS))),
        "complaints": lambda: sa.and_(Case.workflow_key.in_(workflow_keys(kind="complaint")),
                                      _in(Case.received_on, period)),
        **{f"cards_{level.value}": (lambda level=level: _card_in(period, level)) for level in WarningLevel},
    }
    if measure not in conditions:
        raise ValueError(f"no drill-down for {measure!r}; known: {sorted(conditions)}")
    return conditions[measure]()


def _key_condition(breakdown: Breakdown, key: int | None) -> sa.ColumnElement[bool]:
    if breakdown == Breakdown.CENTRE:
        return sa.true()
    if breakdown == Breakdown.ITEM and key is not None:
        code = sa.select(Item.code).where(Item.id == key).scalar_subquery()
        return Case.item_id.in_(sa.select(Item.id).where(Item.code == code))
    column = {Breakdown.WINDOW: Case.window_id, Breakdown.DEPARTMENT: Case.department_id,
              Breakdown.ITEM: Case.item_id, Breakdown.CLERK: Case.first_contact_id}[breakdown]
    return column.is_(None) if key is None else column == key


def cases_behind(period: Period, breakdown: Breakdown, key: int | None, measure: str, viewer: User) -> sa.Select:
    """A SELECT of the cases counted in one figure (``measure`` of group ``key`` of ``breakdown`` in
    ``period``), in the viewer's scope, newest received first."""
    department = _department_of(viewer)
    scope = sa.true() if department is None else sa.and_(Case.department_id == department, visible_clause(viewer))
    return (sa.select(Case).where(_measure_condition(measure, period), _key_condition(breakdown, key), scope)
            .order_by(Case.received_on.desc(), Case.id.desc()))
