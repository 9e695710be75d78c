"""The statistics tables' columns: one definition each, read by the pages and by their Excel workbooks, so a
page and its export always hold the same numbers.

A column's value is what both show: counts as they are, rates as percentages rounded to one decimal, average
working days to one decimal, complaints per thousand cases to two; None (a rate without denominator) is shown
as "—" and left empty in Excel. A column with a ``measure`` links each figure to the cases behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Column:
    key: str  # an attribute of Figures (or of a Score, for the scorecard's columns)
    header: Any  # a lazy string
    kind: str = "count"  # count | rate | days | per_thousand | score | text
    measure: str | None = None  # cases_behind's measure, for the drill-down

    def value(self, source: Any) -> int | float | str | None:
        raw = getattr(source, self.key)
        if raw is None or self.kind in ("count", "text"):
            return raw
        if self.kind == "rate":
            return round(100.0 * raw, 1)
        return round(float(raw), 2 if self.kind == "per_thousand" else 1)

    def shown(self, source: Any) -> str:
        value = self.value(source)
        if value is None:
            return "—"
        return f"{value}%" if self.kind == "rate" else str(value)

    @property
    def excel_header(self) -> str:
        return f"{self.header}(%)" if self.kind == "rate" else str(self.header)


LABEL = Column("label", _l("Name"), "text")

FIGURE_COLUMNS = (
    LABEL,
    Column("received", _l("Cases received"), measure="received"),
    Column("accepted", _l("Cases accepted"), measure="accepted"),
    Column("closed", _l("Cases closed"), measure="closed"),
    Column("completion_rate", _l("Completion rate"), "rate", measure="closed"),
    Column("on_time_rate_promised", _l("On time (promised)"), "rate", measure="closed_on_time_promised"),
    Column("on_time_rate_statutory", _l("On time (statutory)"), "rate", measure="closed_on_time_statutory"),
    Column("overdue_open", _l("Overdue, open"), measure="overdue_open"),
    Column("overdue_closed", _l("Closed late"), measure="closed_late_promised"),
    Column("instant_rate", _l("Instant rate"), "rate", measure="instant"),
    Column("average_working_days", _l("Average working days"), "days", measure="closed"),
    Column("satisfaction_rate", _l("Satisfaction rate"), "rate"),
    Column("bad_rate", _l("Bad rating rate"), "rate", measure="bad_ratings"),
    Column("coverage_rate", _l("Rating coverage"), "rate"),
    Column("rectification_rate", _l("Rectification rate"), "rate", measure="bad_ratings"),
    Column("complaints", _l("Complaints"), measure="complaints"),
    Column("complaints_per_thousand", _l("Complaints per 1,000"), "per_thousand", measure="complaints"),
    Column("cards_yellow", _l("Yellow cards")),
    Column("cards_red", _l("Red cards")),
)

MEASURE_LABELS = {  # the drill-down's heading: which cases are listed
    "received": _l("Cases received"),
    "accepted": _l("Cases accepted"),
    "closed": _l("Cases closed"),
    "closed_on_time_promised": _l("Closed within the promised limit"),
    "closed_late_promised": _l("Closed after the promised limit"),
    "closed_on_time_statutory": _l("Closed within the statutory limit"),
    "closed_late_statutory": _l("Closed after the statutory limit"),
    "overdue_open": _l("Overdue, open"),
    "instant": _l("Instant cases"),
    "bad_ratings": _l("Bad ratings"),
    "complaints": _l("Complaints"),
}

SCORE_COLUMNS = (  # a Score reads score_<part> as that part and anything else from its figures
    Column("rank", _l("Rank")),
    LABEL,
    Column("total", _l("Score"), "score"),
    Column("score_timeliness", _l("Timeliness score"), "score"),
    Column("on_time_rate_promised", _l("On time (promised)"), "rate", measure="closed_on_time_promised"),
    Column("score_satisfaction", _l("Satisfaction score"), "score"),
    Column("satisfaction_rate", _l("Satisfaction rate"), "rate"),
    Column("score_complaints", _l("Complaints score"), "score"),
    Column("complaints", _l("Complaints"), measure="complaints"),
    Column("complaints_per_thousand", _l("Complaints per 1,000"), "per_thousand", measure="complaints"),
    Column("score_cards", _l("Cards score"), "score"),
    Column("cards_reminder", _l("Reminders")),
    Column("cards_yellow", _l("Yellow cards")),
    Column("cards_red", _l("Red cards")),
)

CARD_COLUMNS = (LABEL, Column("cards_reminder", _l("Reminders")), Column("cards_yellow", _l("Yellow cards")),
                Column("cards_red", _l("Red cards")), Column("cards_revoked", _l("Revoked cards")),
                Column("overdue_open", _l("Overdue, open"), measure="overdue_open"))

RATING_COLUMNS = (LABEL, Column("satisfaction_rate", _l("Satisfaction rate"), "rate"),
                  Column("coverage_rate", _l("Rating coverage"), "rate"),
                  Column("bad_ratings", _l("Bad ratings"), measure="bad_ratings"),
                  Column("bad_rectified", _l("Rectified")),
                  Column("rectification_rate", _l("Rectification rate"), "rate", measure="bad_ratings"))

COMPLAINT_COLUMNS = (LABEL, Column("received", _l("Cases received"), measure="received"),
                     Column("complaints", _l("Complaints"), measure="complaints"),
                     Column("complaints_per_thousand", _l("Complaints per 1,000"), "per_thousand",
                            measure="complaints"))
