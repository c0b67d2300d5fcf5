"""Domain errors. Each maps to one HTTP status in `tengri.api` and to an exit code in the CLI."""


class TengriError(Exception):
    """Base of every error a user can cause and should be told about plainly."""

    http_status = 400


class InvalidInput(TengriError):
    """The request or command was malformed (a number that is not one, a latitude out of range)."""


class NotFound(TengriError):
    http_status = 404


class AccessDenied(TengriError):
    http_status = 403


class AuditLogIsAppendOnly(Exception):
    """Code tried to change or delete an audit entry (see tengri.core.models.AuditEntry).

    A programming error, not a user's: deliberately not a TengriError, so that it is never shown to a
    user as their fault and surfaces as a server error instead.
    """


class InvalidTransition(TengriError):
    """The object is not in a state that allows this (submit a rejected application, decide twice)."""

    http_status = 409


class Busy(TengriError):
    """Someone else holds the lock; the same request may be retried in a moment."""

    http_status = 503
