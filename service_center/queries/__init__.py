"""The read side: who sees which case, what counts as overdue or due soon (for cases and for departments'
steps), lists, counts and landing pages. Pages, dashboards, exports and the API read through here; every rule
is an SQL predicate, and the per-row badges are those same predicates evaluated for a page's ids."""
