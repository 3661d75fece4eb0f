"""Does the broker make a reader skip records?  The race behind the starved-run loss.

    python benchmarks/tansu_holes.py [--producers 6] [--records 3000] [--busy 4] [--bootstrap H:P]

Several producers write single-record batches to one partition at once while two
readers follow it from the start with the services' fetch wait: one plain (what an
aiokafka consumer does), one through ``topics.contiguity.Contiguous`` (what onething's
services and harness do).  At the end each reader's offsets are compared with the
partition's: a plain reader on Tansu 0.6 can miss records for good, because the broker
raises the high watermark before it stores the batch and answers a fetch with a later
batch already stored.  ``--busy`` CPU-bound processes beside it widen that window, as a
starved machine does.  Exit status 1 if the guarded reader missed anything.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402

from benchmarks.starvation import busy_loops  # noqa: E402
from onething.services.broker import TansuBroker, create_topics  # noqa: E402
from onething.topics.contiguity import Contiguous  # noqa: E402
from onething.topics.names import FETCH_WAIT_MS  # noqa: E402

TOPIC = "onething.bench.holes"


async def produce(bootstrap: str, n: int, tag: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, max_batch_size=1)
    await producer.start()
    try:
        for i in range(n):
            await producer.send_and_wait(TOPIC, f"{tag}-{i}".encode(), partition=0)
    finally:
        await producer.stop()


async def read(bootstrap: str, guard: Contiguous | None, done: asyncio.Event) -> set[int]:
    """Offsets a reader delivered, until ``done`` and the partition is read to its end."""
    tp = TopicPartition(TOPIC, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=FETCH_WAIT_MS)
    await consumer.start()
    seen: set[int] = set()
    try:
        consumer.assign([tp])
        consumer.seek(tp, 0)
        quiet = 0
        while quiet < 20:
            batch = await consumer.getmany(tp, timeout_ms=100)
            records = batch.get(tp, [])
            if guard is not None:
                records, seek_back = guard.keep(tp, records)
                if seek_back is not None:
                    consumer.seek(tp, seek_back)
            seen.update(r.offset for r in records)
            quiet = quiet + 1 if done.is_set() and not records else 0
        return seen
    finally:
        await consumer.stop()


async def main_async(args: argparse.Namespace, bootstrap: str) -> int:
    create_topics(bootstrap, {TOPIC: 1})
    done = asyncio.Event()
    guard = Contiguous()
    readers = [
        asyncio.ensure_future(read(bootstrap, None, done)),
        asyncio.ensure_future(read(bootstrap, guard, done)),
    ]
    per_producer = args.records // args.producers
    await asyncio.gather(*(produce(bootstrap, per_producer, t) for t in range(args.producers)))
    done.set()
    plain, guarded = await asyncio.gather(*readers)
    written = set(range(per_producer * args.producers))
    for name, seen in (("plain reader", plain), ("guarded reader", guarded)):
        missed = sorted(written - seen)
        shown = ", ".join(map(str, missed[:10])) + (" ..." if len(missed) > 10 else "")
        print(
            f"{name:>15}: read {len(seen & written)} of {len(written)}, missed {len(missed)}"
            + (f" (offsets {shown})" if missed else "")
        )
    print(
        f"guarded reader: {guard.holes} hole(s) met and read again, "
        f"{guard.passed_over} offset(s) passed over"
    )
    return 1 if written - guarded else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--producers", type=int, default=6)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--busy", type=int, default=4, help="CPU-bound processes beside it")
    parser.add_argument("--bootstrap", help="a running broker (default: the embedded Tansu)")
    args = parser.parse_args()
    with busy_loops(args.busy):
        if args.bootstrap:
            return asyncio.run(main_async(args, args.bootstrap))
        with TansuBroker() as broker:
            return asyncio.run(main_async(args, broker.bootstrap))


if __name__ == "__main__":
    sys.exit(main())
