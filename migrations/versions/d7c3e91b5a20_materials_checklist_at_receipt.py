"""The materials checklist taken at receipt (收件材料清单) is stored on the case

Revision ID: d7c3e91b5a20
Revises: a3f1c9e2d4b7
Create Date: 2026-12-03 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7c3e91b5a20'
down_revision = 'a3f1c9e2d4b7'
branch_labels = None
depends_on = None


def upgrade():
    # Cases received so far have no checklist (NULL): nothing is checked for them.
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('materials_received', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('materials_received')
