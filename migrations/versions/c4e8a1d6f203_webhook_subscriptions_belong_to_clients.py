"""webhook subscriptions may belong to an integration client

Revision ID: c4e8a1d6f203
Revises: a9e4c2f7b115
Create Date: 2026-12-02 19:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1d6f203'
down_revision = 'a9e4c2f7b115'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_client_id'), ['client_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_webhook_subscriptions_client_id_integration_clients'),
                                    'integration_clients', ['client_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_webhook_subscriptions_client_id_integration_clients'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_client_id'))
        batch_op.drop_column('client_id')
