"""The public catalogue and each item's guide (办事指南) with its flow chart: no sign-in needed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from sqlalchemy.orm import selectinload

from workflows import get_definition
from workflows.diagrams import main_path, mermaid, side_exits

from ..database import read_without_transaction
from ..extensions import db
from ..labels import CASE_TYPE_LABELS, CATEGORY_LABELS, label
from ..models import CaseType, Department, Item, ItemCategory, ItemStatus
from ..queries.catalogue import item_search_clause
from .page_cache import cached_public_page
from .pagination import int_arg, paginate, search_term

bp = Blueprint("guide", __name__, url_prefix="/guide")


@bp.route("/")
@cached_public_page
def catalogue():  # type: ignore[no-untyped-def]
    """Published items, searchable by name, keywords (俗称), their pinyin or initials, or code, and filterable by
    department, category and case type. Every word of the search must match (one query, no Python filtering)."""
    read_without_transaction(db.session)
    # Every department in one query: the dropdown takes the active ones, and the items' departments are then
    # found in the session (no second query for them).
    all_departments = db.session.scalars(sa.select(Department).order_by(Department.code)).all()
    departments = [d for d in all_departments if d.active]
    q = search_term()
    query = (
        sa.select(Item)
        .where(Item.status == ItemStatus.PUBLISHED)
        .order_by(Item.department_id, Item.code)
    )
    if q:
        query = query.where(item_search_clause(Item, q))
    department_id = int_arg("department")
    if department_id:
        query = query.where(Item.department_id == department_id)
    case_type = request.args.get("type", "")
    if case_type in CaseType._value2member_map_:
        query = query.where(Item.case_type == case_type)
    category = request.args.get("category", "")
    if category in ItemCategory._value2member_map_:
        query = query.where(Item.category == category)
    else:
        category = ""
    case_types = list(CaseType)
    return render_template("guide/catalogue.html", page=paginate(query), q=q, departments=departments,
                           department_id=department_id, case_type=case_type, case_types=case_types,
                           case_type_labels={t: label(CASE_TYPE_LABELS, t) for t in case_types},
                           category=category, categories=[(c.value, label(CATEGORY_LABELS, c)) for c in ItemCategory])


@bp.route("/<code>")
@cached_public_page
def item_guide(code: str):  # type: ignore[no-untyped-def]
    """The guide of the item's published version: conditions, materials, limits, fees, windows, flow chart. A
    retired item's guide stays readable, marked withdrawn (已停用)."""
    read_without_transaction(db.session)
    item = db.session.scalar(
        sa.select(Item)
        .where(Item.code == code, Item.status.in_((ItemStatus.PUBLISHED, ItemStatus.RETIRED)))
        .order_by(Item.version.desc())
        .limit(1)
        .options(selectinload(Item.materials), selectinload(Item.windows), selectinload(Item.acceptance_periods),
                 selectinload(Item.participating_departments))
    )
    if item is None:
        abort(404)
    definition = get_definition(item.workflow_key)
    return render_template(
        "guide/item.html",
        item=item,
        definition=definition,
        flow=main_path(definition),
        exits=side_exits(definition),
        mermaid_source=mermaid(definition, internal=False),
    )
