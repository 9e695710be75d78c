"""The one text-cleaning rule (service_center.text) and the forms that apply it to every text field."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField

from service_center import create_app, forms
from service_center.models import Item
from service_center.text import clean_text, max_length


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("  税务局  ", "税务局"),
        ("\u200b\ufeff", ""),  # zero-width space, byte-order mark
        ("\u202e\u200d\u2060", ""),  # right-to-left override, zero-width joiner, word joiner
        ("许可\u202e证", "许可证"),
        ("a\x07b\x1bc\x7fd\x85e", "abcde"),  # controls, C1 included
        ("\u3164\u115f", ""),  # Hangul fillers: letters that show nothing
        ("第一行\r\n\t第二行", "第一行\r\n\t第二行"),
        ("一\u2028二\u2029三", "一\n二\n三"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\u3000全角空格\u00a0", "全角空格"),
        ("\ud800x", "x"),  # a lone surrogate cannot be stored
    ],
)
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_clean_text_on_one_line():
    assert clean_text(" 食品\n经营\r\n\t许可 ", single_line=True) == "食品 经营 许可"
    assert clean_text("甲\u2028乙", single_line=True) == "甲 乙"
    assert clean_text(None) is None
    assert clean_text(None, single_line=True) is None


def test_max_length_reads_the_column():
    assert max_length(Item.name) == 200
    with pytest.raises(TypeError):
        max_length(Item.fees)  # Text: no length


def _form_classes() -> list[type]:
    classes = []
    for module_info in pkgutil.iter_modules(forms.__path__):
        module = importlib.import_module(f"{forms.__name__}.{module_info.name}")
        classes += [cls for _name, cls in inspect.getmembers(module, inspect.isclass)
                    if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__]
    return classes


def test_every_form_of_the_app_cleans_its_text():
    classes = _form_classes()
    assert len(classes) > 10
    assert [cls.__name__ for cls in classes if not issubclass(cls, forms.Form)] == []


@pytest.fixture(scope="module")
def request_context():
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        yield


@pytest.mark.parametrize("form_class", _form_classes(), ids=lambda cls: cls.__name__)
def test_every_text_field_but_passwords_is_cleaned(request_context, form_class):
    probe = MultiDict()
    form = form_class(formdata=MultiDict())
    for field in form:
        if isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField):
            probe[field.name] = "\u202e\u200b 甲\x07 "
    form = form_class(formdata=probe)
    for field in form:
        if field.name in probe and isinstance(field.data, str):
            assert field.data == "甲", field.name


def test_required_optional_and_input_required_see_the_cleaned_text(request_context):
    from wtforms.validators import DataRequired, InputRequired, Optional, Regexp

    class Probe(forms.Form):
        class Meta:
            csrf = False

        required = StringField(validators=[DataRequired()])
        typed = StringField(validators=[InputRequired()])
        digits = StringField(validators=[Optional(), Regexp(r"^[0-9]+$")])
        secret = PasswordField()

    blanks = {"required": "   ", "typed": "   ", "digits": "   ", "secret": " \u200bpw "}
    invisible = {**blanks, "required": "\u200b\ufeff", "typed": "\u200b\ufeff", "digits": "\u200b\ufeff"}
    results = []
    for data in (blanks, invisible):
        form = Probe(formdata=MultiDict(data))
        assert not form.validate()
        results.append(form.errors)
        assert form.secret.data == " \u200bpw "  # a password is what was typed
    assert results[0] == results[1]
    assert set(results[0]) == {"required", "typed"}
    assert len(results[0]["required"]) == 1  # the usual "required" message, as for blanks
