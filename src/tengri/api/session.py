"""Who is calling: the smallest authenticated answer the API gives (scripts check their credentials
with it; the rush benchmark measures the server's floor with it)."""

from django.http import HttpRequest
from ninja import Router, Schema

from tengri.api.security import SIGNED_IN
from tengri.core import access

router = Router(tags=["session"], auth=SIGNED_IN)


class Error(Schema):
    detail: str


class WhoAmIOut(Schema):
    username: str
    role: str


@router.get("/whoami", response={200: WhoAmIOut, 401: Error, 403: Error})
def whoami(request: HttpRequest):
    access.access_signed_in(request.user)
    return {"username": request.user.get_username(), "role": access.role_of(request.user)}
