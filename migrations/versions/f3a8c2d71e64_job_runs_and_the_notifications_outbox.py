"""Job runs (one per job and period) with their failures, and the notifications outbox

Revision ID: f3a8c2d71e64
Revises: 5939f17a8ec7
Create Date: 2026-12-02 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a8c2d71e64'
down_revision = '5939f17a8ec7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=80), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('ok', 'partial', 'failed', name='job_outcome', native_enum=False,
                                 create_constraint=True, length=11), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('runner', sa.String(length=120), nullable=False),
    sa.CheckConstraint('(finished_at IS NULL) = (outcome IS NULL)', name=op.f('ck_job_runs_finished_with_an_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_job_runs_job_period'))
    )
    op.create_index('ix_job_runs_job_started', 'job_runs', ['job', 'started_at'], unique=False)
    op.create_table('job_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['job_runs.id'], name=op.f('fk_job_failures_run_id_job_runs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures'))
    )
    op.create_index(op.f('ix_job_failures_run_id'), 'job_failures', ['run_id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.Enum('in_app', 'sms', 'email', name='outbox_channel', native_enum=False,
                                 create_constraint=True, length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'dead', name='outbox_status', native_enum=False,
                                create_constraint=True, length=11), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(user_id IS NOT NULL) OR (address <> '')", name=op.f('ck_outbox_has_a_recipient')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_outbox_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_outbox_key'))
    )
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_outbox_user_unread', 'outbox', ['user_id', 'read_at'], unique=False)
    op.create_index(op.f('ix_outbox_case_id'), 'outbox', ['case_id'], unique=False)


def downgrade():
    op.drop_table('outbox')
    op.drop_table('job_failures')
    op.drop_table('job_runs')
