"""Who an instance is: unique per process unless set, and a replica name only when given."""

import os
import socket

import pytest
from pydantic import ValidationError

from sykmeldingsflyt.services.runtime import ServiceSettings


def test_two_processes_on_one_host_never_share_an_instance_id() -> None:
    first, second = ServiceSettings(), ServiceSettings()

    assert first.instance_id != second.instance_id
    assert first.instance_id.startswith(f"{socket.gethostname()}-{os.getpid()}-")


def test_an_instance_id_and_a_replica_name_are_taken_as_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYKMELDINGSFLYT_INSTANCE_ID", "mottak-0")
    monkeypatch.setenv("SYKMELDINGSFLYT_REPLICA", "mottak-0")

    settings = ServiceSettings()

    assert (settings.instance_id, settings.replica) == ("mottak-0", "mottak-0")


def test_without_a_replica_name_membership_is_dynamic_and_a_bad_name_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServiceSettings().replica is None
    monkeypatch.setenv("SYKMELDINGSFLYT_REPLICA", "mottak 0/æ")
    with pytest.raises(ValidationError, match="replica"):
        ServiceSettings()
