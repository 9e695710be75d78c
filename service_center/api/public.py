"""Public endpoints (no token): the catalogue and each item's guide, tracking by case number and query code (the
tracking page's throttle), rating a closed case and filing a complaint (the same services and validation as the
pages). Personal data is masked as on the pages."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from workflows import get_definition
from workflows.diagrams import main_path

from ..database import read_without_transaction
from ..extensions import db
from ..labels import flow_label
from ..masking import mask_name
from ..models import Case, Item, ItemStatus, RatingChannel
from ..queries.catalogue import item_search_clause
from ..queries.results import ResultFilters, published_result, published_results
from ..queries.tracking import tracked_facts
from ..services import NotFound, ServiceError
from ..services.clock import local_today
from ..services.complaints import receive_complaint
from ..services.core import APPLICANT
from ..services.intake import Applicant
from ..services.ratings import may_be_rated, rate, rated_on
from ..throttle import lookup_throttle
from ..views.cases.track import find_tracked_case, public_timeline
from . import schemas as s
from .paging import cursor_page

blp = Blueprint("api_public", __name__, description="Public: catalogue, guides, tracking, ratings, complaints")


class TooManyLookups(ServiceError):
    status_code = 429
    code = "too_many_lookups"


def _item_summary(item: Item) -> dict:
    return {"code": item.code, "version": item.version, "name": item.name, "category": str(item.category),
            "case_type": str(item.case_type), "department": item.department.name,
            "statutory_limit_days": item.statutory_limit_days, "promised_limit_days": item.promised_limit_days,
            "status": str(item.status)}


@blp.route("/catalogue")
@blp.arguments(s.CatalogueArgs, location="query", as_kwargs=False)
@blp.response(200, s.ItemPage)
def catalogue(args: dict):  # type: ignore[no-untyped-def]
    """Published items, searched (name, keywords, pinyin, code) and filtered as on the guide page."""
    read_without_transaction(db.session)
    query = sa.select(Item).where(Item.status == ItemStatus.PUBLISHED).options(selectinload(Item.department))
    if args["q"].strip():
        query = query.where(item_search_clause(Item, args["q"].strip()))
    if args["department"]:
        query = query.where(Item.department_id == args["department"])
    for name, column in (("type", Item.case_type), ("category", Item.category)):
        if args[name]:
            query = query.where(column == args[name])
    items, next_cursor = cursor_page(query, Item.id, args)
    return {"items": [_item_summary(i) for i in items], "next_cursor": next_cursor}


@blp.route("/catalogue/<code>")
@blp.response(200, s.ItemGuide)
def guide(code: str):  # type: ignore[no-untyped-def]
    """The guide of the item's published version (a retired item's stays readable, with status ``retired``)."""
    read_without_transaction(db.session)
    item = db.session.scalar(
        sa.select(Item).where(Item.code == code, Item.status.in_((ItemStatus.PUBLISHED, ItemStatus.RETIRED)))
        .order_by(Item.version.desc()).limit(1)
        .options(selectinload(Item.materials), selectinload(Item.windows),
                 selectinload(Item.participating_departments)))
    if item is None:
        raise NotFound(_("No such item."))
    definition = get_definition(item.workflow_key)
    return {**_item_summary(item), "conditions": item.conditions, "legal_basis": item.legal_basis,
            "fees": item.fees, "keywords": item.keywords, "workflow_key": item.workflow_key,
            "materials": [{"name": m.name, "is_key": m.is_key, "note": m.note} for m in item.materials],
            "windows": [{"number": w.number, "name": w.name} for w in item.windows],
            "participating_departments": [d.name for d in item.participating_departments],
            "flow": [flow_label(definition, step.state) for step in main_path(definition)]}


def _tracked(number: str, query_code: str):  # type: ignore[no-untyped-def]
    """The case, under the tracking page's throttle: 429 when this number is locked or this address failed too
    often, 404 for a wrong code exactly as for an unknown number."""
    number = number.strip().upper()
    throttle = lookup_throttle()
    refusal = throttle.admit(number)
    if refusal:
        raise TooManyLookups(refusal)
    case = find_tracked_case(number, query_code)
    if case is None:
        refusal = throttle.count_failure(number, get_remote_address())
        if refusal:
            raise TooManyLookups(refusal)
        raise NotFound(_("No case with this number and query code."))
    return case


@blp.route("/tracking", methods=["POST"])
@blp.arguments(s.TrackBody)
@blp.response(200, s.Tracked)
def track(body: dict):  # type: ignore[no-untyped-def]
    """A case's public status by its number and query code (POST: the code is a credential, kept out of URLs)."""
    read_without_transaction(db.session)
    case = _tracked(body["number"], body["query_code"])
    facts = tracked_facts(case, local_today())
    return {"number": case.number, "title": case.title, "state": case.state, "state_label": facts.state_label,
            "next_step": facts.next_step, "in_progress": case.in_progress,
            "applicant_name": mask_name(case.applicant_name), "received_on": case.received_on,
            "expected_completion": facts.expected_completion, "missing": facts.missing, "gaps": facts.gaps,
            "gaps_due": facts.gaps_due, "reason": facts.reason, "handling": facts.handling,
            "timeline": public_timeline(case),
            "may_rate": may_be_rated(case) and not rated_on(case, RatingChannel.LINK)}


@blp.route("/ratings", methods=["POST"])
@blp.arguments(s.RatingBody)
@blp.response(201, s.RatingOut)
def rate_case(body: dict):  # type: ignore[no-untyped-def]
    """Rate a closed application (好差评) by its number and query code, once; a bad rating needs its reason."""
    case = _tracked(body["number"], body["query_code"])
    rating = rate(case, RatingChannel.LINK, body["level"], body["reason"], actor=APPLICANT)
    db.session.commit()
    return {"number": case.number, "level": str(rating.level), "channel": str(rating.channel)}


@blp.route("/complaints", methods=["POST"])
@blp.arguments(s.ComplaintBody)
@blp.response(201, s.ComplaintOut)
def complain(body: dict):  # type: ignore[no-untyped-def]
    """File a complaint (no account, contact optional); track it with the number and query code returned."""
    case = receive_complaint(
        complainant=Applicant(body["name"], phone=body["phone"]), content=body["content"], actor=APPLICANT,
        source="online", about_case_number=body["about_case_number"], about_window=body["about_window"],
        about_staff=body["about_staff"])
    db.session.commit()
    return {"number": case.number, "query_code": case.query_code}


@blp.route("/results")
@blp.arguments(s.ResultArgs, location="query", as_kwargs=False)
@blp.response(200, s.ResultPage)
def results(args: dict):  # type: ignore[no-untyped-def]
    """Published results (办件结果公示): decisions of items that publish them, within their window; newest first."""
    read_without_transaction(db.session)
    filters = ResultFilters(item=args["item"].strip(), department_id=args["department"],
                            decided_from=args["decided_from"], decided_to=args["decided_to"])
    cases, next_cursor = cursor_page(published_results(local_today(), filters), Case.id, args)
    return {"items": [asdict(published_result(c)) for c in cases], "next_cursor": next_cursor}
