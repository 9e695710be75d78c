"""Forms of the online application (网上申报) and the online supplement (网上补正): built per item from its
materials list (one file field per material), and per case from the materials the one-time notice listed."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import Field, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from ..models import Case, ItemMaterial
from ..text import max_length
from . import Form
from .cases import applicant_fields


class ApplicantOnlineForm(Form):
    """The window chosen among the item's windows and the applicant, ID number and phone required."""

    window = SelectField(_l("Window that handles it"), coerce=int, validators=[InputRequired()])
    applicant_kind, applicant_name, applicant_id_number, applicant_phone = applicant_fields(contact_required=True)


def material_field_name(material: ItemMaterial) -> str:
    return f"material_{material.id}"


def online_application_form(materials: Sequence[ItemMaterial]) -> ApplicantOnlineForm:
    """The application form for an item: the applicant's fields and one file field (several files) per
    material, named ``material_<id>``; which are required is checked with the files (key materials)."""
    fields: dict[str, Field] = {material_field_name(m): MultipleFileField(m.name) for m in materials}
    form_class = type("OnlineApplicationForm", (ApplicantOnlineForm,), fields)
    return form_class()


class CaseLookupForm(Form):
    """The case number and query code (as on the receipt) that let the applicant supplement online."""

    number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=max_length(Case.number))])
    query_code = StringField(_l("Query code"), validators=[DataRequired(), Length(max=max_length(Case.query_code))])


def supplement_form(materials: Sequence[str]) -> CaseLookupForm:
    """The supplement form: the case's number and code again, and one file field per listed material, named
    ``supplement_<position>``."""
    fields: dict[str, Field] = {f"supplement_{i}": MultipleFileField(name) for i, name in enumerate(materials)}
    return type("OnlineSupplementForm", (CaseLookupForm,), fields)()
