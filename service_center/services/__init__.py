"""Every write goes through a service: validate, change, append the event, flush. Services never commit."""


class ServiceError(Exception):
    """A refused action, with a message for the user. The request rolls back; nothing is changed."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    """Someone else changed the record first (optimistic locking)."""

    status_code = 409
    code = "conflict"


# Hooks of core.perform: the applicant's messages (outbox) and the integration events (webhooks).
from . import outbox, webhooks  # noqa: E402,F401
