"""The demonstration's last lines when it does not hold: the room's addresses and the logins, then it ends."""

from typing import cast

from sykmeldingsflyt.demo.parties import Demo
from sykmeldingsflyt.demo.rom import OPEN, Rom, open_room
from sykmeldingsflyt.gateway.rom.devlogin import STANDARD
from sykmeldingsflyt.services.runtime import Runtime


async def test_a_demonstration_that_does_not_hold_prints_where_the_room_would_be_and_ends() -> None:
    lines: list[str] = []
    sak = "0123456789abcdef" * 2
    demo = Demo(cast(Runtime, None), [], lines.append, {"sak": sak})  # printing needs no running service
    await open_room(demo, Rom())
    text = "\n".join(lines)
    assert f"the case: http://127.0.0.1:8080/rom/sak/{sak}" in text
    for rolle, ident in STANDARD.items():
        assert any(ident in line and line.endswith(f"/rom/logg-inn/{rolle.value}") for line in lines), text
    assert "sykmeldingsflyt demo --hold" in text
    assert OPEN not in text
