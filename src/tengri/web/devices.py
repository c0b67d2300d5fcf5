"""Pages for the checkpoint devices (administrators): the list with each device's state and clock, and the
forms that register a device (its one-time enrolment token is shown once) and revoke one.

Thin: each view checks one access rule, calls a selector or a service, renders. A refused form comes back
with the error, status 400.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tengri.checkpoints.devices import device_register, device_revoke
from tengri.checkpoints.models import Device
from tengri.checkpoints.selectors import checkpoint_country, devices_list
from tengri.core import access
from tengri.core.errors import InvalidInput, InvalidTransition
from tengri.registry.selectors import checkpoint_list


def devices_page(request: HttpRequest) -> HttpResponse:
    access.access_device_admin(request.user)
    return _devices(request)


@require_POST
def device_register_view(request: HttpRequest) -> HttpResponse:
    access.access_device_admin(request.user)
    try:
        device, token = device_register(
            actor=request.user,
            checkpoint_code=request.POST.get("checkpoint", ""),
            label=request.POST.get("label", ""),
        )
    except InvalidInput as error:
        return _devices(request, error=str(error), status=400)
    server = request.build_absolute_uri("/").rstrip("/")
    context = {
        "device": device,
        "token": token,
        "command": f"tengri checkpoint init --checkpoint {device.checkpoint.code} --server {server} --token {token}",
        "country": checkpoint_country(device.checkpoint),
    }
    response = render(request, "web/device_registered.html", context)
    # The token exists in clear only in this answer: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def device_revoke_view(request: HttpRequest, device_id: str) -> HttpResponse:
    access.access_device_admin(request.user)
    try:
        device_revoke(actor=request.user, device_id=device_id, reason=request.POST.get("reason", ""))
    except (InvalidInput, InvalidTransition) as error:
        return _devices(request, error=str(error), status=400)
    return redirect("devices")


def _devices(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    moment = timezone.now()
    rows = [_device_row(device, moment) for device in devices_list()]
    context = {"devices": rows, "checkpoints": checkpoint_list(), "error": error, "post": request.POST}
    return render(request, "web/devices.html", context, status=status)


def _device_row(device: Device, moment: datetime) -> dict[str, Any]:
    if device.revoked_at is not None:
        state = "revoked"
    elif device.enrolled_at is not None:
        state = "enrolled"
    elif device.enrolment_expires_at is not None and device.enrolment_expires_at > moment:
        state = "waiting"
    else:
        state = "expired"
    skew = device.last_clock_skew_s
    return {
        "device": device,
        "country": checkpoint_country(device.checkpoint),
        "state": state,
        "skew": None if skew is None else round(skew),
        "skew_flagged": skew is not None and abs(skew) > settings.TENGRI_CLOCK_SKEW_FLAG_S,
    }
