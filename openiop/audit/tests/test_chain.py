"""The pure hash chain: an intact chain verifies, and every kind of tampering is named at its first event."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.audit.chain import GENESIS_HASH, ChainedEvent, event_digest, verify_chain

# Timing is not what these tests check, and shared CI machines stall: no per-example deadline.
no_deadline = settings(deadline=None)

contents = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["view", "list", "create", "update", "export"]),
        "actor_username": st.text(max_size=20),
        "patient": st.none() | st.integers(min_value=1, max_value=10_000),
        "detail": st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3),
    }
)


def build_chain(payloads) -> list[ChainedEvent]:
    events, previous = [], GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        content = {"seq": seq, **payload}
        digest = event_digest(previous, content)
        events.append(ChainedEvent(seq=seq, previous_hash=previous, hash=digest, content=content))
        previous = digest
    return events


def verify(events, *, head: list[ChainedEvent]):
    """Verify `events` against the head the writer recorded for the untouched chain `head`."""
    return verify_chain(events, head_seq=len(head), head_hash=head[-1].hash if head else GENESIS_HASH)


chains = st.lists(contents, min_size=1, max_size=12).map(build_chain)


def test_an_empty_chain_with_an_empty_head_is_intact():
    assert verify_chain([], head_seq=0, head_hash=GENESIS_HASH) is None


def test_the_digest_does_not_depend_on_key_order():
    assert event_digest(GENESIS_HASH, {"a": 1, "b": 2}) == event_digest(GENESIS_HASH, {"b": 2, "a": 1})


def test_a_changed_action_is_named_at_its_event():
    chain = build_chain([{"action": "view"}, {"action": "list"}, {"action": "view"}])
    tampered = list(chain)
    tampered[1] = dataclasses.replace(chain[1], content={**chain[1].content, "action": "view"})
    problem = verify(tampered, head=chain)
    assert problem.seq == 2
    assert "content" in problem.problem


def test_events_but_no_recorded_head_is_a_break():
    chain = build_chain([{"action": "view"}])
    assert verify_chain(chain, head_seq=0, head_hash=GENESIS_HASH) is not None


@no_deadline
@given(chains)
def test_an_untouched_chain_always_verifies(chain):
    assert verify(chain, head=chain) is None


@no_deadline
@given(chains, st.data())
def test_changing_any_content_field_is_named_at_that_event(chain, data):
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    key = data.draw(st.sampled_from(sorted(chain[index].content)))
    new_value = data.draw(st.text(max_size=10).filter(lambda value: value != chain[index].content[key]))
    tampered = list(chain)
    tampered[index] = dataclasses.replace(chain[index], content={**chain[index].content, key: new_value})
    assert verify(tampered, head=chain).seq == index + 1


@no_deadline
@given(chains, st.data())
def test_changing_any_stored_hash_is_named_at_that_event(chain, data):
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    which = data.draw(st.sampled_from(["hash", "previous_hash"]))
    forged = data.draw(
        st.text("0123456789abcdef", min_size=64, max_size=64).filter(
            lambda value: value != getattr(chain[index], which)
        )
    )
    tampered = list(chain)
    tampered[index] = dataclasses.replace(chain[index], **{which: forged})
    assert verify(tampered, head=chain).seq == index + 1


@no_deadline
@given(chains, st.data())
def test_rehashing_a_changed_event_still_breaks_the_next_link_or_the_head(chain, data):
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    event = chain[index]
    content = {**event.content, "action": "forged"}
    tampered = list(chain)
    tampered[index] = dataclasses.replace(
        event, content=content, hash=event_digest(event.previous_hash, content)
    )
    # The forger recomputed this event's hash, so the break shows at the next event (or at the head).
    assert verify(tampered, head=chain).seq == min(index + 2, len(chain))


@no_deadline
@given(chains, st.data())
def test_deleting_any_event_including_the_newest_is_named_at_that_event(chain, data):
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    tampered = chain[:index] + chain[index + 1 :]
    assert verify(tampered, head=chain).seq == index + 1


@no_deadline
@given(chains.filter(lambda chain: len(chain) >= 2), st.data())
def test_reordering_events_is_named_at_the_first_moved_event(chain, data):
    first = data.draw(st.integers(min_value=0, max_value=len(chain) - 2))
    second = data.draw(st.integers(min_value=first + 1, max_value=len(chain) - 1))
    tampered = list(chain)
    tampered[first], tampered[second] = tampered[second], tampered[first]
    assert verify(tampered, head=chain).seq == first + 1


@no_deadline
@given(chains, st.data())
def test_deleting_the_newest_events_and_rewinding_nothing_else_is_caught_by_the_head(chain, data):
    keep = data.draw(st.integers(min_value=0, max_value=len(chain) - 1))
    problem = verify(chain[:keep], head=chain)
    assert problem.seq == keep + 1
