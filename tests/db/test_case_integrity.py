"""The database ties a case's outcome, decision date and close date to its state (through ``in_progress``,
false exactly in the workflow's final states), and every outcome a definition declares is a known outcome."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from service_center.extensions import db
from service_center.models import Case, CaseOutcome
from workflows.registry import all_definitions


def test_every_declared_outcome_is_a_case_outcome() -> None:
    declared = {t.outcome for d in all_definitions() for t in d.transitions if t.outcome}
    assert declared <= {o.value for o in CaseOutcome}

@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"in_progress": False}, id="final-without-close-date"),
        pytest.param({"closed_on": sa.func.current_date()}, id="open-with-close-date"),
        pytest.param({"outcome": "withdrawn"}, id="open-with-an-exit-outcome"),
        pytest.param({"delivered_on": sa.func.current_date()}, id="delivered-before-decision"),
        pytest.param({"outcome": "lost"}, id="unknown-outcome"),
    ],
)
def test_the_database_refuses_an_inconsistent_case(hall, values):
    case = hall.receive()
    db.session.commit()
    table = Case.__table__
    with pytest.raises((IntegrityError, StatementError)):  # noqa: PT012 - the statement is what is refused
        with db.session.begin_nested():
            db.session.execute(table.update().where(table.c.id == case.id).values(**values))
