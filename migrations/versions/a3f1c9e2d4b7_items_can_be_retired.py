"""Items can be retired (停用/取消): a status of their own and the time it happened

Revision ID: a3f1c9e2d4b7
Revises: e5b1c0d9a8f2
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c9e2d4b7'
down_revision = 'e5b1c0d9a8f2'
branch_labels = None
depends_on = None

STATUSES = ('draft', 'published', 'superseded', 'retired')
RETIRED_DATED = "(status = 'retired') = (retired_at IS NOT NULL)"


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('item_status', type_='check')
        batch_op.create_check_constraint('item_status', sa.column('status').in_(STATUSES))
        batch_op.create_check_constraint('retired_exactly_when_dated', RETIRED_DATED)


def downgrade():
    op.execute("UPDATE items SET status = 'superseded', superseded_at = retired_at WHERE status = 'retired'")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('retired_exactly_when_dated', type_='check')
        batch_op.drop_constraint('item_status', type_='check')
        batch_op.create_check_constraint('item_status', sa.column('status').in_(STATUSES[:3]))
        batch_op.drop_column('retired_at')
