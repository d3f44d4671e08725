"""identity's units of work: each opens one transaction, applies the rule, writes state and events."""

from identity.handlers.claims import apply_claims_status
from identity.handlers.guardians import children_of, guardians_of, register_guardian, remove_guardian
from identity.handlers.idporten import authorization_request, login_with_idporten
from identity.handlers.login import staff_login, start_login, verify_login
from identity.handlers.patients import import_patients, register_patient, update_patient
from identity.handlers.sessions import act_for, end_session, end_sessions_of, refresh_sessions, resolve_session
from identity.handlers.staff import add_staff, doctors

__all__ = ["act_for", "add_staff", "apply_claims_status", "authorization_request", "children_of", "doctors",
           "end_session", "end_sessions_of", "guardians_of", "import_patients", "login_with_idporten",
           "refresh_sessions", "register_guardian", "register_patient", "remove_guardian", "resolve_session",
           "staff_login", "start_login", "update_patient", "verify_login"]
