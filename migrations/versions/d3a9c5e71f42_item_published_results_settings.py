"""per-item settings of published results (办件结果公示): whether, and for how many days

Revision ID: d3a9c5e71f42
Revises: 4c7e1b9d2a60
Create Date: 2026-12-02 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3a9c5e71f42'
down_revision = '4c7e1b9d2a60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_results', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('publish_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint(op.f('ck_items_publish_days_positive'), 'publish_days >= 1')


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_publish_days_positive'), type_='check')
        batch_op.drop_column('publish_days')
        batch_op.drop_column('publish_results')
