"""What this package tells the packages above it (permits, capacity) after a change has committed.

Receivers must not change applications; they react in their own domain (revoke a permit, release a hold).
Two signals are different: `application_submitting` and `application_amending` are sent inside the
submitting or amending transaction, so that a package above may refuse the change (capacity: no room
for the itinerary) without this package knowing it.
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
# application=Application; any edit (details, itinerary, members, amendment) has committed.
application_saved = Signal()
# application=Application; sent INSIDE the submitting transaction, with the application row locked,
# after the pre-screen let it through and before its state changes. A receiver may refuse the
# submission by raising a TengriError (the transaction then rolls back and the error is the answer).
application_submitting = Signal()
# application=Application; sent INSIDE the transaction of an edit of an approved application (an
# amendment), with the application row locked and the edit made, before the audit entry and before its
# state changes. A receiver may refuse the amendment by raising a TengriError (nothing is saved then).
application_amending = Signal()
