from kit.settings import ServiceSettings


class EconsultSettings(ServiceSettings):
    service_name: str = "econsult"
    http_port: int = 8104
