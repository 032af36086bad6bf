"""How an HR system reads the sykmeldinger its employees sent it, straight from Kafka.

Runs with only aiokafka and fastavro, and the published schema file, as a vendor's own code would:

    python examples/hr_arbeidsgiver_consumer.py --bootstrap 127.0.0.1:9092 --orgnr 311000101 \
        --schema schemas/arbeidsgiver_sykmelding.avsc [--topic arbeidsgiver.sykmelding]

The topic is compacted and keyed by sykmelding id: read it from the beginning to get every sykmelding
that is still in force, then follow it. A message without a value (a tombstone) means the employee
withdrew it (AVBRUTT or SLETTET): delete your copy. Filter on the `orgnummer` header (the sub-unit the
employee works at) or `juridisk-orgnummer` (the legal entity, when you act for all its sub-units),
so you never decode what is not yours. Read with isolation.level=read_committed: you then see every
message exactly once.
"""

import argparse
import asyncio
import io
import json
from pathlib import Path
from typing import Any

import fastavro
from aiokafka import AIOKafkaConsumer

SINGLE_OBJECT_HEADER = 10  # 0xC3 0x01 and the schema's 8-byte fingerprint


def decode(value: bytes, schema: Any) -> dict[str, Any]:
    if value[:2] != b"\xc3\x01":
        raise ValueError("not Avro single-object encoding; with a schema registry, use a Confluent deserializer")
    record = fastavro.schemaless_reader(io.BytesIO(value[SINGLE_OBJECT_HEADER:]), schema, None)
    assert isinstance(record, dict)
    return record


def load_schema(path: Path) -> Any:
    return fastavro.parse_schema(json.loads(path.read_text()))


async def sykmeldinger_for(
    bootstrap: str, topic: str, orgnr: str, schema: Any, *, idle_seconds: float = 5.0
) -> dict[str, dict[str, Any]]:
    """Every sykmelding currently sent to `orgnr`, by sykmelding id: reads until the topic is quiet."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        enable_auto_commit=False,  # a real system commits after it has stored what it read
    )
    current: dict[str, dict[str, Any]] = {}
    await consumer.start()
    try:
        while batches := await consumer.getmany(timeout_ms=int(idle_seconds * 1000)):
            for records in batches.values():
                for record in records:
                    headers = {name: value.decode() for name, value in record.headers}
                    if orgnr not in (headers.get("orgnummer"), headers.get("juridisk-orgnummer")):
                        continue
                    sykmelding_id = (record.key or b"").decode()
                    if record.value is None:
                        current.pop(sykmelding_id, None)
                    else:
                        current[sykmelding_id] = decode(record.value, schema)
        return current
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--orgnr", required=True)
    parser.add_argument("--schema", type=Path, default=Path("schemas/arbeidsgiver_sykmelding.avsc"))
    parser.add_argument("--topic", default="arbeidsgiver.sykmelding")
    arguments = parser.parse_args()
    schema = load_schema(arguments.schema)
    found = asyncio.run(sykmeldinger_for(arguments.bootstrap, arguments.topic, arguments.orgnr, schema))
    for sykmelding_id, view in found.items():
        perioder = ", ".join(f"{p['fom']}..{p['tom']}" for p in view["sykmeldingsperioder"])
        print(f"{sykmelding_id}: {perioder}")


if __name__ == "__main__":
    main()
