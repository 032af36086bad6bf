"""Operators' looks go to the gateway's audit log (gateway/audit.py), under the purpose DRIFT, with the
reason they gave."""

from collections.abc import Sequence

from sykmeldingsflyt.gateway.audit import Audit, Purpose, Resource
from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.services.runtime import Runtime


async def audited(runtime: Runtime, who: Operator, resource: Resource, ids: Sequence[str], reason: str | None) -> None:
    """Record the look before its result is shown, so a failure here shows nothing."""
    async with runtime.database.session() as session:
        await Audit(session, who, runtime.clock).record(Purpose.DRIFT, resource, ids, reason)


def command_line_operator(ident: str) -> Operator:
    """An operator at the command line: trusted as the shell they have is trusted."""
    return Operator(ident=ident[:64], client_id="sykmeldingsflyt-cli", groups=frozenset())
