"""The audit hash chain, as pure functions: each event's hash covers its content and the previous hash.

Changing, inserting or deleting any event breaks the chain from that point on; `verify_chain` names the first
event that no longer fits.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


def event_digest(previous_hash: str, content: Mapping[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{previous_hash}|{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainedEvent:
    seq: int
    previous_hash: str
    hash: str
    content: Mapping[str, object]


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


def verify_chain(events: Iterable[ChainedEvent], *, head_seq: int, head_hash: str) -> ChainBreak | None:
    """Walk events in sequence order; return the first break, or None when the chain is intact.

    `head_seq` and `head_hash` are what the chain head recorded last: they catch deletion of the newest
    events, which leaves no gap behind.
    """
    expected_seq = 1
    previous = GENESIS_HASH
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(expected_seq, f"event {expected_seq} is missing (next found is {event.seq})")
        if event.previous_hash != previous:
            return ChainBreak(event.seq, "its link to the previous event does not match")
        if event_digest(event.previous_hash, event.content) != event.hash:
            return ChainBreak(event.seq, "its content does not match its hash (changed after writing)")
        previous = event.hash
        expected_seq += 1
    if expected_seq - 1 != head_seq:
        return ChainBreak(
            expected_seq, f"the chain ends at {expected_seq - 1} but {head_seq} events were written"
        )
    if previous != head_hash:
        return ChainBreak(head_seq, "the last event does not match the recorded chain head")
    return None
