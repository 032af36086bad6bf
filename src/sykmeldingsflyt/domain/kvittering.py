"""The kvittering (apprec) every EPJ gets for every sykmelding it sends (docs/domain.md §2.2).

It goes back to the sender over a shared channel, so it carries ids, a status and the sender texts of
the rules, never the patient's fnr or anything the doctor wrote.
"""

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp


class KvitteringStatus(StrEnum):
    OK = "OK"
    AVVIST = "AVVIST"


class Avvisningsgrunn(DomainModel):
    rule_name: str
    message_for_sender: str
    field: str | None = None
    """The dotted path of wire names to the offending field, when a schema check rather than a rule failed."""


class Kvittering(DomainModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    kvittering_id: Uuid
    msg_id: str
    """The sender's msgId verbatim, even when it is not a UUID: that can be why the message was AVVIST."""
    sykmelding_id: Uuid | None = None
    """None when the message was rejected before its sykmelding id could be read."""
    status: KvitteringStatus
    mottatt_dato: UtcTimestamp
    avvisningsgrunner: list[Avvisningsgrunn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reasons_match_status(self) -> "Kvittering":
        # NAV answers OK also for MANUAL_PROCESSING: the sender need not act, so it gets no reasons.
        if (self.status is KvitteringStatus.AVVIST) != bool(self.avvisningsgrunner):
            raise ValueError("an AVVIST kvittering needs avvisningsgrunner and an OK one has none")
        return self
