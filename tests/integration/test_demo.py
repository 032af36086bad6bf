"""The whole demonstration, on the test's broker: every scene plays, it ends with the case room's address and
the development logins, and held, the room serves them on a real port until told to stop."""

import asyncio
import re

import httpx
import pytest

from sykmeldingsflyt.demo import run_demo
from sykmeldingsflyt.demo.rom import OPEN, Rom
from sykmeldingsflyt.gateway.rom.devlogin import STANDARD
from sykmeldingsflyt.gateway.rom.tilgang import ROLLENAVN, Rolle
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER

pytestmark = pytest.mark.integration


async def test_the_demonstration_ends_in_a_room_one_can_open_as_each_party(
    kafka_settings: KafkaSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_settings.bootstrap_servers or "")
    monkeypatch.setenv("SYKMELDINGSFLYT_TOPIC_PREFIX", kafka_settings.topic_prefix)
    monkeypatch.setenv("SYKMELDINGSFLYT_PROFILE", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SYKMELDINGSFLYT_REGISTERS", raising=False)
    lines: list[str] = []
    opened, stop = asyncio.Event(), asyncio.Event()

    def out(line: str) -> None:
        lines.append(line)
        if line.strip().startswith(OPEN):
            opened.set()

    demo = asyncio.create_task(run_demo(out, Rom(port=0, hold=True, until=stop)))
    try:
        await asyncio.wait([demo, asyncio.create_task(opened.wait())], return_when=asyncio.FIRST_COMPLETED)
        assert opened.is_set(), "\n".join(lines)
        text = "\n".join(lines)
        # The plan of scene 3 passes NAV's checks against the bundled registers: Aareg knows the employee.
        assert re.search(r"plan \S+: ACCEPTED; to the fastlege: SENT; to NAV: SENT", text), text
        for rolle, ident in STANDARD.items():
            assert f"as {ROLLENAVN[rolle]} ({ident}): 200" in text, text
        sak = re.search(r"the case: (http://127\.0\.0\.1:\d+/rom/sak/[0-9a-f]{32})$", text, re.MULTILINE)
        assert sak is not None, text
        login = {
            found[1]: found[3]
            for found in re.finditer(r"^ {4}(\S+(?: \S+)?) +(\S+) +(http://\S+/rom/logg-inn/\w+)$", text, re.MULTILINE)
        }
        assert set(login) == set(ROLLENAVN.values()), text
        page = re.search(rf"{OPEN} (http://\S+/rom/logg-inn);", text)
        assert page is not None, text

        async with httpx.AsyncClient() as http:
            assert (await http.get(page[1])).status_code == 200
            assert (await http.get(sak[1])).status_code in (303, 401)  # not logged in: to the login
            assert (await http.get(login[ROLLENAVN[Rolle.LEDER]])).status_code == 303
            leader = await http.get(sak[1])
            assert leader.status_code == 200, leader.text
            assert DEMO_ARBEIDSGIVER.org_navn in leader.text
            assert "L87" not in leader.text  # the diagnosis: NAV's and the doctor's, never the employer's
    finally:
        stop.set()
        await demo
    assert lines[-1].endswith("everything stopped cleanly")
