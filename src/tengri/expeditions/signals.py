"""What this package tells the packages above it (permits, capacity) after a change has committed.

Receivers must not change applications; they react in their own domain (revoke a permit, release a hold).
"""

from django.dispatch import Signal

# application=Application; sent when every required authority approved (from tengri.approvals).
application_approved = Signal()
# application=Application; sent when an approved application is amended and goes back to review.
application_amended = Signal()
# application=Application, member=Member; a member left the group (their permit must be revoked).
member_removed = Signal()
# application=Application; rejected, withdrawn or closed: anything held for it is released.
application_finished = Signal()
