"""ratings (好差评): one per case per channel, bad ones with a reason and their rectification

Revision ID: 5a7c3e9d1b24
Revises: 10027c988935
Create Date: 2026-12-02 17:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7c3e9d1b24'
down_revision = '10027c988935'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('tracking', 'link', 'evaluator', 'phone', 'paper', 'default', name='rating_channel', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.Column('level', sa.Enum('very_satisfied', 'satisfied', 'basic', 'dissatisfied', 'very_dissatisfied', name='rating_level', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('rectification_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("is_default = (channel = 'default')", name=op.f('ck_ratings_default_exactly_on_default_channel')),
    sa.CheckConstraint("level NOT IN ('dissatisfied', 'very_dissatisfied') OR reason <> ''", name=op.f('ck_ratings_bad_rating_has_reason')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ratings_case_id_cases')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_ratings_entered_by_id_users')),
    sa.ForeignKeyConstraint(['rectification_id'], ['cases.id'], name=op.f('fk_ratings_rectification_id_cases')),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_ratings_window_id_windows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('case_id', 'channel', name='uq_ratings_case_channel'),
    sa.UniqueConstraint('rectification_id', name=op.f('uq_ratings_rectification_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_window_rated', ['window_id', 'rated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_window_rated')

    op.drop_table('ratings')
