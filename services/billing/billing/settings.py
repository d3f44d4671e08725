from pydantic import Field, field_validator

from billing.domain.account import is_valid_account_number
from billing.domain.invoice import InvoiceTerms
from kit.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    service_name: str = "billing"
    http_port: int = 8105

    # The clinic as payee on every giro. The development account is a made-up number that passes MOD11.
    clinic_name: str = "Legekontoret"
    clinic_address: str = "Storgata 1, 0155 Oslo"
    clinic_account_number: str = Field(default="15030540007", description="11 digits, MOD11 check digit.")
    invoice_due_days: int = Field(default=14, ge=1, le=90)
    # How often the overdue job looks for invoices past their due date. Overdue is a matter of days, so
    # a minute is prompt; tests that move the clock set it lower.
    overdue_check_seconds: float = Field(default=60.0, gt=0)

    @field_validator("clinic_account_number")
    @classmethod
    def _mod11(cls, number: str) -> str:
        if not is_valid_account_number(number):
            raise ValueError("the clinic's account number must be 11 digits with a valid MOD11 check digit")
        return number

    def invoice_terms(self) -> InvoiceTerms:
        return InvoiceTerms(self.clinic_name, self.clinic_address, self.clinic_account_number, self.invoice_due_days)


def invoice_terms(settings: ServiceSettings) -> InvoiceTerms:
    """The terms of these settings; the defaults where they are not billing's own (the demo seeder's)."""
    if isinstance(settings, BillingSettings):
        return settings.invoice_terms()
    return BillingSettings.model_construct().invoice_terms()
