"""Reading the item catalogue: the search the public guide and the published results share."""

from __future__ import annotations

import sqlalchemy as sa

from ..models import Item
from ..search_text import search_words


def item_search_clause(item: type[Item], q: str) -> sa.ColumnElement[bool]:
    """Items (``item``: the class or an alias) whose name, keywords (俗称), their pinyin or initials, or code
    match every word of ``q``: one ILIKE per word over the stored search text (services/catalogue.py)."""
    from ..views.pagination import like

    conditions = []
    for word in search_words(q):
        pattern = like(word)
        conditions.append(sa.or_(item.search_text.ilike(pattern, escape="\\"), item.code.ilike(pattern, escape="\\")))
    return sa.and_(sa.true(), *conditions)
