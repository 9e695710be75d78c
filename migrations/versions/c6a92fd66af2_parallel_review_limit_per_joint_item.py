"""Parallel review limit per joint item

Revision ID: c6a92fd66af2
Revises: cebf8f248536
Create Date: 2026-11-22 07:29:50.306057

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6a92fd66af2'
down_revision = 'cebf8f248536'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_limit_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'step_limit_within_promised',
            'step_limit_days IS NULL OR (step_limit_days >= 1 AND step_limit_days <= promised_limit_days)',
        )


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('step_limit_within_promised', type_='check')
        batch_op.drop_column('step_limit_days')
