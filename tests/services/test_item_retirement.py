"""Retiring an item (停用/取消): no new applications, running cases go on, no edits, no import brings it back."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from service_center.extensions import db
from service_center.models import Case, Item, ItemStatus
from service_center.services import Conflict, ServiceError
from service_center.services.catalogue import ItemData, retire_item, save_item
from service_center.services.catalogue_io import ImportRejected, export_csv, import_catalogue
from service_center.services.reception import accept
from tests.services.conftest import at


def _cases() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_retiring_stores_the_status_and_time_and_a_second_retire_is_a_conflict(app, hall):
    retire_item(hall.committed, now=at("2026-03-05"))
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(Item, hall.committed.id)
    assert item.status == ItemStatus.RETIRED
    assert item.retired_at == at("2026-03-05")
    with pytest.raises(Conflict):
        retire_item(item)
    assert db.session.get(Item, hall.committed.id).status == ItemStatus.RETIRED


def test_only_the_current_published_version_can_be_retired(app, hall, make_item):
    draft = make_item(status=ItemStatus.DRAFT)
    db.session.commit()
    with pytest.raises(Conflict):
        retire_item(draft)
    assert db.session.get(Item, draft.id).status == ItemStatus.DRAFT


def test_a_retired_item_receives_no_new_application_with_a_clear_message(app, hall):
    retire_item(hall.committed, now=at("2026-03-01"))
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        hall.receive(day="2026-03-02")
    assert refused.value.field == "item"
    assert hall.committed.name in refused.value.message
    assert "停用" in refused.value.message
    db.session.rollback()
    assert _cases() == 0


def test_cases_received_before_retirement_go_on_under_their_version(app, hall):
    case = hall.receive(day="2026-03-02")
    db.session.commit()
    retire_item(hall.committed, now=at("2026-03-03"))
    db.session.commit()
    accept(case, hall.actor("clerk"), when=at("2026-03-04"))
    db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.item_id == hall.committed.id
    assert case.clock_start_on is not None
    assert case.due_promised is not None
    assert case.in_progress


def test_a_retired_item_is_not_edited(app, hall):
    retire_item(hall.committed)
    db.session.commit()
    data = ItemData.of(hall.committed)
    with pytest.raises(Conflict):
        save_item(hall.committed, replace(data, promised_limit_days=5))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(
        Item.code == hall.committed.code)) == 1


def test_the_export_leaves_retired_items_out_and_an_import_does_not_bring_one_back(app, hall):
    exported = export_csv()
    code = hall.committed.code
    assert code.encode() in exported
    retire_item(hall.committed)
    db.session.commit()
    assert code.encode() not in export_csv()
    with pytest.raises(ImportRejected) as rejected:
        import_catalogue("old.csv", exported)
    assert [(e.column, code in e.message) for e in rejected.value.errors] == [("code", True)]
    db.session.rollback()
    statuses = db.session.scalars(sa.select(Item.status).where(Item.code == code)).all()
    assert statuses == [ItemStatus.RETIRED]
