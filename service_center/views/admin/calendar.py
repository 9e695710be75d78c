"""The working-day calendar: the stored holidays, make-up days and local closures of a year; publishing a year."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...forms.calendar import FIRST_YEAR, LAST_YEAR, CalendarDayForm, PublishYearForm
from ...labels import CALENDAR_SOURCE_LABELS, label
from ...models import CalendarDay, CalendarSource, CalendarYear
from ...services.calendar_days import holiday_name, remove_calendar_day
from ...services.clock import local_today, missing_years, publish_year, set_calendar_day
from . import bp


@bp.route("/calendar", methods=["GET"])
def calendar():  # type: ignore[no-untyped-def]
    today = local_today()
    year = request.args.get("year", today.year, type=int)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        year = today.year
    return _render(year, CalendarDayForm(), PublishYearForm(year=year + 1))


def _render(year: int, day_form: CalendarDayForm, year_form: PublishYearForm, status: int = 200):  # type: ignore[no-untyped-def]
    days = db.session.scalars(
        sa.select(CalendarDay)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(CalendarDay.day)
    ).all()
    published = db.session.scalars(sa.select(CalendarYear.year).order_by(CalendarYear.year)).all()
    missing = missing_years(local_today() + timedelta(days=400))
    return render_template("admin/calendar.html", year=year, days=days, published=published, missing=missing,
                           day_form=day_form, year_form=year_form, holiday_name=holiday_name,
                           source_label=lambda source: label(CALENDAR_SOURCE_LABELS, source),
                           local=CalendarSource.LOCAL), status


@bp.route("/calendar/days", methods=["POST"])
def calendar_set_day():  # type: ignore[no-untyped-def]
    form = CalendarDayForm()
    if not form.validate_on_submit():
        year = form.day.data.year if form.day.data else local_today().year
        return _render(year, form, PublishYearForm(year=year + 1), 400)
    recomputed = set_calendar_day(form.day.data, form.kind.data == "work", form.note.data or "")
    db.session.commit()
    flash(_("Saved %(day)s. Due dates of %(n)d open cases were recomputed.", day=form.day.data.isoformat(),
            n=recomputed), "success")
    return redirect(url_for("admin.calendar", year=form.day.data.year))


@bp.route("/calendar/days/<day>/remove", methods=["POST"])
def calendar_remove_day(day: str):  # type: ignore[no-untyped-def]
    """Remove a local entry: the day follows the national schedule again; open deadlines are recomputed."""
    try:
        removed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    recomputed = remove_calendar_day(removed)
    if recomputed is None:  # removed meanwhile, or the national schedule's day: nothing of the centre's to remove
        flash(_("%(day)s has no local entry to remove.", day=removed.isoformat()), "warning")
        return redirect(url_for("admin.calendar", year=removed.year))
    db.session.commit()
    flash(_("Removed the local entry of %(day)s. Due dates of %(n)d open cases were recomputed.",
            day=removed.isoformat(), n=recomputed), "success")
    return redirect(url_for("admin.calendar", year=removed.year))


@bp.route("/calendar/years", methods=["POST"])
def calendar_publish_year():  # type: ignore[no-untyped-def]
    form = PublishYearForm()
    if not form.validate_on_submit():
        return _render(local_today().year, CalendarDayForm(), form, 400)
    recomputed = publish_year(form.year.data)
    db.session.commit()
    flash(_("The %(year)d schedule is now authoritative. Due dates of %(n)d open cases were recomputed.",
            year=form.year.data, n=recomputed), "success")
    return redirect(url_for("admin.calendar", year=form.year.data))
