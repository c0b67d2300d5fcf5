"""A permit as people see it (page and PDF): read back from its own QR text, so what is printed is
exactly what a checkpoint will verify."""

from tengri.permits.document import PermitSheet
from tengri.permits.models import Permit
from tengri.permits.services import permit_qr_text
from tengri.permits.verify import read_claims


def permit_sheet(permit: Permit) -> PermitSheet:
    text = permit_qr_text(permit)
    claims = read_claims(text)
    return PermitSheet(
        permit_id=str(permit.id),
        qr_text=text,
        surname=claims.surname,
        given_names=claims.given_names,
        nationality=claims.nationality,
        document_number=claims.document_number,
        role=claims.role,
        reference=claims.reference,
        route=claims.route,
        route_name=permit.application.route.name,
        valid_from=claims.not_before.date(),
        valid_until=claims.expires.date(),
        checkpoints=[(w.code, w.first_day, w.last_day) for w in claims.checkpoints],
        authorities=list(claims.authorities),
        revoked=permit.revoked,
    )
