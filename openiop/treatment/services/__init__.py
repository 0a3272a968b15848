"""Every change to treatment plans, each atomic and audited once.

A version's life: `plan_create` (or `plan_new_version` from the active one) makes a draft;
`plan_draft_save` changes its content under an optimistic revision check; `plan_submit` sends it for
signatures; `plan_sign` records the clinician's, the patient's and the physician's signatures and, with the
last one, activates it and supersedes the previous active version. `plan_return_to_draft` and
`plan_withdraw` undo a version in progress. Nothing here changes an active or superseded version's content:
every write of content checks the status inside the transaction, so no view, API or caller can.

Reviews: `plan_review_trigger` (public, for other capabilities) records a due review and a task;
`plan_review_record` records progress per objective and what changed.
"""

from .plans import (
    RESPONSIBLE_ROLES,
    PlanLocked,
    StaleRevision,
    locked_message,
    plan_create,
    plan_draft_save,
    plan_new_version,
    plan_return_to_draft,
    plan_settings_update,
    plan_submit,
    plan_withdraw,
)
from .reviews import TRIGGER_DUE_DAYS, plan_review_record, plan_review_trigger
from .signatures import plan_sign

__all__ = [
    "RESPONSIBLE_ROLES",
    "TRIGGER_DUE_DAYS",
    "PlanLocked",
    "StaleRevision",
    "locked_message",
    "plan_create",
    "plan_draft_save",
    "plan_new_version",
    "plan_return_to_draft",
    "plan_review_record",
    "plan_review_trigger",
    "plan_settings_update",
    "plan_sign",
    "plan_submit",
    "plan_withdraw",
]
