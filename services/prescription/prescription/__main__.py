from prescription.bootstrap import build
from prescription.settings import PrescriptionSettings
from kit.http import serve

settings = PrescriptionSettings()  # type: ignore[call-arg]
serve(build(settings), settings.http_host, settings.http_port)
