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
