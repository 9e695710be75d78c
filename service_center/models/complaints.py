"""What a complaint (投诉) case records beyond the case itself: how it came in and what it is about.

One row per complaint case. ``source`` is the door it came through (window, phone, 12345 hotline, online form);
a complaint passed on from the 12345 hotline carries the hotline's work-order number (工单号). What it is about
is free text as the complainant gave it: a case number, a window, a member of staff.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .case import Case

COMPLAINT_SOURCES = ("window", "phone", "12345", "online")


class ComplaintDetails(db.Model):
    __tablename__ = "complaint_details"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(10))
    work_order_number: Mapped[str] = mapped_column(sa.String(40), default="")
    about_case_number: Mapped[str] = mapped_column(sa.String(40), default="")
    about_window: Mapped[str] = mapped_column(sa.String(100), default="")
    about_staff: Mapped[str] = mapped_column(sa.String(100), default="")

    case: Mapped[Case] = relationship()
