"""econsult's own API on the real database: the rules end to end inside the service, and its events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from services.econsult.tests.conftest import EConsult

pytestmark = pytest.mark.stack


async def test_a_patient_of_an_open_gp_sends_and_it_is_due_in_five_working_days(
        econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    response = await econsult_service.send(patient, "Jeg har hatt hoste i tre uker. Bør jeg komme inn?")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["doctor_id"] == str(gp)
    assert body["status"] == "open"
    assert body["due_date"] == "2026-03-09"
    assert body["renewal_hint"] is None
    events = await econsult_service.events(body["id"])
    assert [e["event_type"] for e in events] == ["EConsultSubmitted"]
    assert events[0]["payload"]["due_date"] == "2026-03-09"
    assert "hoste" not in str(events[0])


async def test_a_closed_gp_refuses_and_an_unopened_gp_is_closed(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    refused = await econsult_service.send(patient)
    assert (refused.status_code, refused.json()["code"]) == (409, "econsult.closed")
    await econsult_service.open_gp(gp)
    assert (await econsult_service.send(patient)).status_code == 201
    await econsult_service.open_gp(gp, False)
    refused = await econsult_service.send(patient)
    assert (refused.status_code, refused.json()["code"]) == (409, "econsult.closed")


async def test_only_the_patients_own_gp_being_open_counts(econsult_service: EConsult) -> None:
    own, other = uuid.uuid4(), uuid.uuid4()
    patient = await econsult_service.listed(own)
    await econsult_service.open_gp(other)
    refused = await econsult_service.send(patient)
    assert refused.json()["code"] == "econsult.closed"


async def test_terms_must_be_confirmed_with_a_real_true(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    refused = await econsult_service.send(patient, accepted_terms=False)
    assert (refused.status_code, refused.json()["code"]) == (422, "econsult.terms_not_accepted")
    missing = await econsult_service.client.post("/internal/econsultations",
                                                 json={"patient_id": str(patient), "text": "Hei"})
    assert missing.json()["code"] == "econsult.terms_not_accepted"
    assert (await econsult_service.send(patient, accepted_terms="yes")).status_code == 422  # type: ignore[arg-type]


async def test_500_code_points_are_accepted_and_501_refused_through_the_database(
        econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    for accepted in ("e\u0301" * 500, "\U0001F600" * 500, " " + "ø" * 500 + "\n"):
        response = await econsult_service.send(patient, accepted)
        assert response.status_code == 201, response.text
        assert len(response.json()["text"]) == 500
    for refused in ("e\u0301" * 501, "\U0001F600" * 501, "a" * 501,
                    "\U0001F468\u200D\U0001F469\u200D\U0001F467" * 167):  # 501 people, the joiners not counted
        response = await econsult_service.send(patient, refused)
        assert (response.status_code, response.json()["code"]) == (422, "econsult.too_long")
        assert refused not in response.text
    for empty_text in (" \n ", "\u200b", " \u200b\ufeff\u2060 "):  # nothing visible: never sent, never billed
        empty = await econsult_service.send(patient, empty_text)
        assert (empty.status_code, empty.json()["code"]) == (422, "econsult.empty")


async def test_a_renewal_question_gets_the_hint_and_is_still_sent(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    response = await econsult_service.send(patient, "Kan du fornye resepten min på Levaxin?")
    assert response.status_code == 201
    assert response.json()["renewal_hint"]["code"] == "econsult.renewal_hint"
    by_name = await econsult_service.send(patient, "Trenger mer Levaxin", medicine_names=["Levaxin 50 mikrog"])
    assert by_name.json()["renewal_hint"] is not None
    listed = await econsult_service.client.get("/internal/econsultations", params={"patient_id": str(patient)})
    assert all(item["renewal_hint"] is not None for item in listed.json()["items"])


async def test_the_doctor_answers_once_and_the_patient_sees_it(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    sent = (await econsult_service.send(patient, "Er det farlig å ta ibux med blodtrykksmedisin?")).json()
    econsult_service.clock.advance(timedelta(days=1))
    answered = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                                  json={"doctor_id": str(gp), "text": "Nei, men ikke over tid."})
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    again = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                               json={"doctor_id": str(gp), "text": "Igjen"})
    assert (again.status_code, again.json()["code"]) == (409, "econsult.already_handled")
    decline = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/decline",
                                                 json={"doctor_id": str(gp), "reason": "Bestill time"})
    assert decline.json()["code"] == "econsult.already_handled"

    mine = (await econsult_service.client.get("/internal/econsultations",
                                              params={"patient_id": str(patient)})).json()["items"]
    assert [(m["status"], m["answer"]) for m in mine] == [("answered", "Nei, men ikke over tid.")]
    events = await econsult_service.events(sent["id"])
    assert [e["event_type"] for e in events] == ["EConsultSubmitted", "EConsultAnswered"]
    assert events[1]["payload"]["submitted_at"] == events[0]["payload"]["submitted_at"]
    assert "ibux" not in str(events)
    assert "over tid" not in str(events)


async def test_two_answers_at_the_same_instant_give_one_answer_and_one_refusal(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    sent = (await econsult_service.send(patient)).json()
    path = f"/internal/econsultations/{sent['id']}"
    results = await asyncio.gather(
        econsult_service.client.post(f"{path}/answer", json={"doctor_id": str(gp), "text": "Svar én"}),
        econsult_service.client.post(f"{path}/answer", json={"doctor_id": str(gp), "text": "Svar to"}),
        econsult_service.client.post(f"{path}/decline", json={"doctor_id": str(gp), "reason": "Bestill time"}))
    assert sorted(r.status_code for r in results) == [200, 409, 409]
    events = await econsult_service.events(sent["id"])
    assert len([e for e in events if e["event_type"] in ("EConsultAnswered", "EConsultDeclined")]) == 1


async def test_declined_with_advice_to_book_and_not_answered_after(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    sent = (await econsult_service.send(patient)).json()
    declined = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/decline",
                                                  json={"doctor_id": str(gp), "reason": "Dette må undersøkes."})
    assert declined.status_code == 200
    body = declined.json()
    assert (body["status"], body["declined_reason"], body["answer"]) == ("declined", "Dette må undersøkes.", None)
    assert "Bestill" in body["advice"]
    events = await econsult_service.events(sent["id"])
    assert [e["event_type"] for e in events] == ["EConsultSubmitted", "EConsultDeclined"]
    answer = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                                json={"doctor_id": str(gp), "text": "Likevel"})
    assert answer.json()["code"] == "econsult.already_handled"


async def test_another_doctor_may_neither_answer_nor_read(econsult_service: EConsult) -> None:
    gp, other = uuid.uuid4(), uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    sent = (await econsult_service.send(patient)).json()
    answer = await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                                json={"doctor_id": str(other), "text": "Hei"})
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    read = await econsult_service.client.get(f"/internal/econsultations/{sent['id']}",
                                             params={"doctor_id": str(other)})
    assert read.status_code == 403
    own = await econsult_service.client.get(f"/internal/econsultations/{sent['id']}", params={"doctor_id": str(gp)})
    assert own.status_code == 200
    assert own.json()["text"] == sent["text"]
    stranger = await econsult_service.client.get(f"/internal/econsultations/{sent['id']}",
                                                 params={"patient_id": str(uuid.uuid4())})
    assert stranger.status_code == 404


async def test_the_inbox_lists_open_ones_oldest_due_first_with_a_one_line_preview(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    first = await econsult_service.listed(gp, name="Anne Først")
    second = await econsult_service.listed(gp, name="Bjørn Andre")
    await econsult_service.open_gp(gp)
    older = (await econsult_service.send(first, "Hoste i tre uker.\nEr det astma? " + "Lang forklaring. " * 20)).json()
    econsult_service.clock.advance(timedelta(days=1))
    newer = (await econsult_service.send(second)).json()
    handled = (await econsult_service.send(second)).json()
    await econsult_service.client.post(f"/internal/econsultations/{handled['id']}/answer",
                                       json={"doctor_id": str(gp), "text": "Svar"})
    econsult_service.clock.advance(timedelta(days=7))  # Monday 10 March: the first is overdue (due 9 March)
    inbox = (await econsult_service.client.get("/internal/inbox", params={"doctor_id": str(gp)})).json()["items"]
    assert [i["id"] for i in inbox] == [older["id"], newer["id"]]
    assert inbox[0] == {"kind": "econsult", "id": older["id"], "patient_id": str(first), "patient_name": "Anne Først",
                        "patient_birth_date": "1980-01-01", "channel": "portal", "created_at": inbox[0]["created_at"],
                        "due_date": "2026-03-09", "overdue": True, "preview": "Hoste i tre uker."}
    assert inbox[1]["overdue"] is False
    assert inbox[1]["due_date"] == "2026-03-10"
    assert len(inbox[1]["preview"]) <= 90
    assert "\n" not in inbox[1]["preview"]


async def test_availability_events_only_on_a_change(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    assert (await econsult_service.open_gp(gp, False))["changed"] is False
    assert (await econsult_service.open_gp(gp))["changed"] is True
    assert (await econsult_service.open_gp(gp))["changed"] is False
    assert (await econsult_service.open_gp(gp, False))["changed"] is True
    events = await econsult_service.events(gp)
    assert [(e["event_type"], e["payload"]["open"]) for e in events] == [
        ("EConsultAvailabilityChanged", True), ("EConsultAvailabilityChanged", False)]
    state = await econsult_service.client.get(f"/internal/availability/{gp}")
    assert state.json() == {"doctor_id": str(gp), "open": False}


async def test_guidance_says_what_may_be_asked_and_whether_my_gp_is_open(econsult_service: EConsult) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    closed = (await econsult_service.client.get("/internal/guidance", params={"patient_id": str(patient)})).json()
    assert closed["open"] is False
    assert closed["gp_id"] == str(gp)
    await econsult_service.open_gp(gp)
    body = (await econsult_service.client.get("/internal/guidance", params={"patient_id": str(patient)})).json()
    assert body["open"] is True
    assert len(body["may_ask"]) == 4
    assert len(body["may_not_ask"]) == 9
    assert "akutte" in body["not_acute"]
    assert "1–5 arbeidsdager" in body["answer_time"]
    assert body["max_chars"] == 500


async def test_a_patient_unknown_to_the_directory_is_not_found(econsult_service: EConsult) -> None:
    response = await econsult_service.send(uuid.uuid4())
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


async def test_neither_question_nor_answer_reaches_the_logs(econsult_service: EConsult,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    gp = uuid.uuid4()
    patient = await econsult_service.listed(gp)
    await econsult_service.open_gp(gp)
    question, reply = "Smerter ved vannlating siden tirsdag", "Lever urinprøve på kontoret i morgen"
    sent = (await econsult_service.send(patient, question)).json()
    await econsult_service.send(patient, question + "x" * 500)  # refused: the text must not be in the problem log
    await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                       json={"doctor_id": str(gp), "text": reply})
    await econsult_service.client.post(f"/internal/econsultations/{sent['id']}/answer",
                                       json={"doctor_id": str(gp), "text": reply})
    out, err = capfd.readouterr()
    assert "vannlating" not in out + err
    assert "urinprøve" not in out + err


@pytest.mark.parametrize("outcome", ["answer", "decline"])
async def test_the_answer_or_decline_of_a_guardians_question_names_the_guardian(econsult_service: EConsult,
                                                                                outcome: str) -> None:
    """notify tells the guardian who sent it for the child (issue 19); a patient's own question names none."""
    gp, guardian = uuid.uuid4(), uuid.uuid4()
    await econsult_service.open_gp(gp)
    for sent_by in (guardian, None):
        child = await econsult_service.listed(gp, name="Emma Hansen")
        extra = {"sent_by_guardian_id": str(sent_by)} if sent_by else {}
        sent = await econsult_service.send(child, **extra)
        assert sent.status_code == 201, sent.text
        field = "text" if outcome == "answer" else "reason"
        handled = await econsult_service.client.post(f"/internal/econsultations/{sent.json()['id']}/{outcome}",
                                                     json={"doctor_id": str(gp), field: "Ta kontakt ved feber."})
        assert handled.status_code == 200, handled.text
        [told] = [e for e in await econsult_service.events(sent.json()["id"])
                  if e["event_type"] != "EConsultSubmitted"]
        assert (told["schema_version"], told["payload"]["sent_by_guardian_id"]) == (
            2, str(sent_by) if sent_by else None)
