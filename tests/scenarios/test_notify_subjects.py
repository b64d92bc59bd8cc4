"""Every action that pages or reports a move has a subject a person can act on."""

from __future__ import annotations

from payment_service.orchestrator.model import NOTIFY_ACTIONS, Action
from payment_service.orchestrator.notify import MAX_SUBJECT, SUBJECTS


def test_every_notified_action_has_its_own_subject_within_the_sns_limit() -> None:
    assert set(SUBJECTS) == set(NOTIFY_ACTIONS)
    for action, text in SUBJECTS.items():
        assert len(f"[payment-dr prod-payments-16] {text}") <= MAX_SUBJECT, action
    assert SUBJECTS[Action.CONFLICTING_EVIDENCE] == (
        "PAGE conflicting evidence about the primary: no database move"
    )
    assert SUBJECTS[Action.SWITCH_OVER].startswith("automatic switchover started")
