"""The outbox on every backend: posts kept until they land, claimed by one sender at a time."""

from __future__ import annotations

import threading

from bot.store import connect

PAYLOAD = {"channel": "C1", "text": "Customers said", "metadata": {"event_type": "x", "event_payload": {}}}


def add(store, now=100.0, team="T1", kind="quotes", expires=400.0, after=None):
    return store.outbox.add(kind, team, "chat.postMessage", PAYLOAD, expires, now, after)


def test_a_post_is_kept_with_its_payload_until_it_lands(store):
    post_id = add(store, after={"mark_shown": [3, 4]})
    assert store.outbox.backlog(100.0) == (1, 100.0)
    (post,) = store.outbox.claim("a", 101.0, 111.0, 10)
    assert (post.id, post.payload, post.after, post.attempts, post.unknown) == \
        (post_id, PAYLOAD, {"mark_shown": [3, 4]}, 1, False)
    assert post.first_try_at == 101.0
    assert store.outbox.finish(post_id, "a", "done", 102.0, ts="1.000100")
    assert store.outbox.get(post_id).status == "done" and store.outbox.get(post_id).ts == "1.000100"
    assert store.outbox.backlog(103.0) == (0, None)
    assert store.outbox.claim("a", 500.0, 510.0, 10) == []


def test_a_post_handed_back_waits_for_its_time(store):
    post_id = add(store)
    store.outbox.claim("a", 100.0, 110.0, 10)
    assert store.outbox.retry(post_id, "a", 130.0, "HTTP 503", unknown=False)
    assert store.outbox.claim("b", 120.0, 130.0, 10) == []
    (again,) = store.outbox.claim("b", 130.0, 140.0, 10)
    assert again.attempts == 2 and not again.unknown and again.note == "HTTP 503"
    assert again.first_try_at == 100.0


def test_only_the_holder_of_a_claim_closes_it(store):
    post_id = add(store)
    store.outbox.claim("a", 100.0, 110.0, 10)
    assert store.outbox.claim("b", 105.0, 115.0, 10) == []  # a's lease still runs
    assert not store.outbox.finish(post_id, "b", "done", 106.0)
    assert not store.outbox.retry(post_id, "b", 106.0, "x", unknown=False)


def test_a_claim_whose_lease_ran_out_comes_back_unknown(store):
    """Its sender died (or hung) mid-try: the post may have landed, so the next one looks first."""
    post_id = add(store)
    store.outbox.claim("a", 100.0, 110.0, 10)
    (taken,) = store.outbox.claim("b", 111.0, 121.0, 10)
    assert taken.id == post_id and taken.unknown and taken.attempts == 2
    assert not store.outbox.finish(post_id, "a", "done", 112.0)  # a woke up too late
    assert store.outbox.finish(post_id, "b", "dropped", 113.0, note="expired")
    assert store.outbox.get(post_id).note == "expired"


def test_claims_go_oldest_first_and_by_id(store):
    first, second, third = add(store, now=100.0), add(store, now=101.0), add(store, now=102.0)
    assert [p.id for p in store.outbox.claim("a", 200.0, 210.0, 2)] == [first, second]
    assert [p.id for p in store.outbox.claim("a", 200.0, 210.0, 5, post_id=first)] == []
    assert [p.id for p in store.outbox.claim("b", 200.0, 210.0, 5, post_id=third)] == [third]
    assert store.outbox.waiting("T1", third) == 2 and store.outbox.waiting("T2", third) == 0


def test_finished_posts_are_pruned_and_a_workspace_forgotten(store):
    done, kept = add(store), add(store, team="T2")
    store.outbox.claim("a", 100.0, 110.0, 1, post_id=done)
    store.outbox.finish(done, "a", "done", 100.0)
    assert store.outbox.prune(50.0) == 0 and store.outbox.prune(200.0) == 1
    assert store.outbox.get(done) is None and store.outbox.get(kept) is not None
    assert store.forget_team("T2")["outbox"] == 1
    assert store.outbox.backlog(300.0) == (0, None)


def test_two_senders_claiming_at_once_never_share_a_post(target):
    """Replicas on one database (or two processes on one file) split the backlog between them."""
    store = connect(target)
    ids = {add(store, now=float(n)) for n in range(40)}
    got: dict[str, list[int]] = {"a": [], "b": []}

    def sender(name: str) -> None:
        mine = connect(target)
        while batch := mine.outbox.claim(name, 1000.0, 1010.0, 3):
            got[name] += [p.id for p in batch]
        mine.close()

    threads = [threading.Thread(target=sender, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(got["a"] + got["b"]) == sorted(ids)
    store.close()


def test_a_workspace_is_postponed_while_slack_is_down_for_it(store):
    held, claimed, other = add(store), add(store), add(store, team="T2")
    store.outbox.claim("a", 100.0, 200.0, 1, post_id=claimed)
    assert store.outbox.postpone("T1", 160.0) == 1
    later = store.outbox.add("decision", "T1", "chat.postMessage", PAYLOAD, 900.0, 101.0, next_at=160.0)
    assert [p.id for p in store.outbox.claim("b", 150.0, 500.0, 10)] == [other]
    assert store.outbox.retry(claimed, "a", 160.0, "HTTP 503", unknown=False)
    assert [p.id for p in store.outbox.claim("b", 160.0, 170.0, 10)] == [held, claimed, later]
