"""The warning sweep (电子监察预警): raise the supervision office's cards, set-based.

One ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per rule over the indexed due-date columns, with the
predicates of :mod:`service_center.queries.deadlines` (never re-implemented here):

- reminder (提示): ``due_within`` today .. the reminder period (working days, per item category);
- yellow (黄牌): ``overdue_promised`` and not ``overdue_statutory``; ``step_overdue`` (a department overran
  its step while the case may be on time); ``delivery_overdue``;
- red (红牌): ``overdue_statutory``.

A case that finished late is judged by the day its clock stopped (``clock_stopped_on``: the decision, else
the close), never by today: decided or closed after the promised date within the statutory one is a yellow
card, after the statutory date a red one, delivered after the delivery date a yellow one; the sweep looks
back WARNINGS_LOOKBACK_DAYS calendar days for such cases, so a scheduler that was down catches up.

Each (case or step, level, rule) is raised once (a unique index without the due date: a calendar change
that moves a due date adds nothing). The working days over are an ordinal difference: a ``VALUES`` table of
(day, working days counted since the first day) over the days the statements can meet, computed in Python
from the centre's calendar and joined to the due and judged dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    RULE_LEVELS,
    Case,
    CaseStep,
    Item,
    Role,
    StepStatus,
    User,
    WarningCard,
    WarningRule,
    WarningSetting,
)
from ..models.supervision import DEFAULT_SCOPE
from ..queries.deadlines import (
    clock_stopped_on,
    delivered_late,
    delivery_overdue,
    due_within,
    overdue_promised,
    overdue_statutory,
    step_overdue,
    stopped_late,
)
from .clock import work_calendar

ANALYZE_AFTER = 5000  # cards raised by one sweep after which PostgreSQL's statistics of the table are refreshed
DEFAULT_REMINDER_DAYS = 1  # DOMAIN.md: 1 working day or less left on the promised limit

_cards = WarningCard.__table__
CARD_COLUMNS = ("case_id", "step_id", "level", "rule", "due_on", "judged_on", "working_days_over",
                "window_id", "department_id", "handler_id", "raised_at")


@dataclass
class WarningCounts:
    """The cards one sweep raised, per rule, and their ids (for the notifications)."""

    raised: dict[str, int] = field(default_factory=dict)
    card_ids: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.raised.values())


# -- thresholds ------------------------------------------------------------------------------------------------


def reminder_thresholds() -> dict[str, int]:
    """The reminder period per scope: ``default`` and any item category the office set apart (set with
    :func:`services.supervision.save_thresholds`)."""
    stored = dict(db.session.execute(sa.select(WarningSetting.scope, WarningSetting.reminder_days)).all())
    return {DEFAULT_SCOPE: DEFAULT_REMINDER_DAYS, **stored}


# -- the sweep ---------------------------------------------------------------------------------------------------


def _workdays(first: date, last: date) -> tuple[sa.CTE, dict[date, int]]:
    """``workdays(day, n)``: for each day from ``first`` to ``last``, the working days in (first - 1, day]."""
    calendar = work_calendar()
    ordinals, n, day = {}, 0, first
    while day <= last:
        n += calendar.is_workday(day)
        ordinals[day] = n
        day += timedelta(days=1)
    table = sa.values(sa.column("day", sa.Date), sa.column("n", sa.Integer), name="workdays").data(
        list(ordinals.items())).cte("workdays")
    return table, ordinals


def _span(today: date, since: date, last: date) -> tuple[date, date]:
    """The days the statements can meet: from the earliest due date they may read to the last reminder day."""
    open_ = sa.select(sa.func.min(Case.due_promised)).where(Case.in_progress).scalar_subquery()
    statutory = sa.select(sa.func.min(Case.due_statutory)).where(Case.in_progress).scalar_subquery()
    delivery = sa.select(sa.func.min(Case.due_delivery)).where(Case.in_progress).scalar_subquery()
    steps = sa.select(sa.func.min(CaseStep.due_on)).where(CaseStep.status == StepStatus.PENDING).scalar_subquery()
    stopped = sa.or_(Case.decided_on >= since, sa.and_(Case.decided_on.is_(None), Case.closed_on >= since))
    finished = sa.select(sa.func.min(sa.func.coalesce(Case.due_promised, Case.due_delivery))).where(
        stopped).scalar_subquery()
    delivered = sa.select(sa.func.min(Case.due_delivery), sa.func.min(Case.delivered_on)).where(
        delivered_late(since)).subquery()
    found = [d for d in db.session.execute(
        sa.select(open_, statutory, delivery, steps, finished, *delivered.c)).one() if d is not None]
    return min([*found, since, today]), max(last, today)


def _insert(select: sa.Select) -> sa.Insert:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_cards).from_select(list(CARD_COLUMNS), select).on_conflict_do_nothing().returning(_cards.c.id)


def _card_select(rule: WarningRule, condition: sa.ColumnElement[bool], due: sa.ColumnElement[Any],
                 judged: sa.ColumnElement[Any] | date, now: datetime, workdays: sa.CTE, today_n: int,
                 *, step: bool = False) -> sa.Select:
    """One rule's cards: the case (or step) rows matching ``condition``, with the due date and the working
    days over on ``judged`` (a date: today; a column: when the clock stopped), and who answers for it."""
    due_day = workdays.alias("due_day")
    if isinstance(judged, date):
        judged_col: sa.ColumnElement[Any] = sa.literal(judged, sa.Date)
        over = sa.literal(today_n) - due_day.c.n
    else:
        judged_day = workdays.alias("judged_day")
        judged_col, over = judged, judged_day.c.n - due_day.c.n
    values = [
        Case.id, CaseStep.id if step else sa.null(), sa.literal(RULE_LEVELS[rule].value),
        sa.literal(rule.value), due, judged_col, over, Case.window_id,
        CaseStep.department_id if step else Case.department_id,
        CaseStep.assignee_id if step else Case.first_contact_id,
        sa.literal(now, WarningCard.raised_at.type),
    ]
    query = sa.select(*values)
    query = (query.select_from(CaseStep).join(Case, Case.id == CaseStep.case_id) if step
             else query.select_from(Case))
    query = query.join(due_day, due_day.c.day == due)
    if not isinstance(judged, date):
        query = query.join(judged_day, judged_day.c.day == judged)
    # Cards already raised are skipped by an anti-join on the unique index (a sweep every few minutes meets
    # the same overdue cases again and again); ON CONFLICT stays the guard against a concurrent sweep.
    raised = sa.exists().where(
        WarningCard.case_id == Case.id, WarningCard.level == RULE_LEVELS[rule].value, WarningCard.rule == rule.value,
        WarningCard.step_id == CaseStep.id if step else WarningCard.step_id.is_(None)).correlate_except(WarningCard)
    return query.where(condition, ~raised)


def _reminder_condition(today: date, thresholds: dict[str, int]) -> sa.ColumnElement[bool]:
    """``due_within`` today .. the reminder period, per item category (the default for the rest)."""
    calendar = work_calendar()
    by_days: dict[int, list[str]] = {}
    for scope, days in thresholds.items():
        if scope != DEFAULT_SCOPE:
            by_days.setdefault(days, []).append(scope)
    default = thresholds[DEFAULT_SCOPE]
    set_apart = [c for scope_list in by_days.values() for c in scope_list]
    if not set_apart:
        return due_within(today, calendar.add_working_days(today, default))

    def of_categories(categories: list[str]) -> sa.ColumnElement[bool]:
        return Case.item_id.in_(sa.select(Item.id).where(Item.category.in_(categories)))

    parts = [sa.and_(due_within(today, calendar.add_working_days(today, days)), of_categories(categories))
             for days, categories in by_days.items()]
    parts.append(sa.and_(due_within(today, calendar.add_working_days(today, default)),
                         sa.or_(Case.item_id.is_(None), ~of_categories(set_apart))))
    return sa.or_(*parts)


def local_day(now: datetime) -> date:
    """The centre's day at ``now`` (an aware moment)."""
    return now.astimezone(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))).date()


def _lookback(today: date) -> date:
    return today - timedelta(days=current_app.config.get("WARNINGS_LOOKBACK_DAYS", 31))


@dataclass(frozen=True)
class RuleCheck:
    """One rule's predicate, the due date it reads, and the day it judges as of (None: the sweep's day)."""

    rule: WarningRule
    condition: sa.ColumnElement[bool]
    due: sa.ColumnElement[Any]
    judged: sa.ColumnElement[Any] | None = None
    step: bool = False


def rule_checks(today: date, since: date, thresholds: dict[str, int]) -> list[RuleCheck]:
    """The rules as of ``today`` (the benchmark's floor inserts with the same predicates)."""
    stopped = clock_stopped_on()
    return [
        RuleCheck(WarningRule.STATUTORY_PASSED, overdue_statutory(today), Case.due_statutory),
        RuleCheck(WarningRule.STATUTORY_PASSED, stopped_late(Case.due_statutory, since), Case.due_statutory,
                  stopped),
        RuleCheck(WarningRule.PROMISED_PASSED, sa.and_(overdue_promised(today), ~overdue_statutory(today)),
                  Case.due_promised),
        RuleCheck(WarningRule.PROMISED_PASSED, sa.and_(stopped_late(Case.due_promised, since),
                                                       stopped <= Case.due_statutory), Case.due_promised, stopped),
        RuleCheck(WarningRule.STEP_OVERRAN, step_overdue(today), CaseStep.due_on, step=True),
        RuleCheck(WarningRule.DELIVERY_LATE, delivery_overdue(today), Case.due_delivery),
        RuleCheck(WarningRule.DELIVERY_LATE, delivered_late(since), Case.due_delivery, Case.delivered_on),
        RuleCheck(WarningRule.PROMISED_SOON, _reminder_condition(today, thresholds), Case.due_promised),
    ]


def sweep_checks(now: datetime) -> list[RuleCheck]:
    """:func:`rule_checks` as of ``now`` with the stored thresholds."""
    today = local_day(now)
    return rule_checks(today, _lookback(today), reminder_thresholds())


def card_statements(now: datetime) -> list[tuple[WarningRule, sa.Select]]:
    """The sweep's ``SELECT`` per rule as of ``now``: :func:`rule_checks` with the working days over joined."""
    today = local_day(now)
    since = _lookback(today)
    thresholds = reminder_thresholds()
    last = work_calendar().add_working_days(today, max(thresholds.values()))
    first, end = _span(today, since, last)
    workdays, ordinals = _workdays(first, end)
    return [(c.rule, _card_select(c.rule, c.condition, c.due, today if c.judged is None else c.judged, now,
                                  workdays, ordinals[today], step=c.step))
            for c in rule_checks(today, since, thresholds)]


Notifier = Callable[[Sequence[int]], object]


def raise_warning_cards(*, now: datetime, notify: Notifier | None = None) -> WarningCounts:
    """Raise every card due as of ``now`` (the centre's local time); idempotent. Flushes, never commits.

    ``notify`` gets the ids of the cards this sweep raised (default: :func:`notify_cards`)."""
    counts = WarningCounts()
    for rule, select in card_statements(now):
        ids = list(db.session.scalars(_insert(select)))
        if ids:
            counts.raised[rule.value] = counts.raised.get(rule.value, 0) + len(ids)
            counts.card_ids += ids
    if len(counts.card_ids) >= ANALYZE_AFTER and db.session.get_bind().dialect.name == "postgresql":
        # The next sweep's anti-join must know the cards are there (a plan made on an empty table's statistics
        # loops over it once per case); autovacuum would tell the planner only later.
        db.session.execute(sa.text("ANALYZE warning_cards"))
    if counts.card_ids:
        (notify or notify_cards)(counts.card_ids)
    return counts


# -- who hears of it -------------------------------------------------------------------------------------------


def card_recipients(card_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(card id, user id) for each card: its handler, and the heads (approvers) of its department."""
    if not card_ids:
        return []
    heads = sa.select(WarningCard.id, User.id).join(User, sa.and_(
        User.department_id == WarningCard.department_id, User.role == Role.DEPT_HEAD, User.active))
    handlers = sa.select(WarningCard.id, WarningCard.handler_id).where(WarningCard.handler_id.is_not(None))
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(card_ids), 5000):
        chunk = list(card_ids[start:start + 5000])
        for query in (heads, handlers):
            pairs.update((row[0], row[1]) for row in db.session.execute(query.where(WarningCard.id.in_(chunk))))
    return sorted(pairs)


def notify_cards(card_ids: Sequence[int]) -> int:
    """Tell each new card's handler and their approvers (the department's heads), in the app: one outbox row
    per card and recipient, keyed by both, so a re-run adds nothing. Returns the rows that were new."""
    from .outbox import Notice, notify_many

    recipients = card_recipients(card_ids)
    if not recipients:
        return 0
    details = {}
    for start in range(0, len(card_ids), 5000):
        details.update({row.id: row for row in db.session.execute(
            sa.select(WarningCard.id, WarningCard.case_id, WarningCard.rule, WarningCard.due_on,
                      WarningCard.working_days_over, Case.number).join(Case, Case.id == WarningCard.case_id)
            .where(WarningCard.id.in_(list(card_ids[start:start + 5000]))))})
    return notify_many(
        Notice(f"card:{card_id}:user:{user_id}", "warning_card", "in_app", user_id, f"card.{details[card_id].rule}",
               case_id=details[card_id].case_id,
               params={"number": details[card_id].number, "due": details[card_id].due_on.isoformat(),
                       "days": abs(details[card_id].working_days_over), "card": card_id})
        for card_id, user_id in recipients)


def register_card_templates() -> None:
    """The in-app messages of new cards, one per rule (see :mod:`.outbox`)."""
    from .outbox import register_template

    texts = {
        WarningRule.PROMISED_SOON: (_l("Reminder: promised date near"), _l(
            "Reminder (提示): case {number} is due by its promised date {due}, {days} working day(s) left.")),
        WarningRule.PROMISED_PASSED: (_l("Yellow card: promised date passed"), _l(
            "Yellow card (黄牌): case {number} passed its promised date {due} by {days} working day(s).")),
        WarningRule.STEP_OVERRAN: (_l("Yellow card: review step overran"), _l(
            "Yellow card (黄牌): the department's review step of case {number} passed its date {due} by {days} "
            "working day(s).")),
        WarningRule.DELIVERY_LATE: (_l("Yellow card: delivery late"), _l(
            "Yellow card (黄牌): the result of case {number} was due for delivery by {due}, {days} working day(s) "
            "over.")),
        WarningRule.STATUTORY_PASSED: (_l("Red card: statutory limit passed"), _l(
            "Red card (红牌): case {number} passed its statutory limit {due} by {days} working day(s).")),
    }
    for rule, (title, body) in texts.items():
        register_template(f"card.{rule}", title=title, body=body)


register_card_templates()
