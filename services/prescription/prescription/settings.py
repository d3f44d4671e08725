from typing import Literal

from kit.settings import ServiceSettings


class PrescriptionSettings(ServiceSettings):
    service_name: str = "prescription"
    http_port: int = 8103
    # The e-prescription sender: an approval's commit wakes it (NOTIFY); the poll finds the retries that came due,
    # and how long it waits after a failed send (doubling per try, capped). Off only in tests that drive it.
    send_poll_seconds: float = 1.0
    send_retry_seconds: float = 5.0
    send_retry_max_seconds: float = 600.0
    sender_enabled: bool = True
    # Where e-prescriptions go. Only the local simulator exists: the real Reseptformidleren client plugs in
    # behind the same interface (prescription.adapters.intermediary.PrescriptionIntermediary).
    intermediary: Literal["simulator"] = "simulator"

    @property
    def serves_dev_routes(self) -> bool:
        """The simulator's inspection and fault switches: development and tests only."""
        return self.env != "prod"
