"""Historical demo cases: several thousand applications over the past six months, run through the services.

Every case is received, accepted, reviewed, decided, delivered and closed by the same service functions the
web pages use, with ``when=`` set in the past, so the events, due dates, steps, pauses and extensions are
exactly what real use would leave behind. Most cases finish on time; some overrun, some are paused or
extended, a few are refused, withdrawn or terminated; the most recent ones are still open.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

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
from ..services import ServiceError
from ..services import cases as svc
from ..services.clock import seed_calendar_from_package, work_calendar
from ..services.steps import record_step_decision

TZ = ZoneInfo("Asia/Shanghai")
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
PAUSE_REASON = "依法需要组织专家评审或现场核查，所需时间不计入审批期限"
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


def _applicant(rng: random.Random) -> svc.Applicant:
    from ..models import ApplicantKind

    if rng.random() < 0.35:
        name = f"{rng.choice(CITIES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{rng.choice(COMPANY_SUFFIXES)}"
        credit = "91330" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(13))
        return svc.Applicant(name, credit, f"0571-{rng.randint(80000000, 89999999)}", ApplicantKind.ORGANISATION)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    id_number = f"3301{rng.randint(1, 9):02d}{birth:%Y%m%d}{rng.randint(100, 999)}{rng.choice('0123456789X')}"
    return svc.Applicant(name, id_number, f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}")


def _at(day: date, rng: random.Random, hour: int = 9) -> datetime:
    """A moment in the given office hour of ``day`` (hours keep one day's actions in order)."""
    return datetime.combine(day, time(hour, rng.randint(0, 59)), TZ)


class _Timeline:
    """Working-day arithmetic for the generator (the same calendar the services use)."""

    def __init__(self, today: date) -> None:
        self.calendar = work_calendar()
        self.today = today

    def after(self, day: date, working_days: int) -> date:
        return self.calendar.add_working_days(day, working_days)

    def workdays_back(self, days: int) -> list[date]:
        start = self.today - timedelta(days=days)
        return [start + timedelta(d) for d in range(days + 1) if self.calendar.is_workday(start + timedelta(d))]


def seed_demo_cases(*, today: date, days: int = 182, per_day: tuple[int, int] = (18, 30), seed: int = 20261122,
                    echo: Callable[[str], None] = print) -> int:
    """Generate cases received over the past ``days`` days (skipped when the hall already has cases).

    Returns the number of cases created. Deterministic for a given seed, today and catalogue.
    """
    if db.session.scalar(sa.select(sa.func.count()).select_from(Case)):
        return 0
    seed_calendar_from_package(today.year - 1)
    rng = random.Random(seed)
    staff = _load_staff()
    timeline = _Timeline(today)
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
    window = rng.choice([w for w in item.windows if w.id in staff.clerks_by_window and w.is_open])
    clerk = svc.Actor.staff(staff.clerks_by_window[window.id])
    case = svc.receive_application(item=item, window=window, clerk=clerk.user, applicant=_applicant(rng),
                                   when=_at(day, rng, 9))
    today = timeline.today
    if case.workflow_key == "disclosure":
        _disclosure(case, day, rng, staff, timeline)
        return
    roll = rng.random()
    if roll < 0.03:
        svc.refuse(case, clerk, "申请事项不属于本机关职权范围，建议向有关行政机关申请。", when=_at(day, rng, 15))
        return
    accepted_on = day
    if item.case_type != CaseType.INSTANT and roll < 0.15:
        missing = [m.name for m in item.materials[: rng.randint(1, 2)]]
        svc.request_supplement(case, clerk, missing, when=_at(day, rng, 15))
        accepted_on = timeline.after(day, rng.randint(1, 4))
        if accepted_on > today:
            return  # still waiting for the supplement
        if rng.random() < 0.1:
            svc.withdraw(case, svc.APPLICANT, "申请人撤回申请", when=_at(accepted_on, rng))
            return
        svc.record_supplement(case, clerk, when=_at(accepted_on, rng))
    elif day == today and rng.random() < 0.5:
        return  # received today, not yet accepted
    else:
        svc.accept(case, clerk, when=_at(day, rng, 10))
    if item.case_type == CaseType.INSTANT:
        if rng.random() < 0.02:
            svc.withdraw(case, clerk, "申请人当场撤回", when=_at(day, rng, 16))
        else:
            svc.close_case(case, clerk, when=_at(day, rng, 16))
        return
    _review(case, item, accepted_on, rng, staff, timeline)


def _disclosure(case: Case, day: date, rng: random.Random, staff: Staff, timeline: _Timeline) -> None:
    """依申请公开: register, search, answer within 20 working days of receipt, close."""
    reviewer = svc.Actor.staff(staff.reviewers[case.department_id])
    started = timeline.after(day, 1)
    if started > timeline.today:
        return
    svc.perform(case, "start_processing", reviewer, when=_at(started, rng))
    answered = timeline.after(day, rng.randint(5, 22))
    if answered > timeline.today:
        return
    answer = rng.choice(("予以公开", "部分公开", "信息不存在", "不属于本机关公开职责权限范围"))
    svc.answer_disclosure(case, reviewer, answer, when=_at(answered, rng, 11))
    svc.close_case(case, svc.Actor.staff(staff.clerks_by_window[case.window_id]), when=_at(answered, rng, 15))


def _review(case: Case, item: Item, accepted_on: date, rng: random.Random, staff: Staff, timeline: _Timeline) -> None:
    today = timeline.today
    reviewer = svc.Actor.staff(staff.reviewers[case.department_id])
    head = svc.Actor.staff(staff.heads[case.department_id])
    promised = case.promised_limit_days
    # How long the review takes, as a share of the promised limit: mostly well inside it, a tail beyond.
    share = rng.choices((0.3, 0.6, 0.9, 1.15, 1.6), (0.3, 0.35, 0.25, 0.07, 0.03))[0]
    decided_on = timeline.after(accepted_on, max(1, round(promised * share)))
    pause_roll, extension_roll = rng.random(), rng.random()
    if pause_roll < 0.05:
        start = timeline.after(accepted_on, 1)
        if start <= today:
            svc.start_special_procedure(case, reviewer, rng.choice(SPECIAL_PROCEDURES), reason=PAUSE_REASON,
                                        expected_days=rng.randint(3, 10), when=_at(start, rng))
            end = timeline.after(start, rng.randint(2, 8))
            if end > today:
                return
            svc.end_special_procedure(case, reviewer, when=_at(end, rng))
            decided_on = max(decided_on, timeline.after(end, 2))
    if extension_roll < 0.04 and share >= 0.9:
        ask = timeline.after(accepted_on, max(1, promised // 2))
        if ask <= today:
            days = rng.randint(3, 10)
            svc.request_extension(case, reviewer, days, "情况复杂，需延长审查期限", when=_at(ask, rng, 13))
            approver = svc.Actor.staff(staff.manager) if case.workflow_key == "joint" and staff.manager else head
            svc.approve_extension(case, approver, when=_at(ask, rng, 15))
            decided_on = timeline.after(decided_on, days // 2)
    if case.workflow_key == "joint":
        for step in list(case.steps):
            step_day = timeline.after(accepted_on, max(1, round(promised * share * rng.uniform(0.4, 0.95))))
            if step_day > today:
                continue
            actor = svc.Actor.staff(staff.reviewers[step.department_id])
            decision = "reject" if rng.random() < 0.04 else "approve"
            record_step_decision(step.id, actor, decision, "同意" if decision == "approve" else "材料不符合要求",
                                 when=_at(step_day, rng))
        if case.state != "consolidation":
            return
    if case.workflow_key == "forwarded":
        forward_day = timeline.after(accepted_on, max(1, promised // 3))
        if forward_day > today:
            return
        svc.forward(case, reviewer, "初审通过，报上级审查", when=_at(forward_day, rng, 10))
    if decided_on > today:
        return
    if case.has_open_pause:
        return
    if rng.random() < 0.01 and case.state in ("under_review", "consolidation", "forwarded_review"):
        svc.terminate(case, head, "申请人主体资格消灭，终止办理", when=_at(decided_on, rng, 11))
        return
    rejected = any(s.status == StepStatus.REJECTED for s in case.steps)
    grant = not rejected and rng.random() > 0.06
    svc.decide(case, head, grant, "" if grant else DENIAL_REASON, when=_at(decided_on, rng, 11))
    clerk = svc.Actor.staff(staff.clerks_by_window[case.window_id])
    if grant:
        delivered = timeline.after(decided_on, rng.choice((0, 1, 1, 2, 3, 5)))
        if delivered > today:
            return
        svc.deliver(case, clerk, when=_at(delivered, rng, 14))
        svc.close_case(case, clerk, when=_at(delivered, rng, 15))
    else:
        svc.close_case(case, clerk, when=_at(timeline.after(decided_on, 1), rng))
