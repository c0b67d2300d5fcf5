"""The pre-screen's findings in words, in the reader's language (gettext)."""

from django.utils.translation import gettext as _


def finding_message(code: str, params: dict) -> str:
    template = _templates().get(code)
    if template is None:
        return code
    return template % params if params else template


def _templates() -> dict[str, str]:
    # Built per call so that each string is translated into the language active now.
    return {
        "route.closed": _("The route %(route)s is closed: %(reason)s"),
        "route.out_of_season": _(
            "The dates fall outside the season of %(route)s (%(opens)s to %(closes)s, month-day)."
        ),
        "company.licence_expires": _("The company's licence is valid only until %(until)s, before the trip ends."),
        "application.no_emergency_contact": _("An emergency contact (name and phone) is required."),
        "application.no_insurance": _("An insurance policy number is required."),
        "lead_time.too_short": _(
            "The %(authority)s authority needs %(needed)s working days before the start; there are %(available)s."
        ),
        "itinerary.nights_missing": _(
            "The itinerary has no sleeping place for %(count)s night(s), the first on %(first)s."
        ),
        "passages.entry_and_exit_needed": _("Plan at least one checkpoint passage in and one out."),
        "passage.checkpoint_closed": _("Checkpoint %(checkpoint)s is closed (%(reason)s) on %(date)s."),
        "passage.out_of_season": _(
            "Checkpoint %(checkpoint)s is not open on %(date)s (season %(opens)s to %(closes)s, month-day)."
        ),
        "group.size": _("The group has %(size)s people; this route takes %(min)s to %(max)s."),
        "group.one_leader": _("A group needs exactly one leader; it has %(leaders)s."),
        "guide.none_qualified": _("No guide in the group is qualified to lead grade %(grade)s."),
        "guide.grade_unknown": _("The route's grade %(grade)s is not a Russian grade; check the guides by hand."),
        "passport.expires_too_soon": _(
            "The passport of %(member)s expires on %(expiry)s; it must stay valid %(months)s months after the trip."
        ),
        "member.on_overlapping_approved": _(
            "%(member)s is already on approved application %(reference)s for overlapping dates."
        ),
        "member.on_overlapping_pending": _(
            "%(member)s is also on application %(reference)s, under review, for overlapping dates."
        ),
    }
