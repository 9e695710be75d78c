"""Historical demo cases: several thousand applications over the past six months, run through the services.

Every case is received, accepted, reviewed, decided, delivered and closed by the same service functions the
web pages use, with ``when=`` set in the past, so the events, due dates, steps, pauses and extensions are
exactly what real use would leave behind. Most cases finish on time; some overrun, some are paused or
extended, a few are refused, withdrawn or terminated; the most recent ones are still open.

Nothing is dated after the moment the demo runs: every action's moment comes from :meth:`_Timeline.at`, which
stops a case's story at the first action that would lie in the future, so that case stays open in the state it
has reached (waiting for acceptance, under review, paused, in parallel review, awaiting delivery ...).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from stdnum.cn import ric, uscc

from ..extensions import db
from ..models import (
    SPECIAL_PROCEDURES,
    Case,
    CaseEvent,
    CaseExtension,
    CasePause,
    CaseStep,
    CaseType,
    Item,
    ItemStatus,
    Role,
    StepStatus,
    User,
)
from ..services import ServiceError, clock_stops, core, decisions, intake, reception
from ..services.clock import local_now, seed_calendar_from_package, work_calendar
from ..services.steps import record_step_decision

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏斌晨宇欣怡浩然子涵梓轩思雨佳琪"
COMPANY_SUFFIXES = (
    "科技有限公司", "商贸有限公司", "餐饮管理有限公司", "建设工程有限公司", "物流有限公司", "医疗器械有限公司",
)
CITIES = "杭州宁波温州嘉兴湖州绍兴金华衢州舟山台州丽水"
CASE_ROWS = (Case, CaseEvent, CaseStep, CasePause, CaseExtension)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DISTRICTS = ("02", "05", "06", "08", "09", "10", "11", "12", "13")  # Hangzhou's districts (3301xx)
PAUSE_REASON = "依法需要组织专家评审或现场核查，所需时间不计入审批期限"
PAUSE_RESULT = "程序已完成，结论已存档"
DENIAL_REASON = "不符合法定条件，依法不予许可。申请人可自收到本决定之日起60日内申请行政复议，或6个月内提起行政诉讼。"


@dataclass
class Staff:
    clerks_by_window: dict[int, User]
    reviewers: dict[int, User]
    heads: dict[int, User]
    manager: User | None


def _load_staff() -> Staff:
    clerks: dict[int, User] = {}
    reviewers: dict[int, User] = {}
    heads: dict[int, User] = {}
    manager = None
    users = db.session.scalars(sa.select(User).where(User.active).options(selectinload(User.windows)).order_by(User.id))
    for user in users:
        if user.role == Role.CLERK:
            for window in user.windows:
                clerks.setdefault(window.id, user)
        elif user.role == Role.REVIEWER and user.department_id:
            reviewers.setdefault(user.department_id, user)
        elif user.role == Role.DEPT_HEAD and user.department_id:
            heads.setdefault(user.department_id, user)
        elif user.role == Role.MANAGER and manager is None:
            manager = user
    return Staff(clerks, reviewers, heads, manager)


def _applicant(rng: random.Random) -> intake.Applicant:
    from ..models import ApplicantKind

    if rng.random() < 0.35:
        name = f"{rng.choice(CITIES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{rng.choice(COMPANY_SUFFIXES)}"
        # As many draws as before the check characters were computed, so the demo's stories stay the same.
        drawn = [rng.choice(USCC_ALPHABET) for _ in range(13)]
        body = "913301" + "".join(str(USCC_ALPHABET.index(c) % 10) for c in drawn[:2]) + "".join(drawn[2:11])
        credit = body + uscc.calc_check_digit(body)
        return intake.Applicant(name, credit, f"0571-{rng.randint(80000000, 89999999)}", ApplicantKind.ORGANISATION)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    stem = f"3301{DISTRICTS[rng.randint(1, 9) - 1]}{birth:%Y%m%d}{rng.randint(100, 999)}"
    rng.choice("0123456789X")  # the draw that used to be the (unchecked) last character
    id_number = stem + ric.calc_check_digit(stem + "0")  # the function reads the first 17 characters
    return intake.Applicant(name, id_number, f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}")


class _NotYet(Exception):
    """The case's next action would lie after the moment the demo runs: its story stops here."""


class _Timeline:
    """Working-day arithmetic for the generator (the same calendar the services use), up to ``now``."""

    def __init__(self, now: datetime) -> None:
        self.calendar = work_calendar()
        self.now = now
        self.today = now.date()

    def at(self, day: date, rng: random.Random, hour: int = 9) -> datetime:
        """A moment in the given office hour of ``day`` (hours keep one day's actions in order).

        Raises :class:`_NotYet` when that moment is after ``now``: a later day, or a later hour of today.
        """
        moment = datetime.combine(day, time(hour, rng.randint(0, 59)), self.now.tzinfo)
        if moment > self.now:
            raise _NotYet
        return moment

    def after(self, day: date, working_days: int) -> date:
        return self.calendar.add_working_days(day, working_days)

    def workdays_back(self, days: int) -> list[date]:
        start = self.today - timedelta(days=days)
        return [start + timedelta(d) for d in range(days + 1) if self.calendar.is_workday(start + timedelta(d))]


def seed_demo_cases(*, now: datetime | None = None, days: int = 182, per_day: tuple[int, int] = (18, 30),
                    seed: int = 20261122, echo: Callable[[str], None] = print) -> int:
    """Generate cases received over the ``days`` days up to ``now`` (skipped when the hall already has cases).

    ``now`` (an aware datetime; default: the current time) is the moment the demo is run: no event, step
    decision or date of a case, step, pause or extension lies after it. Returns the number of cases created.
    Deterministic for a given seed, now and catalogue.
    """
    if db.session.scalar(sa.select(sa.func.count()).select_from(Case)):
        return 0
    centre_now = local_now()
    if now is None:
        now = centre_now
    elif now.tzinfo is None:
        raise ValueError(f"naive datetime {now!r}: pass an aware datetime")
    now = now.astimezone(centre_now.tzinfo)  # the services date actions in the centre's time zone
    seed_calendar_from_package(now.year - 1)
    rng = random.Random(seed)
    staff = _load_staff()
    timeline = _Timeline(now)
    by_type = _items_by_type(staff)
    weights = {CaseType.INSTANT: 0.34, CaseType.COMMITTED: 0.5, CaseType.JOINT: 0.1, CaseType.FORWARDED: 0.06}
    kinds = [k for k in weights if by_type[k]]
    created = 0
    for day in timeline.workdays_back(days):
        for _ in range(rng.randint(*per_day)):
            kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
            item = rng.choice(by_type[kind])
            if not item.accepts_on(day):
                continue
            try:
                with db.session.begin_nested():
                    _run_case(item, day, rng, staff, timeline)
                created += 1
            except _NotYet:  # received later today than now: no case yet
                pass
            except ServiceError as error:  # a generated path the rules refuse: skip that case
                echo(f"  skipped a {item.code} case on {day}: {error.message}")
        db.session.flush()
        _forget_cases()
    return created


def _forget_cases() -> None:
    """Detach the day's cases (and their rows) so the identity map stays small; items and staff stay loaded."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, CASE_ROWS):
            db.session.expunge(obj)


def _items_by_type(staff: Staff) -> dict[CaseType, list[Item]]:
    items = db.session.scalars(
        sa.select(Item).where(Item.status == ItemStatus.PUBLISHED).order_by(Item.id).options(
            selectinload(Item.windows), selectinload(Item.materials), selectinload(Item.participating_departments),
            selectinload(Item.acceptance_periods), selectinload(Item.department), selectinload(Item.lead_department))
    ).all()
    by_type: dict[CaseType, list[Item]] = defaultdict(list)
    for item in items:
        if _staffed(item, staff):
            by_type[item.case_type].append(item)
    return by_type


def _staffed(item: Item, staff: Staff) -> bool:
    departments = {item.department_id, *(d.id for d in item.participating_departments)}
    if item.lead_department_id:
        departments.add(item.lead_department_id)
    windows_ok = any(w.id in staff.clerks_by_window and w.is_open for w in item.windows)
    return windows_ok and all(d in staff.reviewers and d in staff.heads for d in departments)


def _run_case(item: Item, day: date, rng: random.Random, staff: Staff, timeline: _Timeline) -> None:
    """Receive a case on ``day`` and take it as far as ``now`` allows (raises _NotYet if received after now)."""
    window = rng.choice([w for w in item.windows if w.id in staff.clerks_by_window and w.is_open])
    clerk = core.Actor.staff(staff.clerks_by_window[window.id])
    received = timeline.at(day, rng, 9)
    case = reception.receive_application(item=item, window=window, clerk=clerk.user, applicant=_applicant(rng),
                                   when=received)
    try:
        _handle(case, item, day, rng, staff, timeline, clerk)
    except _NotYet:
        pass  # the next action is still to come: the case stays open where it is


def _handle(case: Case, item: Item, day: date, rng: random.Random, staff: Staff, timeline: _Timeline,
            clerk: core.Actor) -> None:
    """What happens to the case after receipt; every ``timeline.at`` raises _NotYet once past ``now``."""
    at = timeline.at
    if case.workflow_key == "disclosure":
        _disclosure(case, day, rng, staff, timeline)
        return
    roll = rng.random()
    if roll < 0.03:
        reception.refuse(case, clerk, "申请事项不属于本机关职权范围，建议向有关行政机关申请。", when=at(day, rng, 15))
        return
    accepted_on = day
    if item.case_type != CaseType.INSTANT and roll < 0.15:
        missing = [m.name for m in item.materials[: rng.randint(1, 2)]]
        reception.request_supplement(case, clerk, missing, when=at(day, rng, 15))
        accepted_on = timeline.after(day, rng.randint(1, 4))  # until then: waiting for the supplement
        if rng.random() < 0.1:
            decisions.withdraw(case, core.APPLICANT, "申请人撤回申请", when=at(accepted_on, rng))
            return
        reception.record_supplement(case, clerk, when=at(accepted_on, rng))
    elif day == timeline.today and rng.random() < 0.5:
        return  # received today, not yet accepted
    else:
        reception.accept(case, clerk, when=at(day, rng, 10))
    if item.case_type == CaseType.INSTANT:
        if rng.random() < 0.02:
            decisions.withdraw(case, clerk, "申请人当场撤回", when=at(day, rng, 16))
        else:
            decisions.close_case(case, clerk, when=at(day, rng, 16))
        return
    _review(case, item, accepted_on, rng, staff, timeline)


def _disclosure(case: Case, day: date, rng: random.Random, staff: Staff, timeline: _Timeline) -> None:
    """依申请公开: register, search, answer within 20 working days of receipt, close."""
    reviewer = core.Actor.staff(staff.reviewers[case.department_id])
    core.perform(case, "start_processing", reviewer, when=timeline.at(timeline.after(day, 1), rng))
    answered = timeline.after(day, rng.randint(5, 22))
    answer = rng.choice(("予以公开", "部分公开", "信息不存在", "不属于本机关公开职责权限范围"))
    decisions.answer_disclosure(case, reviewer, answer, when=timeline.at(answered, rng, 11))
    decisions.close_case(case, core.Actor.staff(staff.clerks_by_window[case.window_id]),
                   when=timeline.at(answered, rng, 15))


def _review(case: Case, item: Item, accepted_on: date, rng: random.Random, staff: Staff, timeline: _Timeline) -> None:
    at = timeline.at
    reviewer = core.Actor.staff(staff.reviewers[case.department_id])
    head = core.Actor.staff(staff.heads[case.department_id])
    promised = case.promised_limit_days
    # How long the review takes, as a share of the promised limit: mostly well inside it, a tail beyond.
    share = rng.choices((0.3, 0.6, 0.9, 1.15, 1.6), (0.3, 0.35, 0.25, 0.07, 0.03))[0]
    decided_on = timeline.after(accepted_on, max(1, round(promised * share)))
    pause_roll, extension_roll = rng.random(), rng.random()
    review_from = accepted_on  # the departments' shares run from here (after a special procedure, if any)
    if pause_roll < 0.06:
        # The first working day after acceptance: nothing else in the review comes earlier.
        start = timeline.after(accepted_on, 1)
        started = at(start, rng)
        clock_stops.request_special_procedure(case, reviewer, rng.choice(SPECIAL_PROCEDURES), reason=PAUSE_REASON,
                                              expected_days=rng.randint(3, 10), when=started)
        clock_stops.decide_special_procedure(case, head, True, when=started)  # the head approves at once
        end = timeline.after(start, rng.randint(3, 12))  # until then: paused
        clock_stops.end_special_procedure(case, reviewer, result=PAUSE_RESULT, when=at(end, rng))
        decided_on = max(decided_on, timeline.after(end, 2))
        review_from = end
    if extension_roll < 0.04 and share >= 0.9:
        ask = timeline.after(accepted_on, max(1, promised // 2))
        try:
            asked = at(ask, rng, 13)
        except _NotYet:
            asked = None  # not asked yet; the departments' earlier decisions below still happen
        if asked is not None:
            days = rng.randint(3, 10)
            clock_stops.request_extension(case, reviewer, days, "情况复杂，需延长审查期限", when=asked)
            approver = core.Actor.staff(staff.manager) if case.workflow_key == "joint" and staff.manager else head
            clock_stops.approve_extension(case, approver, when=at(ask, rng, 15))  # until then: pending
            decided_on = timeline.after(decided_on, days // 2)
    if case.workflow_key == "joint":
        # Each department decides on its own day, recorded in time order; those still to come stay pending.
        # Now and then one department overruns its own limit (a step overdue while the case is in parallel review).
        planned = []
        for step in case.steps:
            factor = rng.uniform(1.2, 2.0) if rng.random() < 0.12 else share * rng.uniform(0.4, 0.95)
            step_day = timeline.after(review_from, max(1, round(promised * factor)))
            decided_on = max(decided_on, step_day)  # the lead department decides once all have answered
            reject = rng.random() < 0.04
            try:
                planned.append((at(step_day, rng), step.id, step.department_id, reject))
            except _NotYet:
                continue
        for when, step_id, department_id, reject in sorted(planned):
            actor = core.Actor.staff(staff.reviewers[department_id])
            record_step_decision(step_id, actor, "reject" if reject else "approve",
                                 "材料不符合要求" if reject else "同意", when=when)
        if case.state != "consolidation":
            return
    if case.workflow_key == "forwarded":
        forward_day = timeline.after(review_from, max(1, promised // 3))
        decisions.forward(case, reviewer, "初审通过，报上级审查", when=at(forward_day, rng, 10))
        decided_on = max(decided_on, timeline.after(forward_day, 1))  # the upper level decides after that
    if case.has_open_pause:
        return
    decided_at = at(decided_on, rng, 11)
    if rng.random() < 0.01 and case.state in ("under_review", "consolidation", "forwarded_review"):
        decisions.terminate(case, head, "申请人主体资格消灭，终止办理", when=decided_at)
        return
    rejected = any(s.status == StepStatus.REJECTED for s in case.steps)
    grant = not rejected and rng.random() > 0.06
    decisions.decide(case, head, grant, "" if grant else DENIAL_REASON, when=decided_at)
    clerk = core.Actor.staff(staff.clerks_by_window[case.window_id])
    if grant:
        delivered = timeline.after(decided_on, rng.choice((0, 1, 1, 2, 3, 5)))  # until then: awaiting delivery
        decisions.deliver(case, clerk, when=at(delivered, rng, 14))
        decisions.close_case(case, clerk, when=at(delivered, rng, 15))
    else:
        decisions.close_case(case, clerk, when=at(timeline.after(decided_on, 1), rng))
