"""The soak benchmark for a minute, as CI runs it (the hour is for the record: README, Benchmarks): every
service in its own process under a steady load, sampled while it runs. What it measures is not judged
here, only that it measures: every process sampled, the lag and the outbox read, the result written."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.services.registry import SERVICES

pytestmark = pytest.mark.integration


async def test_a_minutes_soak_samples_every_process_and_writes_its_result(
    kafka_settings: KafkaSettings, database_url: str, tmp_path: Path
) -> None:
    result = tmp_path / "soak.json"
    soak = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bench.bench_soak", "--minutes", "1", "--rate", "10", "--every", "20"),
        *("--database-url", database_url, "--output", str(result)),
        env={
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_settings.require_bootstrap(),
            "SYKMELDINGSFLYT_TOPIC_PREFIX": kafka_settings.topic_prefix,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    printed, _ = await asyncio.wait_for(soak.communicate(), timeout=600)
    assert soak.returncode == 0, printed.decode()[-3000:]

    run = json.loads(result.read_text())
    samples = run["details"]["samples"]
    assert len(samples) >= 2, samples
    assert all(set(sample["rss_mb"]) == set(SERVICES) for sample in samples), samples[-1]["rss_mb"]
    assert all(mb > 0 for sample in samples for mb in sample["rss_mb"].values())
    assert any(sample["lag"] for sample in samples), "no consumer group's lag was read"
    assert {f"RSS growth {name} MB, last third" for name in SERVICES} <= set(run["figures"])
    assert "soak: 1 min at 10/s" in printed.decode()
