"""The monthly pages on the statistics blueprint: the window scorecard (窗口效能, /statistics/scorecard) and the
monthly bulletin (月通报, /statistics/bulletin), each as a page and an Excel workbook; the bulletin also as a
printable page. Any month may be asked for; a month without cases renders its empty tables. Same roles and
scope as the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..auth import roles_required
from ..extensions import db
from ..forms.statistics import MonthForm
from ..models import Case
from ..queries.scorecard import Score, monthly_scorecard
from ..queries.statistics import Breakdown, Figures, Period, cases_behind, figures
from ..statistics_export import CaseSheet, Sheet, write_workbook
from ..statistics_table import (
    CARD_COLUMNS,
    COMPLAINT_COLUMNS,
    FIGURE_COLUMNS,
    MEASURE_LABELS,
    RATING_COLUMNS,
    SCORE_COLUMNS,
)
from .statistics import STATISTICS_ROLES, bp, centre_totals, drill_url, score_rules, send_workbook

CASE_LIST_LIMIT = 50  # cases listed per section of the bulletin; the rest are one link away
BULLETIN_CASES = {  # the case lists, each with the figure that counts its cases (no COUNT over the cases)
    "overdue_open": "overdue_open", "closed_late_promised": "overdue_closed", "bad_ratings": "bad_ratings",
    "complaints": "complaints",
}


@dataclass
class CaseList:
    measure: str
    cases: list[Case]
    total: int

    @property
    def title(self) -> str:
        return str(MEASURE_LABELS[self.measure])


def _month_form():  # type: ignore[no-untyped-def]
    return MonthForm.from_args(request.args)


def _scorecards(period: Period) -> dict[str, list[Score]]:
    rules = score_rules()
    return {name: monthly_scorecard(period.start.year, period.start.month, breakdown, current_user, rules)
            for name, breakdown in (("window", Breakdown.WINDOW), ("department", Breakdown.DEPARTMENT))}


def _ranking_chart(scores: list[Score], title: str) -> dict[str, object]:
    return {"name": title, "rows": [{"label": s.label, "value": round(s.total, 1)} for s in scores
                                    if s.total is not None]}


@bp.route("/scorecard")
@roles_required(*STATISTICS_ROLES)
def scorecard():  # type: ignore[no-untyped-def]
    form = _month_form()
    context: dict[str, object] = {"form": form, "columns": SCORE_COLUMNS, "drill_url": drill_url,
                                  "rules": score_rules()}
    if not form.errors:
        period = form.month_period()
        scores = _scorecards(period)
        context.update(period=period, scores=scores, export_url=url_for("statistics.scorecard_export",
                                                                        month=period.label),
                       charts={"rankings": {"windows": _ranking_chart(scores["window"], _("Window score"))}})
    return render_template("statistics/scorecard.html", **context), 400 if form.errors else 200


def _rules_line() -> str:
    rules = score_rules()
    parts = {"timeliness": _("timeliness"), "satisfaction": _("satisfaction"), "complaints": _("complaints"),
             "cards": _("cards")}
    return _("Weights: %(weights)s", weights=", ".join(f"{parts[p]} {share:.0%}"
                                                        for p, share in rules.weight_shares.items()))


@bp.route("/scorecard.xlsx")
@roles_required(*STATISTICS_ROLES)
def scorecard_export():  # type: ignore[no-untyped-def]
    form = _month_form()
    if form.errors:
        return scorecard()
    period = form.month_period()
    scores = _scorecards(period)
    with force_locale("zh_CN"):
        heading = [_("Window scorecard %(month)s", month=period.label), _rules_line()]
        name = _("Window scorecard") + "-" + period.label
        sheets = [Sheet(_l("Windows"), SCORE_COLUMNS, scores["window"], heading=heading),
                  Sheet(_l("Departments"), SCORE_COLUMNS, scores["department"], heading=heading)]
    return send_workbook(write_workbook(sheets), name)


def _case_list(period: Period, measure: str, totals: Figures) -> CaseList:
    query = cases_behind(period, Breakdown.CENTRE, None, measure, current_user)
    cases = db.session.scalars(query.options(selectinload(Case.item), selectinload(Case.window),
                                             selectinload(Case.department)).limit(CASE_LIST_LIMIT)).all()
    return CaseList(measure, list(cases), getattr(totals, BULLETIN_CASES[measure]))


def _bulletin(period: Period) -> dict[str, object]:
    scores = _scorecards(period)
    departments: list[Figures] = figures(period, Breakdown.DEPARTMENT, current_user)
    totals = centre_totals(period)
    return {
        "period": period, "totals": totals, "scores": scores, "departments": departments,
        "windows": figures(period, Breakdown.WINDOW, current_user),
        "case_lists": [_case_list(period, measure, totals) for measure in BULLETIN_CASES],
        "columns": {"figures": FIGURE_COLUMNS, "scores": SCORE_COLUMNS, "cards": CARD_COLUMNS,
                    "ratings": RATING_COLUMNS, "complaints": COMPLAINT_COLUMNS},
        "charts": {"rankings": {"windows": _ranking_chart(scores["window"], _("Window score")),
                                "departments": _ranking_chart(scores["department"], _("Department score"))}},
        "drill_url": drill_url, "rules_line": _rules_line(), "case_list_limit": CASE_LIST_LIMIT,
    }


@bp.route("/bulletin")
@roles_required(*STATISTICS_ROLES)
def bulletin():  # type: ignore[no-untyped-def]
    form = _month_form()
    printable = request.args.get("print") == "1"
    context: dict[str, object] = {"form": form, "printable": printable}
    if not form.errors:
        period = form.month_period()
        context.update(_bulletin(period), export_url=url_for("statistics.bulletin_export", month=period.label),
                       print_url=url_for("statistics.bulletin", month=period.label, print=1))
    template = "statistics/bulletin_print.html" if printable else "statistics/bulletin.html"
    return render_template(template, **context), 400 if form.errors else 200


@bp.route("/bulletin.xlsx")
@roles_required(*STATISTICS_ROLES)
def bulletin_export():  # type: ignore[no-untyped-def]
    form = _month_form()
    if form.errors:
        return bulletin()
    period = form.month_period()
    scores = _scorecards(period)
    departments = figures(period, Breakdown.DEPARTMENT, current_user)
    with force_locale("zh_CN"):
        heading = [_("Monthly bulletin %(month)s", month=period.label)]
        name = _("Monthly bulletin") + "-" + period.label
        sheets: list[Sheet | CaseSheet] = [
            Sheet(_l("Overview"), FIGURE_COLUMNS, [centre_totals(period)], heading=heading),
            Sheet(_l("Window ranking"), SCORE_COLUMNS, scores["window"], heading=[_rules_line()]),
            Sheet(_l("Department ranking"), SCORE_COLUMNS, scores["department"], heading=[_rules_line()]),
            Sheet(_l("Departments"), FIGURE_COLUMNS, departments),
            Sheet(_l("Warning cards"), CARD_COLUMNS, departments),
            Sheet(_l("Ratings and rectification"), RATING_COLUMNS, figures(period, Breakdown.WINDOW, current_user)),
            Sheet(_l("Complaints by department"), COMPLAINT_COLUMNS, departments),
            *(CaseSheet(MEASURE_LABELS[measure], cases_behind(period, Breakdown.CENTRE, None, measure, current_user))
              for measure in BULLETIN_CASES),
        ]
    return send_workbook(write_workbook(sheets), name)

