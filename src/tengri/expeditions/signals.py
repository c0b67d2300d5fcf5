"""What this package tells the packages above it (permits, capacity) after a change has committed.

Receivers must not change applications; they react in their own domain (revoke a permit, release a hold).
One signal is different: `application_submitting` is sent inside the submitting transaction, so that a
package above may refuse the submission (capacity: no hold that fits) without this package knowing it.
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
