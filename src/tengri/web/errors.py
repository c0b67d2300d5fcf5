"""Domain errors raised in a page become the right HTTP answer, once, here (as the API does)."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tengri.core.errors import AccessDenied, TengriError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if not isinstance(error, TengriError):
            return None
        if isinstance(error, AccessDenied) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return render(request, "web/error.html", {"error": error}, status=error.http_status)
