"""Private links for climbers: the operator hands each member a link to their own permit (page with the
QR for a phone, and the PDF). The token is an HMAC of the permit id under the server's secret, so it
cannot be guessed, and a re-issued permit (new id) gets a new link."""

import hashlib
import hmac

from django.conf import settings


def permit_link_token(permit_id: str) -> str:
    key = hashlib.sha256(b"tengri-permit-link:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, str(permit_id).encode(), hashlib.sha256).hexdigest()[:32]


def permit_link_valid(permit_id: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(permit_link_token(permit_id), token)
