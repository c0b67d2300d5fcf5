"""The `/api/v1/` API: thin handlers over the domain services and selectors; errors mapped here, once."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from tengri.api.applications import router as applications_router
from tengri.api.capacity import router as capacity_router
from tengri.api.devices import router as devices_router
from tengri.api.documents import router as documents_router
from tengri.api.indicators import router as indicators_router
from tengri.api.ledger import router as ledger_router
from tengri.api.permits import router as permits_router
from tengri.api.presence import router as presence_router
from tengri.api.registry import router as registry_router
from tengri.api.session import router as session_router
from tengri.core.errors import TengriError

api = NinjaAPI(
    title="Tengri API",
    version="1",
    description="Cross-border mountain routes between Kazakhstan and Kyrgyzstan: registry, applications, permits.",
    urls_namespace="api-v1",
)


@api.exception_handler(TengriError)
def _domain_error(request: HttpRequest, error: TengriError) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=error.http_status)


api.add_router("/", registry_router)
api.add_router("/", applications_router)
api.add_router("/", documents_router)
api.add_router("/", permits_router)
api.add_router("/", devices_router)
api.add_router("/", presence_router)
api.add_router("/", capacity_router)
api.add_router("/", session_router)
api.add_router("/", indicators_router)
api.add_router("/", ledger_router)
