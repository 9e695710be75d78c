"""item keywords and the guide's search text (name, keywords and their pinyin)

Revision ID: c6f2a8d4e913
Revises: 5a7c3e9d1b24
Create Date: 2026-12-02 17:30:00

"""
import sqlalchemy as sa
from alembic import op
from pypinyin import Style, lazy_pinyin

# revision identifiers, used by Alembic.
revision = 'c6f2a8d4e913'
down_revision = '5a7c3e9d1b24'
branch_labels = None
depends_on = None


def _search_text(name):
    """The search text of an item without keywords, as service_center.search_text.item_search_text wrote it
    when this revision was made (a migration does not import application code that may change later)."""
    phrase = " ".join((name or "").split())
    if not phrase:
        return ""
    full = "".join(lazy_pinyin(phrase, errors="ignore"))
    initials = "".join(lazy_pinyin(phrase, style=Style.FIRST_LETTER, errors="ignore"))
    return " ".join(p for p in (phrase, full, initials) if p).lower()


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keywords', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))

    # Existing rows have no keywords yet: their search text is their name and its pinyin.
    items = sa.table('items', sa.column('id', sa.Integer), sa.column('name', sa.String),
                     sa.column('search_text', sa.Text))
    connection = op.get_bind()
    rows = connection.execute(sa.select(items.c.id, items.c.name)).all()
    if rows:
        connection.execute(
            items.update().where(items.c.id == sa.bindparam('item_id')).values(search_text=sa.bindparam('text')),
            [{'item_id': row.id, 'text': _search_text(row.name)} for row in rows],
        )


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('search_text')
        batch_op.drop_column('keywords')
