"""online applications (网上申报) with their uploaded files; webhook subscriptions and the outbox's webhook channel

Revision ID: b7d41e2c9a58
Revises: d3a9c5e71f42
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e2c9a58'
down_revision = 'd3a9c5e71f42'
branch_labels = None
depends_on = None

CHANNELS = ('in_app', 'sms', 'email', 'webhook')


def upgrade():
    op.create_table('online_applications',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('supplemented_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_online_applications_case_id_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_online_applications'))
    )
    op.create_table('case_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('material', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.Enum('application', 'supplement', name='upload_stage', native_enum=False,
                               create_constraint=True, length=15), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_case_files_file_not_empty')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_case_files_sha256_hex')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_files_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_files'))
    )
    op.create_index(op.f('ix_case_files_case_id'), 'case_files', ['case_id'], unique=False)
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(secret) >= 16', name=op.f('ck_webhook_subscriptions_secret_long_enough')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions')),
    sa.UniqueConstraint('name', name=op.f('uq_webhook_subscriptions_name'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('outbox_channel', type_='check')
        batch_op.alter_column('channel', existing_type=sa.String(length=10), type_=sa.String(length=11),
                              existing_nullable=False)
        batch_op.create_check_constraint('outbox_channel', sa.column('channel').in_(CHANNELS))


def downgrade():
    op.execute("DELETE FROM outbox WHERE channel = 'webhook'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('outbox_channel', type_='check')
        batch_op.alter_column('channel', existing_type=sa.String(length=11), type_=sa.String(length=10),
                              existing_nullable=False)
        batch_op.create_check_constraint('outbox_channel', sa.column('channel').in_(CHANNELS[:3]))
    op.drop_table('webhook_subscriptions')
    op.drop_index(op.f('ix_case_files_case_id'), table_name='case_files')
    op.drop_table('case_files')
    op.drop_table('online_applications')
