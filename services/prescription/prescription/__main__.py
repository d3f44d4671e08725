from kit.http import serve
from prescription.bootstrap import build
from prescription.settings import PrescriptionSettings

settings = PrescriptionSettings()
serve(build(settings), settings.http_host, settings.http_port)
