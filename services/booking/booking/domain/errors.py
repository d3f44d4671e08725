"""The refusals of booking, each named for the rule it protects. Codes are a contract (api.md)."""

from __future__ import annotations

from kit.errors import DomainError


class SlotTaken(DomainError):
    code, status, title = "booking.slot_taken", 409, "Timen er allerede tatt. Velg en annen tid."


class OneFutureAppointment(DomainError):
    code, status, title = ("booking.one_future_appointment", 409,
                           "Du kan bare ha én bestilt time om gangen. Avbestill den du har for å velge en ny.")


class SlotUnavailable(DomainError):
    code, status, title = "booking.slot_unavailable", 422, "Timen kan ikke bestilles på nett."


class CancelNotWorkingDay(DomainError):
    code, status, title = ("booking.cancel_not_working_day", 422,
                           "Timer kan bare avbestilles på nett på virkedager (mandag–fredag). Ring legekontoret.")


class CancelTooLate(DomainError):
    code, status, title = ("booking.cancel_too_late", 422,
                           "Timen må avbestilles senest 24 timer i forveien, regnet i virkedager. "
                           "Ring legekontoret.")


class NotOwnGp(DomainError):
    code, status, title = "booking.not_own_gp", 403, "Du kan bare bestille time hos din egen fastlege."


class NotListed(DomainError):
    code, status, title = "booking.not_listed", 403, "Du står ikke på listen til en fastlege ved legekontoret."


class ClinicClosed(DomainError):
    code, status, title = "booking.clinic_closed", 422, "Legekontoret er stengt denne dagen."


class SlotInPast(DomainError):
    code, status, title = "booking.slot_in_past", 422, "Tiden har allerede vært."


class SlotOverlaps(DomainError):
    code, status, title = "booking.slot_overlaps", 409, "Legen har allerede en time som overlapper."


class InvalidTemplate(DomainError):
    code, status, title = "booking.invalid_template", 422, "Ukemalen er ugyldig."


class TemplateTimeWithOffset(DomainError):
    code, status, title = ("booking.template_time_offset", 422,
                           "Klokkeslettene i en ukemal er lokal tid i Oslo, uten tidssone (08:00, ikke 08:00+05:00).")


class SlotNotFound(DomainError):
    code, status, title = "not_found", 404, "Fant ikke timen i timeboken."


class NotOwnSchedule(DomainError):
    code, status, title = "forbidden", 403, "Du kan bare endre din egen timebok."


class AppointmentNotFound(DomainError):
    code, status, title = "not_found", 404, "Fant ikke timen."


class DayNotClosed(DomainError):
    code, status, title = "not_found", 404, "Legekontoret har ikke stengt denne dagen."
