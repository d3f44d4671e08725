"""Whom a patient route acts for (gateway/domain/principal.py, domain-rules.md "Acting for a child"): a patient
for themselves; a guardian for the chosen child as far as the child's age allows, identity having worked the
age out for this request; a guardian who is not our patient for a child only."""

from __future__ import annotations

import uuid

import pytest

from gateway.domain.principal import ActingFor, Principal, ensure_may_act, ensure_may_make_requests
from kit.errors import DomainError

GUARDIAN, CHILD = uuid.uuid4(), uuid.uuid4()


def guardian(acting: ActingFor | None, *, kind: str = "guardian", restrictions: tuple[str, ...] = ()) -> Principal:
    return Principal(kind=kind, subject_id=GUARDIAN, role=kind, session_id="s",  # type: ignore[arg-type]
                     restrictions=restrictions, name="Kari Nordmann", guardian_id=GUARDIAN, acting_for=acting)


def child(scope: str | None, refusal: str | None = None) -> ActingFor:
    return ActingFor(CHILD, "Emma", "under_12", scope, refusal)  # type: ignore[arg-type]


def refusal(principal: Principal, needs: str) -> str | None:
    """The code a route needing `needs` answers (every one with 403), or None when it may go on."""
    try:
        ensure_may_act(principal, needs)  # type: ignore[arg-type]
    except DomainError as refused:
        return f"{refused.code}" if refused.status == 403 else f"status {refused.status}"
    return None


@pytest.mark.parametrize(("acting", "everything", "appointments"), [
    (child("everything"), None, None),  # under 12: the child's whole portal
    (child("appointments"), "proxy.child_confidential", None),  # 12 to 15: appointments only
    (child(None, "proxy.child_of_age"), "proxy.child_of_age", "proxy.child_of_age"),  # from the 16th birthday
    (child(None, "proxy.not_guardian"), "proxy.not_guardian", "proxy.not_guardian"),  # the guardian was removed
])
def test_a_guardian_acts_for_the_child_as_far_as_the_age_allows(acting: ActingFor, everything: str | None,
                                                                appointments: str | None) -> None:
    for kind in ("guardian", "patient"):  # our patient or not, the child's age decides
        principal = guardian(acting, kind=kind)
        assert (refusal(principal, "everything"), refusal(principal, "appointments")) == (everything, appointments)
        assert principal.patient_id == CHILD
        assert principal.acting_guardian_id == GUARDIAN


def test_a_guardian_who_is_not_our_patient_acts_for_a_child_only() -> None:
    principal = guardian(None)
    assert refusal(principal, "appointments") == "forbidden"
    with pytest.raises(DomainError):
        _ = principal.patient_id
    own = guardian(None, kind="patient")
    assert refusal(own, "everything") is None
    assert (own.patient_id, own.acting_guardian_id) == (GUARDIAN, None)


def test_the_childs_prerequisites_refuse_new_requests_made_for_the_child() -> None:
    with pytest.raises(DomainError) as refused:
        ensure_may_make_requests(guardian(child("everything"), restrictions=("access.first_contact_by_phone",)))
    assert refused.value.code == "access.first_contact_by_phone"
