"""NAV's dialogue-meeting status events as they arrive on nav.dialogmote-status (docs/domain.md §4).

The fields and names are those of NAV's KDialogmoteStatusEndring, less NAV's internal ones (unit,
veileder). The event names the person by fnr: a consumer pseudonymises it at once.
"""

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.identifiers import Fnr, Orgnr, Uuid
from sykmeldingsflyt.domain.sykmelding import UtcTimestamp
from sykmeldingsflyt.domain.timeline import DialogmoteHendelse, DialogmoteStatus


class DialogmoteStatusEndring(DomainModel):
    dialogmote_uuid: Uuid
    status_endring_type: DialogmoteStatus
    status_endring_tidspunkt: UtcTimestamp
    dialogmote_tidspunkt: UtcTimestamp
    """When the meeting is (or was) held."""
    person_ident: Fnr
    """The sick-listed person. Personal data: pseudonymise it at once, never store or log it."""
    virksomhetsnummer: Orgnr
    """The employer (underenhet) whose case the meeting is about."""

    def hendelse(self) -> DialogmoteHendelse:
        return DialogmoteHendelse(
            mote_id=self.dialogmote_uuid,
            status=self.status_endring_type,
            dato=norwegian_date(self.status_endring_tidspunkt),
            motetid=self.dialogmote_tidspunkt,
        )
