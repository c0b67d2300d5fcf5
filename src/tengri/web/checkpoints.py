"""Pages for the checkpoints' side of the centre: who is in the border zone (presence), overdue and alerted
groups (rescue, with the map of last known positions), and one group's planned against actual passages
with the position-report, summit-notice and descent-notice forms. The checkpoint devices' pages are in `web.devices`.

Thin: each view checks one access rule, calls a selector or a service, renders. Forms post with htmx and
get their panel back (with the error, status 400, when the service refused); without JavaScript they post
normally and redirect.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone as django_timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tengri.checkpoints import drawings, presence
from tengri.checkpoints.alerts import alert_get, alert_row, alerts_by_group, alerts_of, alerts_visible
from tengri.checkpoints.models import OverdueAlert, PositionReport
from tengri.checkpoints.overdue import overdue_groups
from tengri.checkpoints.selectors import REFUSED_SCANS_MAX, refused_scans
from tengri.checkpoints.services import alert_act, descent_notice_file, position_report, summit_notice_file
from tengri.checkpoints.tracks import LastKnown, group_track, group_tracks_of, is_on_trip
from tengri.core import access
from tengri.core.audit import audit_personal_data_read
from tengri.core.errors import AccessDenied, InvalidInput, InvalidTransition, NotFound
from tengri.expeditions.models import Application
from tengri.expeditions.selectors import application_get, members_active

REFUSED_SCAN_DAYS = 7
# What the rescue panel shows of the group beyond the presence pages: recorded as read, each time.
RESCUE_PANEL_FIELDS = [
    "surname",
    "given_names",
    "nationality",
    "sex",
    "emergency_contact_name",
    "emergency_contact_phone",
]
RESCUE_PANEL_REASON = "rescue: overdue or alerted group"
ZONES = {"KZ": 5, "KG": 6, "UTC": 0}
MAP_CACHE_SECONDS = 3600


def now() -> datetime:
    return django_timezone.now()


# --- Presence ----------------------------------------------------------------------------------------


def presence_page(request: HttpRequest) -> HttpResponse:
    access.access_presence_read(request.user)
    moment = now()
    administrator = access.is_administrator(request.user)
    # Attempted crossings at the checkpoints of the officer's state; every checkpoint's for an administrator.
    country = None if administrator else access.account_of(request.user).country
    context = {
        "presence": presence.presence_now(now=moment),
        "refused": refused_scans(country=country, since=moment - timedelta(days=REFUSED_SCAN_DAYS)),
        "refused_days": REFUSED_SCAN_DAYS,
        "refused_shown": REFUSED_SCANS_MAX,
        "viewer_country": _viewer_country(request, "KZ"),
        "is_administrator": administrator,
    }
    return render(request, "web/presence.html", context)


# --- Rescue ------------------------------------------------------------------------------------------


@dataclass
class RescueGroup:
    """A group on the rescue page: overdue now, or with an alert the officer works on."""

    application: Application
    overdue: bool
    deadline: datetime
    last_known: LastKnown
    alerts: list[OverdueAlert] = field(default_factory=list)

    @property
    def stage(self) -> int:
        """The highest stage raised and not closed (0: none)."""
        return max((alert.stage for alert in self.alerts if alert.state != OverdueAlert.State.CLOSED), default=0)


def rescue_page(request: HttpRequest) -> HttpResponse:
    access.access_rescue_read(request.user)
    groups = _rescue_groups(request.user, now())
    context = {
        "groups": [_rescue_card(request, group) for group in groups],
        "viewer_country": _viewer_country(request, "KZ"),
        "zones": ZONES,
        "sources": PositionReport.Source.choices,
    }
    return render(request, "web/rescue.html", context)


def rescue_people_panel(request: HttpRequest, reference: str) -> HttpResponse:
    """Members and emergency contact of a group on the rescue page: a read of personal data, audited."""
    access.access_rescue_read(request.user)
    group = _rescue_group(request.user, reference)
    application = group.application
    audit_personal_data_read(
        actor=request.user, subject=application, fields=RESCUE_PANEL_FIELDS, reason=RESCUE_PANEL_REASON
    )
    track = group_track(application)
    members = [
        {"member": member, "state": track.state_of(member), "country": track.country_of(member)}
        for member in members_active(application)
    ]
    context = {"application": application, "members": members, "panel": "web/rescue_people.html"}
    template = "web/rescue_people.html" if _htmx(request) else "web/panel_page.html"
    return render(request, template, context)


def rescue_map_picture(request: HttpRequest) -> HttpResponse:
    """The last known points of the rescue page's groups, on the offline map. Cached per drawn content and
    language: drawing takes about a second."""
    access.access_rescue_read(request.user)
    groups = _rescue_groups(request.user, now())
    stages = {group.application.pk: group.stage for group in groups if group.stage}
    points = drawings.last_known_points([group.application for group in groups], stages)
    key = f"rescue-map:png:{get_language()}:{drawings.points_fingerprint(points)}"
    picture = cache.get(key)
    if picture is None:
        picture = drawings.last_known_map_image(points, fmt="png")
        cache.set(key, picture, timeout=MAP_CACHE_SECONDS)
    response = HttpResponse(picture, content_type="image/png")
    response["ETag"] = '"' + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest() + '"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _rescue_groups(user, moment: datetime) -> list[RescueGroup]:
    """Overdue groups and groups with an open alert the user works on: a rescue officer sees those whose
    route enters their state or that were last known there; an administrator all. Highest stage first."""
    country = "" if access.is_administrator(user) else access.account_of(user).country
    groups: dict[int, RescueGroup] = {}
    for overdue in overdue_groups(now=moment):
        application = overdue.application
        if country and country not in application.required_authorities and overdue.last_known.country != country:
            continue
        groups[application.pk] = RescueGroup(application, True, overdue.deadline, overdue.last_known)
    # Read in bulk, not per group: the queries stay the same however many groups are overdue or alerted.
    alerted = {alert.application_id for alert in alerts_visible(user)} - groups.keys()
    for track in group_tracks_of(alerted):
        groups[track.application.pk] = RescueGroup(track.application, False, track.deadline, track.last_known())
    alerts = alerts_by_group(groups.keys())
    for pk, group in groups.items():
        group.alerts = alerts.get(pk, [])
    return sorted(groups.values(), key=lambda group: (-group.stage, group.deadline, group.application.reference))


def _rescue_group(user, reference: str) -> RescueGroup:
    """One group of the user's rescue page; NotFound for any other (the panel opens only those)."""
    for group in _rescue_groups(user, now()):
        if group.application.reference == reference:
            return group
    raise NotFound(_("%(reference)s is neither overdue nor alerted") % {"reference": reference})


def _rescue_card(request: HttpRequest, group: RescueGroup) -> dict[str, Any]:
    application = group.application
    zone = _viewer_country(request, application.route.access_country)
    return {
        "group": group,
        "application": application,
        "alerts": _alert_rows(request, group.alerts),
        "may_report_position": _allowed(access.access_position_report, request.user, application),
        "may_read_presence": _allowed(access.access_group_presence_read, request.user, application),
        "zone": zone,
        "local_now": local_input_value(now(), zone),
    }


# --- Alerts ------------------------------------------------------------------------------------------


@require_POST
def alert_act_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_get(alert_id)
    access.access_alert_act(request.user, alert)
    try:
        alert_act(
            actor=request.user,
            alert=alert,
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
            now=now(),
        )
    except (InvalidInput, InvalidTransition) as error:
        return _alerts_panel(request, alert.application, error=str(error), status=400)
    if not _htmx(request):
        return redirect(_next(request, "group-presence", alert.application.reference))
    return _alerts_panel(request, alert.application)


def _alerts_panel(request: HttpRequest, application: Application, *, error: str = "", status: int = 200):
    context = {
        "application": application,
        "alerts": _alert_rows(request, list(alerts_of(application))),
        "alerts_error": error,
        "next": request.POST.get("next", ""),
        "panel": "web/alerts.html",
    }
    template = "web/alerts.html" if _htmx(request) else "web/panel_page.html"
    return render(request, template, context, status=status)


def _alert_rows(request: HttpRequest, alerts: list[OverdueAlert]) -> list[dict[str, Any]]:
    return [
        {
            **alert_row(alert),
            "may_act": alert.state != OverdueAlert.State.CLOSED and _allowed_alert(request.user, alert),
            "may_escalate": alert.stage < OverdueAlert.Stage.RESCUE,
        }
        for alert in alerts
    ]


def _allowed_alert(user, alert: OverdueAlert) -> bool:
    try:
        access.access_alert_act(user, alert)
    except AccessDenied:
        return False
    return True


# --- One group: planned against actual, positions, descent notice ---------------------------------------


def group_presence_page(request: HttpRequest, reference: str) -> HttpResponse:
    application = application_get(reference=reference)
    access.access_group_presence_read(request.user, application)
    return _presence_panel(request, application)


@require_POST
def position_report_view(request: HttpRequest, reference: str) -> HttpResponse:
    application = application_get(reference=reference)
    access.access_position_report(request.user, application)
    post = request.POST
    try:
        position_report(
            actor=request.user,
            application=application,
            lat=_number(post.get("lat", ""), _("latitude")),
            lon=_number(post.get("lon", ""), _("longitude")),
            reported_at=_local_moment(post.get("reported_at", ""), post.get("zone", "")),
            source=post.get("source", PositionReport.Source.MESSENGER),
            note=post.get("note", ""),
            now=now(),
        )
    except (InvalidInput, InvalidTransition) as error:
        return _after_position(request, application, error=str(error), status=400)
    return _after_position(request, application)


@require_POST
def descent_notice_view(request: HttpRequest, reference: str) -> HttpResponse:
    application = application_get(reference=reference)
    access.access_descent_notice(request.user, application)
    try:
        descent_notice_file(actor=request.user, application=application, note=request.POST.get("note", ""), now=now())
    except (InvalidInput, InvalidTransition) as error:
        return _presence_panel(request, application, error=str(error), status=400)
    if not _htmx(request):
        return redirect(_next(request, "group-presence", application.reference))
    return _presence_panel(request, application)


@require_POST
def summit_notice_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The operator files a summit notice (the same people as the descent notice: access_descent_notice)."""
    application = application_get(reference=reference)
    access.access_descent_notice(request.user, application)
    try:
        summit_notice_file(application, actor=request.user, now=now(), **summit_form_fields(request.POST))
    except (InvalidInput, InvalidTransition) as error:
        return _presence_panel(request, application, error=str(error), status=400)
    if not _htmx(request):
        return redirect(_next(request, "group-presence", application.reference))
    return _presence_panel(request, application)


def summit_form_fields(post) -> dict[str, Any]:
    """The summit form's fields as the service takes them; also the permit page's (the leader's form)."""
    return {
        "peak": post.get("peak", ""),
        "reached_at": _local_moment(post.get("reached_at", ""), post.get("zone", "")),
        "persons": _whole(post.get("persons", ""), _("persons on top")),
        "note": post.get("note", ""),
    }


def _after_position(request: HttpRequest, application: Application, *, error: str = "", status: int = 200):
    """The rescue page swaps only its small position form; the presence panel swaps itself whole."""
    if request.POST.get("panel") == "position" and _htmx(request):
        context = {
            "application": application,
            "error": error,
            "recorded": application.positions.order_by("-received_at", "-pk").first() if not error else None,
            "zones": ZONES,
            "sources": PositionReport.Source.choices,
            "zone": request.POST.get("zone", ""),
            "local_now": local_input_value(now(), request.POST.get("zone", "")),
            "viewer_country": _viewer_country(request, application.route.access_country),
        }
        return render(request, "web/position_form.html", context, status=status)
    if not _htmx(request) and not error:
        return redirect(_next(request, "group-presence", application.reference))
    return _presence_panel(request, application, error=error, status=status)


def _presence_panel(request: HttpRequest, application: Application, *, error: str = "", status: int = 200):
    context = {
        "presence": presence_context(request, application),
        "presence_error": error,
        "application": application,
        "panel": "web/group_presence.html",
    }
    template = "web/group_presence.html" if _htmx(request) else "web/group_presence_page.html"
    return render(request, template, context, status=status)


def presence_context(request: HttpRequest, application: Application) -> dict[str, Any]:
    """What the group-presence panel needs; also used by the application page, which includes the panel
    (its reader passed access_application_read, which access_group_presence_read includes)."""
    moment = now()
    group = presence.group_presence(application, now=moment)
    on_trip = is_on_trip(application)
    viewer_country = _viewer_country(request, application.route.access_country)
    return {
        "application": application,
        "group": group,
        "alerts": _alert_rows(request, list(alerts_of(application))),
        "viewer_country": viewer_country,
        "may_report_position": on_trip and _allowed(access.access_position_report, request.user, application),
        "may_file_descent": on_trip
        and group["descent_notice"] is None
        and _allowed(access.access_descent_notice, request.user, application),
        "may_file_summit": on_trip and _allowed(access.access_descent_notice, request.user, application),
        "group_size": len(group["members"]),
        "zones": ZONES,
        "zone": viewer_country,
        "sources": PositionReport.Source.choices,
        "local_now": local_input_value(moment, viewer_country),
    }


# --- helpers -----------------------------------------------------------------------------------------


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _allowed(rule, user, application) -> bool:
    try:
        rule(user, application)
    except AccessDenied:
        return False
    return True


def _viewer_country(request: HttpRequest, fallback: str) -> str:
    """Whose local time the reader sees: their state (officers), their company's (operators), else `fallback`."""
    try:
        account = access.account_of(request.user)
    except AccessDenied:
        return fallback
    if account.country:
        return account.country
    return account.company.country if account.company else fallback


def _next(request: HttpRequest, fallback: str, *args: str) -> str:
    """Where a form posted without JavaScript returns: its `next` field when it is a page of this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(fallback, args=args)


def _number(text: str, what: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(_('%(what)s "%(text)s" is not a number') % {"what": what, "text": text}) from None


def _whole(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(_('%(what)s "%(text)s" is not a whole number') % {"what": what, "text": text}) from None


def _local_moment(text: str, zone: str) -> datetime:
    """A time typed on the form (YYYY-MM-DDTHH:MM) in the chosen zone (KZ UTC+5, KG UTC+6 or UTC), as UTC."""
    if zone not in ZONES:
        raise InvalidInput(_("choose the time zone of the position's time"))
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(_('"%(text)s" is not a date and time (YYYY-MM-DD HH:MM)') % {"text": text}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(hours=ZONES[zone])))
    return moment.astimezone(UTC)


def local_input_value(moment: datetime, zone: str) -> str:
    """`moment` as a datetime-local field's value in `zone`."""
    return moment.astimezone(timezone(timedelta(hours=ZONES.get(zone, 0)))).strftime("%Y-%m-%dT%H:%M")
