from kit.settings import ServiceSettings


class PrescriptionSettings(ServiceSettings):
    service_name: str = "prescription"
    http_port: int = 8103
