"""What oppfolging's handlers look up message by message, fetched for a whole batch beforehand.

Rows by primary key (its sykmeldinger, where they were SENT, its plans) come from `Forhandsoppslag`. The
plans waiting for a person come from one query for all the batch's people: most batches find none, and
then the question costs that one query, not one per message. Asked for a person not fetched beforehand,
it asks the database as before: what is fetched only saves time.
"""

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.forhandsoppslag import Forhandsoppslag
from sykmeldingsflyt.storage.tables import OppfolgingVentendePlan


class OppfolgingOppslag:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.rader = Forhandsoppslag(session)
        # Each person's waiting plans in the order they came, kept as the batch accepts or adds plans.
        self._ventende: dict[str, list[OppfolgingVentendePlan]] = {}

    async def hent_ventende(self, refs: Iterable[str]) -> None:
        """Fetch the plans waiting for these people (by pseudonym), in one query."""
        wanted = set(refs) - self._ventende.keys()
        if not wanted:
            return
        self._ventende.update((ref, []) for ref in wanted)
        query = (
            select(OppfolgingVentendePlan)
            .where(OppfolgingVentendePlan.person_ref.in_(wanted))
            .order_by(OppfolgingVentendePlan.received_at)
        )
        for plan in await self.session.scalars(query):
            self._ventende[plan.person_ref].append(plan)

    async def ventende(self, ref: str) -> list[OppfolgingVentendePlan]:
        """The plans waiting for the person, the first to come first."""
        await self.hent_ventende([ref])
        return list(self._ventende[ref])

    def vent(self, plan: OppfolgingVentendePlan) -> None:
        """Add a waiting plan: it comes last for its person."""
        self.rader.add(plan)
        if plan.person_ref in self._ventende:
            self._ventende[plan.person_ref].append(plan)

    async def glem(self, plan_uuid: str) -> None:
        """The plan waits no longer."""
        # A statement, not session.delete: another instance may have settled the same plan a moment ago.
        await self.session.execute(delete(OppfolgingVentendePlan).where(OppfolgingVentendePlan.plan_uuid == plan_uuid))
        for plans in self._ventende.values():
            plans[:] = [plan for plan in plans if plan.plan_uuid != plan_uuid]
