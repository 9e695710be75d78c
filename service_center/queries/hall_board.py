"""The hall board's figures (大厅显示屏): today per window, figures only (no case, no applicant).

Per open window (and any other window with figures today): received and closed today, overdue (open past the
promised date, today's snapshot) and satisfaction (满意率 of today's ratings) from the statistics read side;
waiting (在办) is the cases received at the window today and still open, one indexed count (the totals row sums
the windows' counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ..extensions import db
from ..models import Case, User, Window
from .scope import applications
from .statistics import Breakdown, Figures, Period, figures


@dataclass(frozen=True)
class BoardRow:
    number: str
    name: str
    received: int
    closed: int
    waiting: int
    overdue: int
    satisfaction: float | None  # percent, one decimal

    @classmethod
    def of(cls, number: str, name: str, f: Figures, waiting: int) -> BoardRow:
        rate = f.satisfaction_rate
        return cls(number, name, f.received, f.closed, waiting, f.overdue_open,
                   None if rate is None else round(100 * rate, 1))


def _waiting(today: date, windows: list[int]) -> dict[int, int]:
    """Cases received today at each of ``windows`` and still open (ix_cases_window_received: window, day)."""
    query = (sa.select(Case.window_id, sa.func.count())
             .where(Case.window_id.in_(windows), Case.received_on == today, Case.in_progress, applications())
             .group_by(Case.window_id))
    return {window: n for window, n in db.session.execute(query)}


def hall_board(today: date, viewer: User) -> tuple[list[BoardRow], BoardRow]:
    """The board's rows, by window number, and the totals row of the whole centre."""
    period = Period.day(today)
    by_window = {f.key: f for f in figures(period, Breakdown.WINDOW, viewer)}
    windows = db.session.execute(
        sa.select(Window.id, Window.number, Window.name)
        .where(sa.or_(Window.is_open, Window.id.in_([k for k in by_window if k is not None])))
        .order_by(Window.number)).all()
    waiting = _waiting(today, [id_ for id_, _number, _name in windows])
    rows = [BoardRow.of(number, name, by_window.get(id_) or Figures(id_, name), waiting.get(id_, 0))
            for id_, number, name in windows]
    totals = BoardRow.of("", "", figures(period, Breakdown.CENTRE, viewer)[0], sum(waiting.values()))
    return rows, totals
