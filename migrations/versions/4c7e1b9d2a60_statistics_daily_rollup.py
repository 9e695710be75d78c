"""statistics: the daily rollup (stat_daily) and working-day ordinals (stat_days)

Revision ID: 4c7e1b9d2a60
Revises: 8b1d4f6a2c35
Create Date: 2026-12-02 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4c7e1b9d2a60'
down_revision = '8b1d4f6a2c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stat_daily',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('received', sa.Integer(), server_default='0', nullable=False),
    sa.Column('accepted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('instant', sa.Integer(), server_default='0', nullable=False),
    sa.Column('closed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('closed_on_time_promised', sa.Integer(), server_default='0', nullable=False),
    sa.Column('closed_on_time_statutory', sa.Integer(), server_default='0', nullable=False),
    sa.Column('overdue_closed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('working_days_to_close', sa.Integer(), server_default='0', nullable=False),
    sa.Column('closed_rated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('overdue_open', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cards_reminder', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cards_yellow', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cards_red', sa.Integer(), server_default='0', nullable=False),
    sa.Column('cards_revoked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_very_satisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_satisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_basic', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_dissatisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_very_dissatisfied', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_default', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ratings_revoked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('bad_rectified', sa.Integer(), server_default='0', nullable=False),
    sa.Column('complaints', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['clerk_id'], ['users.id'], name=op.f('fk_stat_daily_clerk_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_stat_daily_department_id_departments')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stat_daily_item_id_items')),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_stat_daily_window_id_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stat_daily'))
    )
    op.create_index('ix_stat_daily_day_department', 'stat_daily', ['day', 'department_id'], unique=False)
    op.create_table('stat_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_stat_days'))
    )


def downgrade():
    op.drop_table('stat_days')
    op.drop_index('ix_stat_daily_day_department', table_name='stat_daily')
    op.drop_table('stat_daily')
