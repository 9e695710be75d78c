"""complaint details: how a complaint came in (source, 12345 work-order number) and what it is about

Revision ID: 7e2d4c1a9b30
Revises: c6f2a8d4e913
Create Date: 2026-12-02 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e2d4c1a9b30'
down_revision = 'c6f2a8d4e913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('complaint_details',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('work_order_number', sa.String(length=40), nullable=False),
    sa.Column('about_case_number', sa.String(length=40), nullable=False),
    sa.Column('about_window', sa.String(length=100), nullable=False),
    sa.Column('about_staff', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_complaint_details_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_complaint_details'))
    )


def downgrade():
    op.drop_table('complaint_details')
