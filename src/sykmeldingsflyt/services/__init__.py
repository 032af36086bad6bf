"""One module per microservice; SERVICES names every service the `run` command can start."""

from sykmeldingsflyt.services.mottak import Mottak
from sykmeldingsflyt.services.runtime import Service

SERVICES: dict[str, type[Service]] = {
    Mottak.name: Mottak,
}
