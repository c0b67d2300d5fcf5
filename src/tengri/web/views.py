"""Public pages of the registry: thin views over the registry selectors and reports."""

import hashlib

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from tengri.core.access import access_registry_read
from tengri.core.errors import NotFound
from tengri.registry.drawings import route_map_image, route_profile_image
from tengri.registry.reports import checkpoint_summary, route_report
from tengri.registry.selectors import checkpoint_list, route_fingerprint, route_get, route_list

PICTURE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def home(request: HttpRequest) -> HttpResponse:
    return redirect("route-list")


def route_list_page(request: HttpRequest) -> HttpResponse:
    access_registry_read(request.user)
    return render(request, "web/route_list.html", {"routes": route_list()})


def route_page(request: HttpRequest, code: str) -> HttpResponse:
    access_registry_read(request.user)
    route = _route_or_404(code)
    return render(request, "web/route_detail.html", {"route": route, "report": route_report(route)})


def checkpoint_list_page(request: HttpRequest) -> HttpResponse:
    access_registry_read(request.user)
    checkpoints = [(checkpoint, checkpoint_summary(checkpoint)) for checkpoint in checkpoint_list()]
    return render(request, "web/checkpoint_list.html", {"checkpoints": checkpoints})


def route_profile_picture(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _picture(request, code, fmt, "profile", route_profile_image)


def route_map_picture(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return _picture(request, code, fmt, "map", route_map_image)


def _picture(request: HttpRequest, code: str, fmt: str, kind: str, render_picture) -> HttpResponse:
    """Pictures are cached per route version and language: drawing a map takes about a second."""
    access_registry_read(request.user)
    if fmt not in PICTURE_TYPES:
        raise Http404("pictures are .svg or .png")
    route = _route_or_404(code)
    if route.waypoints.count() < 2:
        raise Http404("the route has fewer than two waypoints: nothing to draw")
    key = f"route-picture:{kind}:{fmt}:{get_language()}:{route_fingerprint(route)}"
    picture = cache.get(key)
    if picture is None:
        picture = render_picture(route, fmt)
        cache.set(key, picture, timeout=None)
    response = HttpResponse(picture, content_type=PICTURE_TYPES[fmt])
    response["ETag"] = '"' + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest() + '"'
    return response


def _route_or_404(code: str):
    try:
        return route_get(code=code)
    except NotFound as error:
        raise Http404(str(error)) from error
