"""Tables owned by the gateway: its read model of the output topics, idempotency keys and the audit log.

The read model holds only what the HTTP side answers with or authorises by: an employer view (which has
no medical field), a kvittering, and per sykmelding a person pseudonym, never an fnr.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import AutoId, Base


class GatewaySykmeldingEier(Base):
    """Whose sykmelding this is, as a pseudonym: lets a person act on their own sykmeldinger only."""

    __tablename__ = "gateway_sykmelding_eier"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)


class GatewayKvittering(Base):
    """The kvittering to an EPJ for each msgId, readable by the clinic it answers.

    Only the first per msgId and clinic is kept: a later DUPLIKAT answer to a resend must not replace it.
    """

    __tablename__ = "gateway_kvittering"

    kvittering_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(64))
    legekontor_orgnr: Mapped[str | None] = mapped_column(String(9), nullable=True)
    kvittering: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("msg_id", "legekontor_orgnr", name="uq_gateway_kvittering_msg_id"),)


class GatewayPlanKvittering(Base):
    """The latest receipt for each plan, readable by the organisation that posted it.

    The latest, not the first: a refused plan may be fixed and sent again under the same uuid.
    """

    __tablename__ = "gateway_plan_kvittering"

    plan_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    orgnummer: Mapped[str] = mapped_column(String(9), primary_key=True)
    kvittering: Mapped[dict[str, Any]] = mapped_column(JSON)


class GatewayOppgave(Base):
    """NAV's tasks as a feed, like the employer views: `position` grows with every change."""

    __tablename__ = "gateway_oppgave"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    oppgave_id: Mapped[str] = mapped_column(String(36), unique=True)
    oppgave: Mapped[dict[str, Any]] = mapped_column(JSON)


class GatewayArbeidsgiverSykmelding(Base):
    """The employer views as a feed per employer: `position` grows with every change, so a cursor never
    misses one.

    A withdrawn view keeps its row, without the view, so that an HR system paging the feed learns of it,
    also when the employee then sends the sykmelding to another employer (which gets a row of its own).
    """

    __tablename__ = "gateway_arbeidsgiver_sykmelding"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    sykmelding_id: Mapped[str] = mapped_column(String(36))
    orgnummer: Mapped[str] = mapped_column(String(9), index=True)
    juridisk_orgnummer: Mapped[str] = mapped_column(String(9), index=True)
    view: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    """SQL NULL once withdrawn (not a JSON null, which `IS NOT NULL` would count as a view)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("sykmelding_id", "orgnummer", name="uq_gateway_arbeidsgiver_sykmelding_sykmelding_id"),
    )


class GatewayIdempotencyKey(Base):
    """A POST's Idempotency-Key and the answer it got: a retry gets the same answer and is not sent again.

    `status_code` is None while the first request is being sent to the broker.
    """

    __tablename__ = "gateway_idempotency_key"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class GatewayAudit(Base):
    """Who read which personal data, when and why; never the data itself."""

    __tablename__ = "gateway_audit"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_type: Mapped[str] = mapped_column(String(16))
    # An orgnr, or a person's pseudonym: an auditor with the key can tell whose it is, a reader cannot.
    actor: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(128))
    purpose: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    # Why an operator looked (given with --reason or ?reason=); None for a party reading its own data.
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class GatewayVarsel(Base):
    """Varsler as feeds: the employer's per orgnr, the employee's per person. `person_ref` is NAV's own
    pseudonym, kept to find the employee's and to derive the employer's: it is never served."""

    __tablename__ = "gateway_varsel"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    varsel_id: Mapped[str] = mapped_column(String(36), unique=True)
    mottaker: Mapped[str] = mapped_column(String(16))
    orgnr: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    varsel: Mapped[dict[str, Any]] = mapped_column(JSON)


class GatewayDialogmelding(Base):
    """Dialogmeldinger (plans to the fastlege) as a feed per clinic, by the clinic's HER id."""

    __tablename__ = "gateway_dialogmelding"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    dialogmelding_id: Mapped[str] = mapped_column(String(36), unique=True)
    legekontor_her_id: Mapped[str] = mapped_column(String(16), index=True)
    dialogmelding: Mapped[dict[str, Any]] = mapped_column(JSON)


class GatewayRateLimit(Base):
    """Where one client (an address before authentication, a caller after) stands in its rate limit,
    shared by every gateway instance: GCRA's theoretical arrival time, in epoch seconds."""

    __tablename__ = "gateway_rate_limit"

    client: Mapped[str] = mapped_column(String(160), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, index=True)
    allowed: Mapped[bool] = mapped_column(Boolean)
    """Whether the last request was let through (the same statement decides and records it)."""


class GatewayRomSykmelding(Base):
    """The case room's sykmeldinger: NAV's view (fnr and diagnoses included), found by the case's own
    pseudonym (`sak_ref`, what the room's addresses carry) and by the writing doctor's person pseudonym. The
    room shows each party only its own view of it, built by the privacy functions.

    NAV's view is sealed at rest with the dead-letter keyring (storage/rom.py), as parked sykmeldinger are:
    `forseglet` under key `key_id`. `sykmelding` holds it in the clear only in rows stored before sealing
    (migration 0011), until the gateway service seals them."""

    __tablename__ = "gateway_rom_sykmelding"

    sykmelding_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sak_ref: Mapped[str] = mapped_column(String(64), index=True)
    behandler_ref: Mapped[str] = mapped_column(String(64), index=True)
    sykmelding: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    forseglet: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    key_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class GatewayMotebehov(Base):
    """Each accepted møtebehov as nav.motebehov has it (a pseudonym, never an fnr); whether NAV handled it is
    its task's status, in gateway_oppgave."""

    __tablename__ = "gateway_motebehov"

    motebehov_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_ref: Mapped[str] = mapped_column(String(64), index=True)
    orgnr: Mapped[str] = mapped_column(String(9), index=True)
    motebehov: Mapped[dict[str, Any]] = mapped_column(JSON)


class GatewayArbeidsgiverSoknad(Base):
    """The employer's view of each søknad sent to an employer, as a feed per virksomhet: `position` grows with
    every change (a corrected søknad comes again under its own id)."""

    __tablename__ = "gateway_arbeidsgiver_soknad"

    position: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    soknad_id: Mapped[str] = mapped_column(String(36), unique=True)
    sykmelding_id: Mapped[str] = mapped_column(String(36), index=True)
    orgnummer: Mapped[str] = mapped_column(String(9), index=True)
    soknad: Mapped[dict[str, Any]] = mapped_column(JSON)
