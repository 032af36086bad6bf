"""A møtebehov posted over HTTP, from the employee or the employer: checked against the caller, then sent."""

from datetime import datetime

from fastapi.responses import JSONResponse

from sykmeldingsflyt.domain.motebehov import Innmeldertype, MotebehovFraPart
from sykmeldingsflyt.gateway.dependencies import Submission
from sykmeldingsflyt.gateway.problems import invalid_body
from sykmeldingsflyt.messaging.topics import MOTEBEHOV_FRA_PART


async def submit(
    skjema: MotebehovFraPart, innmelder: Innmeldertype, submission: Submission, now: datetime
) -> JSONResponse:
    """`innsendt` becomes the time the gateway received it: the day that counts for the SVAR_BEHOV window
    is the day it was submitted, which the caller must not be able to choose."""
    if skjema.innmelder_type is not innmelder:
        raise invalid_body([("innmelderType", "innmelder_type", f"must be {innmelder.value} for this caller")])
    received = skjema.model_copy(update={"innsendt": now})
    return await submission.send(MOTEBEHOV_FRA_PART, received.id, received, identifier=received.id)
