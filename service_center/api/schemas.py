"""The API's request and response shapes (marshmallow): the OpenAPI document is generated from them, and every
response is dumped through its schema, so what is documented is what is sent."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..models import CaseType, ItemCategory, WarningLevel, WarningRule
from ..queries.statistics import Breakdown
from .paging import DEFAULT_LIMIT, MAX_LIMIT, page_schema

Str = fields.String
Int = fields.Integer
Bool = fields.Boolean
Date = fields.Date
DateTime = fields.DateTime


def opt(field: fields.Field) -> fields.Field:
    """A member that is always present and may be null."""
    field.allow_none = True
    field.required = True
    return field


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Paged(StrictSchema):
    """A list's query: ``cursor`` (the previous page's ``next_cursor``) and ``limit``."""

    cursor = Str(load_default="", metadata={"description": "next_cursor of the previous page"})
    limit = Int(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))


class Problem(Schema):
    """An error (RFC 9457): ``code`` is stable, ``field`` names the input at fault, ``errors`` every field's
    messages."""

    type = Str(required=True)
    title = Str(required=True)
    status = Int(required=True)
    detail = Str(required=True)
    code = Str(required=True)
    field = Str()
    errors = fields.Dict(keys=Str(), values=fields.List(Str()))


# -- catalogue ---------------------------------------------------------------------------------------------------


class ItemSummary(Schema):
    code = Str(required=True)
    version = Int(required=True)
    name = Str(required=True)
    category = Str(required=True)
    case_type = Str(required=True)
    department = Str(required=True)
    statutory_limit_days = Int(required=True)
    promised_limit_days = Int(required=True)
    status = Str(required=True)


class Material(Schema):
    name = Str(required=True)
    is_key = Bool(required=True)
    note = Str(required=True)


class WindowRef(Schema):
    number = Str(required=True)
    name = Str(required=True)


class ItemGuide(ItemSummary):
    conditions = Str(required=True)
    legal_basis = Str(required=True)
    fees = Str(required=True)
    keywords = Str(required=True)
    workflow_key = Str(required=True)
    materials = fields.List(fields.Nested(Material), required=True)
    windows = fields.List(fields.Nested(WindowRef), required=True)
    participating_departments = fields.List(Str(), required=True)
    flow = fields.List(Str(), required=True, metadata={"description": "the states of the main path, labelled"})


ItemPage = page_schema(ItemSummary, "ItemPage")


class CatalogueArgs(Paged):
    q = Str(load_default="", validate=validate.Length(max=100))
    department = Int(load_default=None, validate=validate.Range(1, 2**31 - 1))
    category = Str(load_default="", validate=validate.OneOf(["", *ItemCategory._value2member_map_]))
    type = Str(load_default="", validate=validate.OneOf(["", *CaseType._value2member_map_]))


# -- tracking, ratings, complaints ----------------------------------------------------------------------------------


class TrackBody(StrictSchema):
    number = Str(required=True, validate=validate.Length(1, 40))
    query_code = Str(required=True, validate=validate.Length(1, 16))


class Missing(Schema):
    name = Str(required=True)
    defect = Str(required=True)


class TimelineEntry(Schema):
    at = DateTime(required=True)
    label = Str(required=True)


class Tracked(Schema):
    number = Str(required=True)
    title = Str(required=True)
    state = Str(required=True)
    state_label = Str(required=True)
    next_step = Str(required=True)
    in_progress = Bool(required=True)
    applicant_name = Str(required=True, metadata={"description": "masked"})
    received_on = Date(required=True)
    expected_completion = opt(Date())
    missing = fields.List(fields.Nested(Missing), required=True)
    gaps = fields.List(Str(), required=True)
    gaps_due = opt(Date())
    reason = Str(required=True)
    handling = fields.Dict(keys=Str(), values=Str(), required=True)
    timeline = fields.List(fields.Nested(TimelineEntry), required=True)
    may_rate = Bool(required=True)


class RatingBody(TrackBody):
    level = Str(required=True, metadata={"description": "very_satisfied ... very_dissatisfied"})
    reason = Str(load_default="", validate=validate.Length(max=1000))


class RatingOut(Schema):
    number = Str(required=True)
    level = Str(required=True)
    channel = Str(required=True)


class ComplaintBody(StrictSchema):
    content = Str(required=True, validate=validate.Length(1, 4000))
    about_case_number = Str(load_default="", validate=validate.Length(max=40))
    about_window = Str(load_default="", validate=validate.Length(max=100))
    about_staff = Str(load_default="", validate=validate.Length(max=100))
    name = Str(load_default="", validate=validate.Length(max=100))
    phone = Str(load_default="", validate=validate.Length(max=30))


class ComplaintOut(Schema):
    number = Str(required=True)
    query_code = Str(required=True, metadata={"description": "shown once: track the complaint with it"})


class ResultArgs(Paged):
    item = Str(load_default="", validate=validate.Length(max=100),
               metadata={"description": "words matched against the item's name, keywords, pinyin or code"})
    department = Int(load_default=None, validate=validate.Range(1, 2**31 - 1))
    decided_from = Date(load_default=None)
    decided_to = Date(load_default=None)


class PublishedResult(Schema):
    number = Str(required=True)
    item_name = Str(required=True)
    item_code = Str(required=True)
    department = Str(required=True)
    outcome = Str(required=True)
    outcome_label = Str(required=True)
    decided_on = Date(required=True)
    applicant = Str(required=True, metadata={"description": "a person's name masked, an organisation's in full"})


ResultPage = page_schema(PublishedResult, "ResultPage")


# -- cases ------------------------------------------------------------------------------------------------------


class CaseSummary(Schema):
    id = Int(required=True)
    number = Str(required=True)
    title = Str(required=True)
    kind = Str(required=True)
    workflow_key = Str(required=True)
    state = Str(required=True)
    state_label = Str(required=True)
    in_progress = Bool(required=True)
    item_code = opt(Str())
    item_name = opt(Str())
    department_id = Int(required=True)
    window_id = opt(Int())
    applicant_name = Str(required=True)
    received_on = Date(required=True)
    accepted_on = opt(Date())
    due_promised = opt(Date())
    due_statutory = opt(Date())
    closed_on = opt(Date())
    outcome = opt(Str())
    lock_version = Int(required=True, metadata={"description": "the version If-Match names (ETag)"})


CasePage = page_schema(CaseSummary, "CasePage")


class Clock(Schema):
    used = Int(required=True)
    left_promised = Int(required=True)
    left_statutory = Int(required=True)


class Step(Schema):
    id = Int(required=True)
    department_id = Int(required=True)
    department = Str(required=True)
    is_lead = Bool(required=True)
    status = Str(required=True)
    due_on = Date(required=True)
    decided_at = opt(DateTime())
    opinion = Str(required=True)
    lock_version = Int(required=True)


class Event(Schema):
    at = DateTime(required=True)
    trigger = Str(required=True)
    label = Str(required=True)
    from_state = Str(required=True)
    to_state = Str(required=True)
    actor_id = opt(Int())
    actor_role = Str(required=True)
    comment = Str(required=True)


class ActionRef(Schema):
    trigger = Str(required=True)
    label = Str(required=True)
    inputs = fields.List(Str(), required=True)


class CaseDetail(CaseSummary):
    applicant_id_number = Str(required=True)
    applicant_phone = Str(required=True)
    outcome_reason = Str(required=True)
    outstanding_materials = fields.List(Str(), required=True)
    clock = opt(fields.Nested(Clock))
    steps = fields.List(fields.Nested(Step), required=True)
    events = fields.List(fields.Nested(Event), required=True)
    actions = fields.List(fields.Nested(ActionRef), required=True)
    notices = fields.List(Str(), required=True)


class CaseListArgs(Paged):
    q = Str(load_default="", validate=validate.Length(max=100))
    department = Str(load_default="")
    window = Str(load_default="")
    item = Str(load_default="")
    state = Str(load_default="")
    kind = Str(load_default="")
    due = Str(load_default="", metadata={"description": "warning level"})
    received_from = Str(load_default="", metadata={"format": "date"})
    received_to = Str(load_default="", metadata={"format": "date"})
    closed_from = Str(load_default="", metadata={"format": "date"})
    closed_to = Str(load_default="", metadata={"format": "date"})


class ActionBody(StrictSchema):
    """Every input any action reads; each action reads its own (``actions[].inputs`` of the case)."""

    comment = Str()
    reason = Str()
    note = Str()
    opinion = Str()
    result = Str()
    via = Str()
    answer_type = Str()
    procedure_type = Str()
    other_materials = Str()
    missing_materials = fields.List(Str())
    departments = fields.List(Int(validate=validate.Range(1, 2**31 - 1)))
    gaps_due = Date()
    commitment_signed = Bool()
    applicant_notified = Bool()
    expected_days = Int(validate=validate.Range(0, 10000))
    approver_id = Int(validate=validate.Range(1, 2**31 - 1))
    days = Int(validate=validate.Range(0, 10000))
    answer_days = Int(validate=validate.Range(0, 10000))


class StepDecisionBody(StrictSchema):
    decision = Str(required=True, validate=validate.OneOf(["approve", "reject", "return"]))
    opinion = Str(required=True, validate=validate.Length(max=4000))
    lock_version = Int(validate=validate.Range(1, 2**31 - 1),
                       metadata={"description": "the step's lock_version you saw (optional)"})


class Notice(Schema):
    kind = Str(required=True)
    title = Str(required=True)
    number = Str(required=True)
    applicant_name = Str(required=True)
    item_name = opt(Str())
    department = Str(required=True)
    issued_on = opt(Date())
    materials = fields.List(fields.Nested(Missing), required=True)
    reason = Str(required=True)
    due_on = opt(Date())
    tracking_url = Str(required=True)


class NoticeList(Schema):
    items = fields.List(fields.Nested(Notice), required=True)


# -- supervision ------------------------------------------------------------------------------------------------


class Card(Schema):
    id = Int(required=True)
    level = Str(required=True)
    rule = Str(required=True)
    case_id = Int(required=True)
    case_number = Str(required=True)
    step_id = opt(Int())
    department_id = Int(required=True)
    window_id = opt(Int())
    handler_id = opt(Int())
    raised_at = DateTime(required=True)
    appeal = opt(Str())


CardPage = page_schema(Card, "CardPage")


class CardArgs(Paged):
    level = Str(load_default="", validate=validate.OneOf(["", *WarningLevel._value2member_map_]))
    rule = Str(load_default="", validate=validate.OneOf(["", *WarningRule._value2member_map_]))
    department = Int(load_default=None, validate=validate.Range(1, 2**31 - 1))
    window = Int(load_default=None, validate=validate.Range(1, 2**31 - 1))
    raised_from = Date(load_default=None)
    raised_to = Date(load_default=None)
    case_open = Bool(load_default=None)
    appeal = Str(load_default="", validate=validate.OneOf(["", "none", "pending", "upheld", "revoked"]))
    number = Str(load_default="", validate=validate.Length(max=40))


class Order(Schema):
    id = Int(required=True)
    status = Str(required=True)
    subject = Str(required=True)
    department_id = Int(required=True)
    case_id = opt(Int())
    step_id = opt(Int())
    expectation = Str(required=True)
    response = Str(required=True)
    issued_at = DateTime(required=True)
    due_on = Date(required=True)


OrderPage = page_schema(Order, "OrderPage")


class OrderArgs(Paged):
    status = Str(load_default="", validate=validate.OneOf(["", "issued", "returned", "answered", "closed"]))
    department = Int(load_default=None, validate=validate.Range(1, 2**31 - 1))
    overdue = Bool(load_default=False)


# -- statistics ---------------------------------------------------------------------------------------------------


class StatisticsArgs(StrictSchema):
    start = Date(required=True, metadata={"description": "first day of the period"})
    end = Date(required=True, metadata={"description": "last day of the period (inclusive)"})
    breakdown = Str(load_default="centre", validate=validate.OneOf([b.value for b in Breakdown]))


COUNTS = ("received", "accepted", "closed", "closed_on_time_promised", "closed_on_time_statutory", "overdue_open",
          "overdue_closed", "overdue", "instant", "working_days_to_close", "cards_reminder", "cards_yellow",
          "cards_red", "cards_revoked", "ratings", "ratings_default", "ratings_revoked", "bad_ratings",
          "bad_rectified", "complaints", "closed_rated")
RATES = ("completion_rate", "on_time_rate_promised", "on_time_rate_statutory", "instant_rate",
         "average_working_days", "satisfaction_rate", "bad_rate", "coverage_rate", "rectification_rate",
         "complaints_per_thousand")

FiguresOut = Schema.from_dict({
    "key": opt(Int()), "label": Str(required=True),
    "ratings_by_level": fields.Dict(keys=Str(), values=Int(), required=True),
    **{name: Int(required=True) for name in COUNTS},
    **{name: opt(fields.Float()) for name in RATES},
}, name="Figures")


class StatisticsOut(Schema):
    start = Date(required=True)
    end = Date(required=True)
    breakdown = Str(required=True)
    groups = fields.List(fields.Nested(FiguresOut), required=True)
