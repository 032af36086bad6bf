"""The fastlege register's value: who is a person's regular doctor (fastlege), to address a plan to.

The port that answers it is `domain.registers.Fastlegeregister`.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fastlege:
    her_id: str
    """The doctor's own HER id: the addressee of a dialogmelding."""
    legekontor_her_id: str
    """The clinic's HER id: the communication party a dialogmelding is delivered to."""
