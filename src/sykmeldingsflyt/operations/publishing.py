"""What the operator's tools send goes through the outbox under the producer `operations`, like every
service's messages, and is published at once by a relay run for the moment."""

from sykmeldingsflyt.services.runtime import Runtime

PRODUCER = "operations"


async def publish_queued(runtime: Runtime) -> None:
    """Publish what the tools queued; a relay of a running `operations` elsewhere may hold the lease,
    and then publishes it instead."""
    relay = runtime.relay_for(PRODUCER)
    relay.stop()
    await relay.run()
