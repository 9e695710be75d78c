"""views.saving.save_or_show: commit and redirect, or the service's refusal on its field with nothing kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.forms.organisation import DepartmentForm
from service_center.models import Department
from service_center.services import ServiceError
from service_center.views.saving import save_or_show


def _refusal(field: str | None):
    def save() -> None:
        db.session.add(Department(code="LOST", name="不应保存"))
        db.session.flush()
        raise ServiceError("名称已被使用", field=field)

    return save


@pytest.mark.parametrize(("field", "shown_on"), [("name", "name"), ("department", "code"), (None, "code")])
def test_a_refusal_is_shown_on_its_field_and_nothing_is_kept(app, field, shown_on):
    with app.test_request_context(method="POST"):
        form = DepartmentForm(meta={"csrf": False})
        form.validate()  # as validate_on_submit did in the view
        done = save_or_show(form, _refusal(field), saved="ok", then="/admin", fields={"department": "code"},
                            default_field="code")
        assert done is None
        assert form[shown_on].errors[-1] == "名称已被使用"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 0


def test_without_a_field_to_show_it_on_the_refusal_propagates(app):
    with app.test_request_context(method="POST"):
        form = DepartmentForm(meta={"csrf": False})
        form.validate()  # as validate_on_submit did in the view
        with pytest.raises(ServiceError):
            save_or_show(form, _refusal("nowhere"), saved="ok", then="/admin")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Department)) == 0


def test_success_commits_flashes_and_redirects(app):
    with app.test_request_context(method="POST"):
        form = DepartmentForm(meta={"csrf": False})
        form.validate()  # as validate_on_submit did in the view
        done = save_or_show(form, lambda: db.session.add(Department(code="KEPT", name="保存")), saved="已保存",
                            then="/admin/departments")
        assert (done.status_code, done.location) == (302, "/admin/departments")
    db.session.rollback()
    assert db.session.scalar(sa.select(Department.name).where(Department.code == "KEPT")) == "保存"
