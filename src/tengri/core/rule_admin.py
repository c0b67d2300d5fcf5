"""An admin page that answers to one access rule (tengri.core.access), not to Django's per-model
permissions, and keeps the history of every change (django-simple-history)."""

from collections.abc import Callable

from simple_history.admin import SimpleHistoryAdmin

from tengri.core.access import allows


class RuleAdmin(SimpleHistoryAdmin):
    """Subclasses set `access_rule = staticmethod(access_…)`: it decides view, add, change and delete."""

    access_rule: Callable[..., None] | None = None

    def _allowed(self, request) -> bool:
        return self.access_rule is not None and allows(self.access_rule, request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)
