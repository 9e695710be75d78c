"""Supervision endpoints: warning cards (the card list's scope and filters), supervision orders (the orders
page's scope and filters) and the statistics' rates (queries.statistics, the dashboard's scope)."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..models import SupervisionOrder, WarningCard
from ..queries.orders import order_list_query
from ..queries.statistics import Breakdown, Period, figures
from ..queries.warnings import CardFilters, card_list_query
from ..services import ServiceError
from ..services.clock import local_today
from ..services.core import Forbidden
from ..views.orders import ORDER_ROLES
from ..views.statistics import STATISTICS_ROLES
from ..views.supervision import CARD_ROLES
from . import schemas as s
from .paging import cursor_page
from .tokens import BEARER, api_user, token_required

blp = Blueprint("api_supervision", __name__, description="Supervision: warning cards, orders and statistics")


def _card(card: WarningCard) -> dict:
    return {"id": card.id, "level": str(card.level), "rule": str(card.rule), "case_id": card.case_id,
            "case_number": card.case.number, "step_id": card.step_id, "department_id": card.department_id,
            "window_id": card.window_id, "handler_id": card.handler_id, "raised_at": card.raised_at,
            "appeal": str(card.appeal.status) if card.appeal else None}


@blp.route("/supervision/cards")
@blp.doc(security=BEARER)
@blp.arguments(s.CardArgs, location="query", as_kwargs=False)
@blp.response(200, s.CardPage)
@token_required(roles=CARD_ROLES)
def cards(args: dict):  # type: ignore[no-untyped-def]
    """Warning cards (预警/黄牌/红牌) the token's user may see: all for the oversight roles, a department's for its
    reviewers and head, a clerk's windows' or their own."""
    filters = CardFilters(level=args["level"], rule=args["rule"], department_id=args["department"],
                          window_id=args["window"], raised_from=args["raised_from"], raised_to=args["raised_to"],
                          case_open=args["case_open"], appeal=args["appeal"], number=args["number"].strip().upper())
    items, next_cursor = cursor_page(card_list_query(api_user(), filters), WarningCard.id, args)
    return {"items": [_card(c) for c in items], "next_cursor": next_cursor}


def _order(order: SupervisionOrder) -> dict:
    return {"id": order.id, "status": str(order.status), "subject": str(order.subject),
            "department_id": order.department_id, "case_id": order.case_id, "step_id": order.step_id,
            "expectation": order.expectation, "response": order.response, "issued_at": order.issued_at,
            "due_on": order.due_on}


@blp.route("/supervision/orders")
@blp.doc(security=BEARER)
@blp.arguments(s.OrderArgs, location="query", as_kwargs=False)
@blp.response(200, s.OrderPage)
@token_required(roles=ORDER_ROLES)
def orders(args: dict):  # type: ignore[no-untyped-def]
    """Supervision orders (督办): every order for the office, a head's department's own."""
    query = order_list_query(api_user(), status=args["status"], department_id=args["department"],
                             overdue_on=local_today() if args["overdue"] else None)
    items, next_cursor = cursor_page(query, SupervisionOrder.id, args)
    return {"items": [_order(o) for o in items], "next_cursor": next_cursor}




@blp.route("/statistics")
@blp.doc(security=BEARER)
@blp.arguments(s.StatisticsArgs, location="query", as_kwargs=False)
@blp.response(200, s.StatisticsOut)
@token_required(roles=STATISTICS_ROLES)
def statistics(args: dict):  # type: ignore[no-untyped-def]
    """The rates of a period (DOMAIN.md), for the centre or broken down by window, department, item or clerk: the
    whole centre for the manager and the supervision office, a head's own department."""
    try:
        period = Period.custom(args["start"], args["end"])
    except ValueError:
        raise ServiceError(_("The end of the range is before its start."), field="end") from None
    try:
        groups = figures(period, Breakdown(args["breakdown"]), api_user())
    except PermissionError:  # a head without a department
        raise Forbidden(_("Your role may not use this.")) from None
    return {"start": period.start, "end": period.end, "breakdown": args["breakdown"],
            "groups": [{**asdict(f), **{name: getattr(f, name) for name in (*s.RATES, "ratings", "overdue")}}
                       for f in groups]}
