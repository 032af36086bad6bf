"""The outcome of the validation rules (docs/domain.md §2.2), as NAV's syfosmregler reports it."""

from enum import StrEnum

from pydantic import Field, model_validator

from sykmeldingsflyt.domain.base import DomainModel


class RuleStatus(StrEnum):
    OK = "OK"
    MANUAL_PROCESSING = "MANUAL_PROCESSING"
    INVALID = "INVALID"


_SEVERITY = {RuleStatus.OK: 0, RuleStatus.MANUAL_PROCESSING: 1, RuleStatus.INVALID: 2}


class RuleHit(DomainModel):
    rule_name: str
    message_for_sender: str
    message_for_user: str
    rule_status: RuleStatus
    legal_reference: str | None = None


class ValidationResult(DomainModel):
    status: RuleStatus
    rule_hits: list[RuleHit] = Field(default_factory=list)

    @model_validator(mode="after")
    def _status_is_the_most_severe_hit(self) -> "ValidationResult":
        # A consumer that reads only `status` must never miss an INVALID hit.
        statuses = (hit.rule_status for hit in self.rule_hits)
        if self.status != max(statuses, key=_SEVERITY.__getitem__, default=RuleStatus.OK):
            raise ValueError("status must be the most severe ruleStatus among ruleHits (OK when none)")
        return self


class Merknad(DomainModel):
    """A note from manual processing, e.g. UGYLDIG_TILBAKEDATERING; shown to the patient and employer."""

    type: str
    beskrivelse: str | None = None
