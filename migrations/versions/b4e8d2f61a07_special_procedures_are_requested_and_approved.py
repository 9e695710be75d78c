"""Special procedures are requested, then approved or refused; their result and the written notice are recorded

Revision ID: b4e8d2f61a07
Revises: d7c3e91b5a20
Create Date: 2026-12-03 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d2f61a07'
down_revision = 'd7c3e91b5a20'
branch_labels = None
depends_on = None

_LIVE = "ended_on IS NULL AND status <> 'refused'"


def upgrade():
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.drop_index('uq_case_pauses_one_open', postgresql_where=sa.text('ended_on IS NULL'),
                            sqlite_where=sa.text('ended_on IS NULL'))
        # Every pause so far started at once: it counts as approved.
        batch_op.add_column(sa.Column('status', sa.Enum('requested', 'approved', 'refused', name='pause_status',
                                                        native_enum=False, create_constraint=True, length=13),
                                      server_default='approved', nullable=False))
        batch_op.add_column(sa.Column('requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('requested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decided_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('decision_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('result', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('notified_on', sa.Date(), nullable=True))
        batch_op.alter_column('started_on', existing_type=sa.Date(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_case_pauses_requested_by_id_users'), 'users',
                                    ['requested_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_case_pauses_pause_started_when_approved'),
                                         "(status = 'approved') = (started_on IS NOT NULL)")
        batch_op.create_check_constraint(batch_op.f('ck_case_pauses_pause_ended_only_when_approved'),
                                         "ended_on IS NULL OR status = 'approved'")
        batch_op.create_index('uq_case_pauses_one_open', ['case_id'], unique=True,
                              postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE))


def downgrade():
    op.execute("DELETE FROM case_pauses WHERE status <> 'approved'")
    with op.batch_alter_table('case_pauses', schema=None) as batch_op:
        batch_op.drop_index('uq_case_pauses_one_open', postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE))
        batch_op.drop_constraint(batch_op.f('ck_case_pauses_pause_ended_only_when_approved'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_case_pauses_pause_started_when_approved'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_case_pauses_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_case_pauses_pause_status'), type_='check')
        batch_op.alter_column('started_on', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('notified_on')
        batch_op.drop_column('result')
        batch_op.drop_column('decision_note')
        batch_op.drop_column('decided_on')
        batch_op.drop_column('requested_on')
        batch_op.drop_column('requested_by_id')
        batch_op.drop_column('status')
        batch_op.create_index('uq_case_pauses_one_open', ['case_id'], unique=True,
                              postgresql_where=sa.text('ended_on IS NULL'), sqlite_where=sa.text('ended_on IS NULL'))
