"""sign-in failures and locks per account and client address

Revision ID: 5939f17a8ec7
Revises: 5d1e0a7c9b21
Create Date: 2026-12-02 16:13:17.679321

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5939f17a8ec7'
down_revision = '5d1e0a7c9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('last_failed_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failed_logins >= 0', name=op.f('ck_sign_in_addresses_failed_logins_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_in_addresses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_addresses')),
    sa.UniqueConstraint('user_id', 'address', name=op.f('uq_sign_in_addresses_user_id_address'))
    )


def downgrade():
    op.drop_table('sign_in_addresses')
