"""Who is in the border zone now, and where each group stands against its plan (docs/offline-sync.md,
"Presence and overdue"): the answers of the presence pages, the API and `tengri presence`. Reads only.
What counts as inside, out, at a base camp, in which state and on the trip is `tracks.py`'s; alerts are
read in `alerts.py`; position reports, summit and descent notices and alert acts are written in
`services.py`, alerts raised in `overdue.py`.
"""

from collections import Counter
from datetime import date, datetime
from typing import Any

from tengri.checkpoints.alerts import alert_row, alerts_of
from tengri.checkpoints.models import CrossingEvent, DescentNotice, OverdueAlert, PositionReport, SummitNotice

# What counts as a crossing: re-exported for `indicators.tourism_counts`, which imports it from here.
from tengri.checkpoints.tracks import ACCEPTED as ACCEPTED
from tengri.checkpoints.tracks import AUTHENTIC_REFUSALS as AUTHENTIC_REFUSALS
from tengri.checkpoints.tracks import (
    INSIDE,
    GroupTrack,
    group_track,
    group_tracks,
    local_zone,
    on_trip_applications,
    with_plan,
)
from tengri.expeditions.models import Application, Member
from tengri.registry.models import BaseCamp, Checkpoint

# --- Everyone now ------------------------------------------------------------------------------------------


def presence_now(*, now: datetime) -> dict[str, Any]:
    """Who is inside now, per route, base camp and country; the groups on the trip with their counts and
    last known whereabouts; the groups whose planned exit has passed. No names: counts and references."""
    tracks = group_tracks(with_plan(on_trip_applications()).order_by("start_date", "reference"))
    open_alerts = Counter(
        OverdueAlert.objects.exclude(state=OverdueAlert.State.CLOSED)
        .filter(application_id__in=[track.application.pk for track in tracks])
        .values_list("application_id", flat=True)
    )
    groups = [
        _group_summary(track, now, open_alerts[track.application.pk]) for track in tracks if _on_mountain(track, now)
    ]
    inside = [(track, member) for track in tracks for member in track.members if track.state_of(member) == INSIDE]
    return {
        "at": now,
        "inside": len(inside),
        "by_route": _by_route(inside),
        "by_base_camp": _by_base_camp(inside),
        "by_country": _by_country(inside),
        "groups": groups,
        "past_planned_exit": [group for group in groups if group["past_planned_exit"]],
    }


def _on_mountain(track: GroupTrack, now: datetime) -> bool:
    """Someone is inside, or the trip has begun (local date) and the group has not come out."""
    if any(track.state_of(member) == INSIDE for member in track.members):
        return True
    today = now.astimezone(local_zone(track.application.route.access_country)).date()
    return track.application.start_date <= today and not track.come_out


def _group_summary(track: GroupTrack, now: datetime, open_alerts: int) -> dict[str, Any]:
    application = track.application
    known = track.last_known()
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "start_date": application.start_date,
        "end_date": application.end_date,
        "members": len(track.members),
        **track.counts(),
        "last_known": known._asdict(),
        "last_position": _point(track.position),
        "planned_exit": track.planned_exit,
        "deadline": track.deadline,
        "past_planned_exit": now >= track.planned_exit and not track.come_out,
        "overdue": now >= track.deadline and not track.come_out,
        "descent_notice_at": track.notice.filed_at if track.notice else None,
        "open_alerts": open_alerts,
    }


def _point(position: PositionReport | None) -> dict[str, Any] | None:
    """The group's latest position placed in a country, for a map."""
    if position is None:
        return None
    return {"lat": position.lat, "lon": position.lon, "country": position.country, "reported_at": position.reported_at}


def _by_route(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    routes = {track.application.route.code: track.application.route for track, _ in inside}
    counts = Counter(track.application.route.code for track, _ in inside)
    return [{"route": code, "name": routes[code].name, "inside": counts[code]} for code in sorted(counts)]


def _by_base_camp(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    camps: dict[str, dict[str, Any]] = {}
    for track, member in inside:
        arrival = track.at_base_camp(member)
        if arrival is None:
            continue
        key, name, place = _camp_of(arrival.checkpoint)
        camp = camps.setdefault(key, {"place": key, "name": name, "beds": None, "inside": 0, "_place": place})
        camp["inside"] += 1
    beds = dict(
        BaseCamp.objects.filter(place_id__in=[c["_place"] for c in camps.values()]).values_list("place", "beds")
    )
    for camp in camps.values():
        camp["beds"] = beds.get(camp.pop("_place"))
    return [camps[key] for key in sorted(camps)]


def _camp_of(checkpoint: Checkpoint) -> tuple[str, str, int | None]:
    """A base camp is the place of its helipad (its BaseCamp's place); a helipad without a place, itself."""
    if checkpoint.place is None:
        return checkpoint.code, checkpoint.name, None
    return checkpoint.place.code, checkpoint.place.name, checkpoint.place.pk


def _by_country(inside: list[tuple[GroupTrack, Member]]) -> list[dict[str, Any]]:
    counts = Counter(track.country_of(member) for track, member in inside)
    return [{"country": country, "inside": counts[country]} for country in sorted(counts)]


# --- One group -------------------------------------------------------------------------------------------------


def group_presence(application: Application, *, now: datetime) -> dict[str, Any]:
    """One group: planned passages against the accepted events (who passed where, on plan or on another
    day), each member's state, position reports, summit and descent notices and alerts. Members' names,
    no documents."""
    track = group_track(application)
    application = track.application
    events = list(
        CrossingEvent.objects.filter(application=application)
        .select_related("checkpoint", "member")
        .order_by("occurred_at", "id")
    )
    accepted = [event for event in events if event.accepted and event.member_id is not None]
    passages = [_passage(track, passage, accepted) for passage in application.passages.all()]
    planned = {(passage.checkpoint_id, passage.direction) for passage in application.passages.all()}
    return {
        "reference": application.reference,
        "route": application.route.code,
        "company": application.company.name,
        "state": application.state,
        "start_date": application.start_date,
        "end_date": application.end_date,
        "planned_exit": track.planned_exit,
        "deadline": track.deadline,
        "past_planned_exit": now >= track.planned_exit and not track.come_out,
        "overdue": now >= track.deadline and not track.come_out,
        "come_out": track.come_out,
        **track.counts(),
        "last_known": track.last_known()._asdict(),
        "passages": passages,
        "members": [_member_state(track, member) for member in track.members],
        "unplanned": [
            _event_row(track, event) for event in accepted if (event.checkpoint_id, event.direction) not in planned
        ],
        "refused": [_event_row(track, event) for event in events if not event.accepted],
        "positions": [position_row(position) for position in application.positions.select_related("reported_by")],
        "descent_notice": notice_row(track.notice),
        "summits": [summit_row(notice) for notice in application.summit_notices.select_related("filed_by")],
        "alerts": [alert_row(alert) for alert in alerts_of(application)],
    }


def _local_date(track: GroupTrack, event: CrossingEvent) -> date:
    zone = local_zone(track.countries.get(event.checkpoint_id, ""), fallback=track.application.route.access_country)
    return event.occurred_at.astimezone(zone).date()


def _passage(track: GroupTrack, passage, accepted: list[CrossingEvent]) -> dict[str, Any]:
    """Who made this planned passage: per member the matching event nearest the planned date."""
    rows = []
    for member in track.members:
        matching = [
            event
            for event in accepted
            if event.member_id == member.pk
            and event.checkpoint_id == passage.checkpoint_id
            and event.direction == passage.direction
        ]
        nearest = min(matching, key=lambda event: abs((_local_date(track, event) - passage.date).days), default=None)
        local = _local_date(track, nearest) if nearest else None
        rows.append(
            {
                "member_id": member.pk,
                "name": member.name,
                "at": nearest.occurred_at if nearest else None,
                "local_date": local,
                "on_plan": local == passage.date,
            }
        )
    return {
        "date": passage.date,
        "checkpoint": passage.checkpoint.code,
        "checkpoint_name": passage.checkpoint.name,
        "direction": passage.direction,
        "done": sum(1 for row in rows if row["at"] is not None),
        "on_plan": sum(1 for row in rows if row["on_plan"]),
        "members": rows,
    }


def _member_state(track: GroupTrack, member: Member) -> dict[str, Any]:
    event = track.latest.get(member.pk)
    camp = track.at_base_camp(member)
    return {
        "id": member.pk,
        "name": member.name,
        "role": member.role,
        "state": track.state_of(member),
        "country": track.country_of(member) if track.state_of(member) == INSIDE else "",
        "base_camp": _camp_of(camp.checkpoint)[0] if camp else "",
        "last_event": _event_row(track, event) if event else None,
    }


def _event_row(track: GroupTrack, event: CrossingEvent) -> dict[str, Any]:
    return {
        "checkpoint": event.checkpoint.code,
        "country": track.countries.get(event.checkpoint_id, ""),
        "direction": event.direction,
        "verdict": event.verdict,
        "at": event.occurred_at,
        "name": event.member.name if event.member_id and event.member else event.holder_name,
        "skew_flagged": event.skew_flagged,
    }


def position_row(position: PositionReport) -> dict[str, Any]:
    return {
        "id": position.pk,
        "lat": position.lat,
        "lon": position.lon,
        "country": position.country,
        "reported_at": position.reported_at,
        "received_at": position.received_at,
        "source": position.source,
        "note": position.note,
        "reported_by": position.reported_by.get_username() if position.reported_by else "",
    }


def notice_row(notice: DescentNotice | None) -> dict[str, Any] | None:
    if notice is None:
        return None
    return {
        "filed_at": notice.filed_at,
        "by_leader": notice.filed_by_leader,
        "filed_by": notice.filed_by.get_username() if notice.filed_by else "",
        "note": notice.note,
    }


def summit_row(notice: SummitNotice) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "peak": notice.peak,
        "reached_at": notice.reached_at,
        "persons": notice.persons,
        "filed_at": notice.filed_at,
        "by_leader": notice.filed_by_leader,
        "filed_by": notice.filed_by.get_username() if notice.filed_by else "",
        "note": notice.note,
    }
