"""Case outcome as an enum; check constraints tying outcome, decision and close dates to the state; whether the
statutory due date is provisional, apart from the promised one

Revision ID: c782b441718e
Revises: c6a92fd66af2
Create Date: 2026-12-02 15:55:34.782509

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c782b441718e'
down_revision = 'c6a92fd66af2'
branch_labels = None
depends_on = None

OUTCOMES = ('granted', 'denied', 'answered', 'refused', 'withdrawn', 'terminated', 'abandoned', 'rejected')
CHECKS = {
    'closed_exactly_when_final': 'in_progress = (closed_on IS NULL)',
    'open_outcome_is_a_decision': 'NOT in_progress OR outcome IS NULL OR decided_on IS NOT NULL',
    'delivered_after_decision': 'delivered_on IS NULL OR decided_on IS NOT NULL',
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_statutory_provisional', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.alter_column('outcome', existing_type=sa.VARCHAR(length=20), type_=sa.String(length=14),
                              existing_nullable=True)
        batch_op.create_check_constraint('case_outcome', sa.column('outcome').in_(OUTCOMES))
        for name, condition in CHECKS.items():
            batch_op.create_check_constraint(name, condition)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        for name in reversed(CHECKS):
            batch_op.drop_constraint(name, type_='check')
        batch_op.drop_constraint('case_outcome', type_='check')
        batch_op.alter_column('outcome', existing_type=sa.String(length=14), type_=sa.VARCHAR(length=20),
                              existing_nullable=True)
        batch_op.drop_column('due_statutory_provisional')
