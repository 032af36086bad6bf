"""Services as the platform runs them: each `sykmeldingsflyt run` a process of its own, which a test
may SIGKILL, SIGSTOP and start again."""

import asyncio
import os
import sys
from pathlib import Path

from sykmeldingsflyt.messaging.settings import KafkaSettings


async def start_services(
    settings: KafkaSettings, database_url: str, *services: str, log: Path, **environment: str
) -> asyncio.subprocess.Process:
    """`sykmeldingsflyt run SERVICES` in a process of its own, its output appended to `log`;
    `environment` adds SYKMELDINGSFLYT_<NAME> variables (REPLICA, INSTANCE_ID, ...)."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SYKMELDINGSFLYT_TOPIC_PREFIX": settings.topic_prefix,
        "DATABASE_URL": database_url,
        **{f"SYKMELDINGSFLYT_{name.upper()}": value for name, value in environment.items()},
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sykmeldingsflyt",
        "run",
        *services,
        env=env,
        stdout=log.open("ab"),
        stderr=asyncio.subprocess.STDOUT,
    )
