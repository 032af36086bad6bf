"""The fastlege register port: who is each person's regular doctor (fastlege), to address a plan to.

The domain owns the Protocol and its value type; `sykmeldingsflyt.registers.fastlege_fixture` implements
it locally, and a client of the real register (Helsedirektoratet's fastlegeregister) would be another
adapter.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Fastlege:
    her_id: str
    """The doctor's own HER id: the addressee of a dialogmelding."""
    legekontor_her_id: str
    """The clinic's HER id: the communication party a dialogmelding is delivered to."""


class FastlegeRegister(Protocol):
    def fastlege_for(self, fnr: str) -> Fastlege | None:
        """The person's fastlege, or None when the person has none (or the register does not know them)."""
        ...
