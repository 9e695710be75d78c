"""The managers' statistics dashboard (/statistics): figures and rates of a period per window, department, item
or clerk, the year's monthly trend, the month's ranking of windows and departments, the cases behind every
figure (/statistics/cases) and Excel exports of each table.

Managers and the supervision office see the whole centre; a department head sees their own department (the
read side, :mod:`service_center.queries.statistics`, scopes every figure and case list); others get 403.
"""

from __future__ import annotations

from dataclasses import replace
from typing import IO

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ..auth import roles_required
from ..forms.statistics import BREAKDOWNS, DrillDownForm, StatisticsForm
from ..models import Case, Role
from ..queries.deadlines import Deadlines
from ..queries.scorecard import ScoreRules, monthly_scorecard
from ..queries.statistics import Breakdown, Figures, Period, cases_behind, figures, monthly_trend
from ..statistics_export import CaseSheet, Sheet, write_workbook
from ..statistics_table import FIGURE_COLUMNS, MEASURE_LABELS
from .cases.listing import xlsx_download
from .pagination import paginate

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

STATISTICS_ROLES = (Role.MANAGER, Role.SUPERVISOR, Role.DEPT_HEAD)
PERIOD_ARGS = ("period", "day", "month", "year", "quarter", "start", "end")
# The statistics pages and the hall board run no inline script (data comes in JSON blocks and attributes) and
# load nothing from elsewhere; ECharts sets inline styles on what it draws.
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def strict_csp(response: Response) -> Response:
    """The pages' Content-Security-Policy (the app's default only forbids framing)."""
    response.headers["Content-Security-Policy"] = STRICT_CSP
    return response


bp.after_request(strict_csp)


def send_workbook(file: IO[bytes], name: str) -> Response:
    """An .xlsx download named in Chinese (``name`` without the extension)."""
    return xlsx_download(file, f"{name}.xlsx", fallback="statistics.xlsx")


def score_rules() -> ScoreRules:
    return ScoreRules.from_config(current_app.config)


def _period_args() -> dict[str, str]:
    return {name: request.args[name] for name in PERIOD_ARGS if name in request.args}


def drill_url(breakdown: str, key: int | None, measure: str) -> str:
    """The cases behind one figure of the page's period (a template global on the statistics pages)."""
    return url_for("statistics.cases", **_period_args(), breakdown=breakdown, key=key or "", measure=measure)


def centre_totals(period: Period) -> Figures:
    """The totals row: the whole centre, or a department head's department (named so)."""
    totals = figures(period, Breakdown.CENTRE, current_user)[0]
    if current_user.role == Role.DEPT_HEAD and current_user.department is not None:
        return replace(totals, label=current_user.department.name)
    return totals


def _trend(year: int) -> dict[str, object]:
    months = monthly_trend(year, Breakdown.CENTRE, current_user)
    series = [("received", _("Cases received"), False), ("closed", _("Cases closed"), False),
              ("on_time_rate_promised", _("On time (promised)"), True),
              ("satisfaction_rate", _("Satisfaction rate"), True)]
    return {
        "months": [period.label for period, _figures in months],
        "count_axis": _("Cases"), "rate_axis": _("Rate"),
        "series": [{"name": name, "rate": rate,
                    "data": [(None if getattr(f, key) is None else round(100 * getattr(f, key), 1)) if rate
                             else getattr(f, key) for _period, f in months]}
                   for key, name, rate in series],
    }


def _rankings(month: Period) -> dict[str, object]:
    rankings: dict[str, object] = {}
    for name, breakdown, title in (("windows", Breakdown.WINDOW, _("Window score")),
                                   ("departments", Breakdown.DEPARTMENT, _("Department score"))):
        scores = monthly_scorecard(month.start.year, month.start.month, breakdown, current_user, score_rules())
        rankings[name] = {"name": title, "rows": [{"label": s.figures.label, "value": round(s.total, 1)}
                                                  for s in scores if s.total is not None]}
    return rankings


def _dashboard(form: StatisticsForm, status: int = 200):  # type: ignore[no-untyped-def]
    context: dict[str, object] = {"form": form, "columns": FIGURE_COLUMNS, "drill_url": drill_url}
    if not form.errors:
        period, breakdown = form.period_chosen(), form.breakdown_chosen()
        month = Period.month(period.end.year, period.end.month)
        context.update(
            period=period, breakdown=breakdown, breakdown_label=BREAKDOWNS[breakdown.value],
            rows=figures(period, breakdown, current_user), totals=centre_totals(period),
            month=month, charts={"trend": _trend(period.end.year), "rankings": _rankings(month)},
            export_url=url_for("statistics.export", **_period_args(), breakdown=breakdown.value),
        )
    return render_template("statistics/dashboard.html", **context), status


@bp.route("")
@roles_required(*STATISTICS_ROLES)
def dashboard():  # type: ignore[no-untyped-def]
    form = StatisticsForm.from_args(request.args)
    return _dashboard(form, 400 if form.errors else 200)


@bp.route("/export.xlsx")
@roles_required(*STATISTICS_ROLES)
def export():  # type: ignore[no-untyped-def]
    """The dashboard's table (its rows and the totals row) as Excel; bad input is the page with errors (400)."""
    form = StatisticsForm.from_args(request.args)
    if form.errors:
        return _dashboard(form, 400)
    period, breakdown = form.period_chosen(), form.breakdown_chosen()
    with force_locale("zh_CN"):
        heading = [_("Statistics %(period)s, %(breakdown)s", period=period.label,
                     breakdown=BREAKDOWNS[breakdown.value])]
        name = _("Statistics") + "-" + period.label
    sheet = Sheet(_l("Statistics"), FIGURE_COLUMNS, figures(period, breakdown, current_user),
                  totals=centre_totals(period), heading=heading)
    return send_workbook(write_workbook([sheet]), name)


def _drill_down() -> tuple[DrillDownForm, Period, Breakdown, int | None, str]:
    """The drill-down's form and what it asks for; 400 on bad input, 404 for a group the user does not see."""
    form = DrillDownForm.from_args(request.args)
    if form.errors:
        abort(400, description="; ".join(f"{form[name].label.text}: {' '.join(map(str, errors))}"
                                         for name, errors in form.errors.items()))
    period, breakdown, key = form.period_chosen(), Breakdown(form.breakdown.data), form.key.data
    if breakdown != Breakdown.CENTRE and key not in {f.key for f in figures(period, breakdown, current_user)}:
        abort(404)
    return form, period, breakdown, key, form.measure.data


def _group_label(period: Period, breakdown: Breakdown, key: int | None) -> str:
    if breakdown == Breakdown.CENTRE:
        return centre_totals(period).label
    return next((f.label for f in figures(period, breakdown, current_user) if f.key == key), "")


@bp.route("/cases")
@roles_required(*STATISTICS_ROLES)
def cases():  # type: ignore[no-untyped-def]
    """The cases behind one figure, paginated like the case list."""
    _form, period, breakdown, key, measure = _drill_down()
    query = cases_behind(period, breakdown, key, measure, current_user).options(
        selectinload(Case.item), selectinload(Case.window))
    page = paginate(query)
    deadlines = Deadlines.now()
    return render_template(
        "statistics/cases.html", page=page, badges=deadlines.badges(page.items), period=period,
        group=_group_label(period, breakdown, key), measure_label=MEASURE_LABELS[measure],
        back_url=url_for("statistics.dashboard", **_period_args(),
                         breakdown=breakdown.value if breakdown != Breakdown.CENTRE else Breakdown.WINDOW.value),
        export_url=url_for("statistics.cases_export", **{k: v for k, v in request.args.items() if k != "page"}),
    )


@bp.route("/cases/export.xlsx")
@roles_required(*STATISTICS_ROLES)
def cases_export():  # type: ignore[no-untyped-def]
    """Every case behind the figure (not just a page) as Excel, applicants' names as on the list."""
    _form, period, breakdown, key, measure = _drill_down()
    with force_locale("zh_CN"):
        title = str(MEASURE_LABELS[measure])
        name = f"{title}-{_group_label(period, breakdown, key)}-{period.label}"
    sheet = CaseSheet(title, cases_behind(period, breakdown, key, measure, current_user), masked=False)
    return send_workbook(write_workbook([sheet]), name)
