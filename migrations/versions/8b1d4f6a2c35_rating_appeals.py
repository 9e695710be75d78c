"""rating appeals (申诉) decided by the supervision office

Revision ID: 8b1d4f6a2c35
Revises: 7e2d4c1a9b30
Create Date: 2026-12-02 17:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b1d4f6a2c35'
down_revision = '7e2d4c1a9b30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rating_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('appealed_by_id', sa.Integer(), nullable=False),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'upheld', 'revoked', name='rating_appeal_status', native_enum=False, create_constraint=True, length=11), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_rating_appeals_decided_exactly_when_not_pending')),
    sa.ForeignKeyConstraint(['appealed_by_id'], ['users.id'], name=op.f('fk_rating_appeals_appealed_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_rating_appeals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_rating_appeals_rating_id_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_appeals')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_appeals_rating_id'))
    )


def downgrade():
    op.drop_table('rating_appeals')
