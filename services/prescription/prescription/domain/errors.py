"""The refusals of prescription renewal, named for the rule they protect. Codes are a contract
(domain-rules.md, "Prescription renewal"): never rename one. Texts are what the patient reads."""

from __future__ import annotations

from kit.errors import DomainError, Forbidden, NotFound

BOOK = "Bestill en vanlig time, så ser legen på det."


class RenewalRefused(DomainError):
    status = 422


class RenewalEmpty(RenewalRefused):
    code, title = "renewal.empty", "Velg minst én medisin du vil fornye."


class TooManyMedicines(RenewalRefused):
    code, title = ("renewal.too_many_medicines",
                   f"Du kan be om fornyelse av høyst 3 medisiner om gangen. Trenger du flere, bestill time. {BOOK}")


class DuplicateMedicine(RenewalRefused):
    code, title = "renewal.duplicate_medicine", "Hver medisin kan bare være med én gang i samme forespørsel."


class RequestAlreadyOpen(RenewalRefused):
    code, status, title = ("renewal.request_already_open", 409,
                           "Du har allerede en forespørsel om fornyelse som ikke er behandlet. "
                           "Alle medisinene skal være med i samme forespørsel.")


class GroupA(RenewalRefused):
    code, title = "renewal.group_a", f"A-preparater (narkotiske legemidler) kan ikke fornyes i portalen. {BOOK}"


class GroupBNeedsAgreement(RenewalRefused):
    code, title = ("renewal.group_b_needs_agreement",
                   f"B-preparater kan bare fornyes i portalen når du har en fast avtale med legen om det. {BOOK}")


class Antibiotic(RenewalRefused):
    code, title = "renewal.antibiotic", f"Antibiotika krever at legen undersøker deg først. {BOOK}"


class NotPrescribedHere(RenewalRefused):
    code, title = ("renewal.not_prescribed_here",
                   "Denne medisinen er skrevet ut av sykehus eller et annet legekontor og kan ikke fornyes her. "
                   f"{BOOK}")


class NotFixed(RenewalRefused):
    code, title = "renewal.not_fixed", f"Bare faste medisiner kan fornyes i portalen. {BOOK}"


class UnknownMedicine(RenewalRefused):
    code, title = "renewal.unknown_medicine", "Medisinen står ikke på medisinlisten din."


class NoGp(RenewalRefused):
    code, status, title = "renewal.no_gp", 409, "Du står ikke på listen til en fastlege her, så ingen kan fornye."


# The doctor's decision
class DecisionEmpty(RenewalRefused):
    code, title = "renewal.decision_empty", "Avgjørelsen må gjelde minst én medisin."


class NotInRequest(RenewalRefused):
    code, title = "renewal.not_in_request", "Medisinen er ikke med i denne forespørselen."


class AlreadyDecided(RenewalRefused):
    code, status, title = "renewal.already_decided", 409, "Denne medisinen er allerede avgjort."


class ReasonRequired(RenewalRefused):
    code, title = "renewal.reason_required", "Skriv en begrunnelse til pasienten når du avslår."


# The medicine list
class NotGroupB(DomainError):
    code, status, title = "medication.not_group_b", 422, "Fast avtale gjelder bare B-preparater."


class AlreadyOnList(DomainError):
    code, status, title = "medication.already_on_list", 409, "Medisinen med denne styrken står allerede på listen."


class MedicationNotFound(NotFound):
    title = "Fant ikke medisinen på pasientens liste."


class RenewalNotFound(NotFound):
    title = "Fant ikke forespørselen om fornyelse."


class NotYourPatient(Forbidden):
    title = "Pasienten står ikke på listen din."
