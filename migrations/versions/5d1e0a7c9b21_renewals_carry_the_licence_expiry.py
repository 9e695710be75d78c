"""Renewals (延续) carry the expiry date of the licence they renew

Revision ID: 5d1e0a7c9b21
Revises: c782b441718e
Create Date: 2026-12-02 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1e0a7c9b21'
down_revision = 'c782b441718e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('licence_expires_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_cases_open_licence_expiry', ['licence_expires_on'], unique=False,
                              postgresql_where=sa.text('in_progress'), sqlite_where=sa.text('in_progress'))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_open_licence_expiry', postgresql_where=sa.text('in_progress'),
                            sqlite_where=sa.text('in_progress'))
        batch_op.drop_column('licence_expires_on')
