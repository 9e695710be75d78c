"""Warning cards (预警/黄牌/红牌) raised once per case or step, level and rule; their appeals; the supervision
office's thresholds; indexes for the warning sweep (undelivered grants, clocks stopped lately)

Revision ID: e5b1c0d9a8f2
Revises: f3a8c2d71e64
Create Date: 2026-12-02 16:19:38.181865

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1c0d9a8f2'
down_revision = 'f3a8c2d71e64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('warning_settings',
    sa.Column('scope', sa.String(length=30), nullable=False),
    sa.Column('reminder_days', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('reminder_days BETWEEN 0 AND 10', name=op.f('ck_warning_settings_reminder_days_in_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_warning_settings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_warning_settings'))
    )
    op.create_table('warning_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Enum('reminder', 'yellow', 'red', name='warning_level', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('rule', sa.Enum('promised_soon', 'promised_passed', 'step_overran', 'delivery_late', 'statutory_passed', name='warning_rule', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('judged_on', sa.Date(), nullable=False),
    sa.Column('working_days_over', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('handler_id', sa.Integer(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_warning_cards_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_warning_cards_department_id_departments')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_warning_cards_handler_id_users')),
    sa.ForeignKeyConstraint(['step_id'], ['case_steps.id'], name=op.f('fk_warning_cards_step_id_case_steps')),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_warning_cards_window_id_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warning_cards'))
    )
    with op.batch_alter_table('warning_cards', schema=None) as batch_op:
        batch_op.create_index('ix_warning_cards_department_raised', ['department_id', 'raised_at'], unique=False)
        batch_op.create_index('ix_warning_cards_handler', ['handler_id'], unique=False)
        batch_op.create_index('ix_warning_cards_raised', ['raised_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_warning_cards_window_id'), ['window_id'], unique=False)
        batch_op.create_index('uq_warning_cards_case', ['case_id', 'level', 'rule'], unique=True, postgresql_where=sa.text('step_id IS NULL'), sqlite_where=sa.text('step_id IS NULL'))
        batch_op.create_index('uq_warning_cards_step', ['step_id', 'level', 'rule'], unique=True, postgresql_where=sa.text('step_id IS NOT NULL'), sqlite_where=sa.text('step_id IS NOT NULL'))

    op.create_table('card_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('appealed_by_id', sa.Integer(), nullable=False),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'upheld', 'revoked', name='appeal_status', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_card_appeals_decided_exactly_when_not_pending')),
    sa.ForeignKeyConstraint(['appealed_by_id'], ['users.id'], name=op.f('fk_card_appeals_appealed_by_id_users')),
    sa.ForeignKeyConstraint(['card_id'], ['warning_cards.id'], name=op.f('fk_card_appeals_card_id_warning_cards')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_card_appeals_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_appeals')),
    sa.UniqueConstraint('card_id', name=op.f('uq_card_appeals_card_id'))
    )
    with op.batch_alter_table('card_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_appeals_status'), ['status'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_closed_on', ['closed_on'], unique=False)
        batch_op.create_index('ix_cases_decided_on', ['decided_on'], unique=False)
        batch_op.create_index('ix_cases_delivered_on', ['delivered_on'], unique=False)
        batch_op.create_index('ix_cases_open_due_delivery', ['due_delivery'], unique=False, postgresql_where=sa.text('in_progress'), sqlite_where=sa.text('in_progress'))



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_open_due_delivery', postgresql_where=sa.text('in_progress'), sqlite_where=sa.text('in_progress'))
        batch_op.drop_index('ix_cases_delivered_on')
        batch_op.drop_index('ix_cases_decided_on')
        batch_op.drop_index('ix_cases_closed_on')

    with op.batch_alter_table('card_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_appeals_status'))

    op.drop_table('card_appeals')
    with op.batch_alter_table('warning_cards', schema=None) as batch_op:
        batch_op.drop_index('uq_warning_cards_step', postgresql_where=sa.text('step_id IS NOT NULL'), sqlite_where=sa.text('step_id IS NOT NULL'))
        batch_op.drop_index('uq_warning_cards_case', postgresql_where=sa.text('step_id IS NULL'), sqlite_where=sa.text('step_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_warning_cards_window_id'))
        batch_op.drop_index('ix_warning_cards_raised')
        batch_op.drop_index('ix_warning_cards_handler')
        batch_op.drop_index('ix_warning_cards_department_raised')

    op.drop_table('warning_cards')
    op.drop_table('warning_settings')
