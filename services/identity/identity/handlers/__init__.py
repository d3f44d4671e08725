"""identity's units of work: each opens one transaction, applies the rule, writes state and events."""

from identity.handlers.claims import apply_claims_status
from identity.handlers.idporten import authorization_request, login_with_idporten
from identity.handlers.login import staff_login, start_login, verify_login
from identity.handlers.patients import import_patients, register_patient, update_patient
from identity.handlers.sessions import end_session, end_sessions_of, resolve_session
from identity.handlers.staff import add_staff, doctors

__all__ = ["add_staff", "apply_claims_status", "authorization_request", "doctors", "end_session", "end_sessions_of",
           "import_patients", "login_with_idporten", "register_patient", "resolve_session", "staff_login",
           "start_login", "update_patient", "verify_login"]
