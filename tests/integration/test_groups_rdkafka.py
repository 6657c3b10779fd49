"""librdkafka consumer groups against gregor: members joining, leaving and being killed
while a producer writes, static membership, kcat -G, and describe/lag through the admin API.

Consumers are the C program clients/rdkafka_group_consumer.c (one process each, so one can
be SIGKILLed); it commits each message synchronously after "processing" it (printing it)
and reports events with CLOCK_MONOTONIC timestamps shared by all processes, from which the
tests check at-least-once delivery: every produced record is consumed, and a record is
consumed again only at or above the last offset committed for its partition before then.
"""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from confluent_kafka import Producer

TOPIC_PARTITIONS = 6
SESSION_MS = 6000  # group.min.session.timeout.ms: the fastest a killed member expires


def exe(clients_dir, name):
    path = os.path.join(clients_dir, name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} not built (cmake --build <build dir>)", pytrace=False)
    return path


class GroupConsumer:
    """One rdkafka_group_consumer process and the events it printed."""

    def __init__(self, clients_dir, broker, group, topics, name, *confs):
        self.name = name
        self.events = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen(
            [exe(clients_dir, "rdkafka_group_consumer"), broker.bootstrap, group, topics,
             f"client.id={name}", f"session.timeout.ms={SESSION_MS}",
             "heartbeat.interval.ms=500", *confs],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.stderr_lines = []
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if parts:
                with self.lock:
                    self.events.append(parts)

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def assignment(self):
        """The current partitions (as (topic, p)) per the rebalance events so far."""
        owned = set()
        for e in self.snapshot():
            if e[0] == "ASSIGN":
                owned = set(_parts(e))
            elif e[0] == "REVOKE":
                owned = set()
            elif e[0] == "INCASSIGN":
                owned |= set(_parts(e))
            elif e[0] == "INCREVOKE":
                owned -= set(_parts(e))
        return owned

    def generations(self):
        return [int(e[1]) for e in self.snapshot() if e[0] == "GEN"]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not exit on {sig}:\n" + self.diag())
        self.reader.join(5)

    def kill9(self):
        self.stop(signal.SIGKILL)

    def diag(self):
        return f"--- {self.name} stderr:\n{''.join(self.stderr_lines[-30:])}"


def _parts(event):
    if len(event) < 3:
        return []
    out = []
    for item in event[2].split(","):
        topic, p = item.rsplit(":", 1)
        out.append((topic, int(p)))
    return out


def wait_for(cond, timeout, what, diag=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{diag()}")


class SteadyProducer(threading.Thread):
    """Produces `count` distinct values to `topic` at about `rate` per second (acks=all)."""

    def __init__(self, broker, topic, count, rate):
        super().__init__(daemon=True)
        self.topic, self.count, self.rate = topic, count, rate
        self.producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5,
                                  "acks": "all"})
        self.delivered = {}  # value -> (partition, offset)
        self.errors = []

    def run(self):
        def report(err, msg):
            if err:
                self.errors.append(str(err))
            else:
                self.delivered[msg.value().decode()] = (msg.partition(), msg.offset())
        start = time.monotonic()
        for i in range(self.count):
            self.producer.produce(self.topic, value=f"v{i}".encode(), on_delivery=report)
            self.producer.poll(0)
            delay = start + (i + 1) / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        self.producer.flush(30)


def consumed(consumers):
    """[(us, topic, partition, offset, value)] of every MSG event, in time order."""
    out = []
    for c in consumers:
        for e in c.snapshot():
            if e[0] == "MSG":
                out.append((int(e[1]), e[2], int(e[3]), int(e[4]), e[5] if len(e) > 5 else ""))
    return sorted(out)


def check_at_least_once(consumers, delivered, topic):
    msgs = consumed(consumers)
    commits = sorted((int(e[1]), e[2], int(e[3]), int(e[4]))
                     for c in consumers for e in c.snapshot() if e[0] == "COMMIT")
    values = {m[4] for m in msgs}
    lost = sorted(set(delivered) - values, key=lambda v: int(v[1:]))
    assert not lost, f"{len(lost)} record(s) never consumed, e.g. {lost[:10]}"
    # Redeliveries only at or above the last commit made before them.
    seen = set()
    ci = 0
    last_commit = {}
    for us, t, p, o, _ in msgs:
        while ci < len(commits) and commits[ci][0] < us:
            _, ct, cp, co = commits[ci]
            last_commit[(ct, cp)] = max(last_commit.get((ct, cp), 0), co)
            ci += 1
        if (t, p, o) in seen:
            assert o >= last_commit.get((t, p), 0), (
                f"{t}-{p} offset {o} delivered again below the committed offset "
                f"{last_commit[(t, p)]}")
        seen.add((t, p, o))
    return msgs


def describe(clients_dir, broker, group):
    p = subprocess.run([exe(clients_dir, "rdkafka_group_admin"), broker.bootstrap, group],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.fixture
def gbroker(broker_factory):
    return broker_factory(args=["--group.initial.rebalance.delay.ms=0",
                                f"--num.partitions={TOPIC_PARTITIONS}"])


@pytest.mark.parametrize("assignor", ["range,roundrobin", "cooperative-sticky"])
def test_members_join_leave_and_die_while_a_producer_writes(gbroker, clients_dir, assignor):
    topic = "orders"
    gbroker.create_topic(topic)
    producer = SteadyProducer(gbroker, topic, count=2400, rate=200)
    conf = f"partition.assignment.strategy={assignor}"
    consumers = []

    def start(name):
        c = GroupConsumer(clients_dir, gbroker, "workers", topic, name, conf)
        consumers.append(c)
        return c

    def diag():
        return "\n".join(c.diag() for c in consumers) + "\n" + gbroker.stderr_text()[-6000:]

    try:
        c1 = start("c1")
        wait_for(lambda: len(c1.assignment()) == TOPIC_PARTITIONS, 20, "c1 owns everything", diag)
        producer.start()
        time.sleep(1.5)
        c2 = start("c2")
        time.sleep(1.5)
        c3 = start("c3")
        wait_for(lambda: all(c.assignment() for c in (c1, c2, c3)), 20,
                 "three members with partitions", diag)
        time.sleep(1.5)
        c2.stop()  # graceful: LeaveGroup
        time.sleep(1.5)
        c3.kill9()  # its partitions move after its session times out
        c4 = start("c4")
        producer.join(60)
        assert not producer.errors, producer.errors[:5]
        live = (c1, c4)

        def settled():
            owned = [c.assignment() for c in live]
            everything = {(topic, p) for p in range(TOPIC_PARTITIONS)}
            return (all(owned) and set().union(*owned) == everything
                    and sum(len(o) for o in owned) == TOPIC_PARTITIONS)
        wait_for(settled, 30, "the group to settle on two disjoint owners", diag)
        wait_for(lambda: {m[4] for m in consumed(consumers)} >= set(producer.delivered), 30,
                 "every record to be consumed", diag)
        desc = describe(clients_dir, gbroker, "workers")
        assert desc["state"] == "Stable", desc
        assert sorted(m["client_id"] for m in desc["members"]) == ["c1", "c4"], desc
        owners = {}
        for m in desc["members"]:
            for t, p in m["assignment"]:
                assert (t, p) not in owners, desc
                owners[(t, p)] = m["client_id"]
        assert len(owners) == TOPIC_PARTITIONS, desc
        for c in live:
            assert {(t, p) for (t, p), o in owners.items() if o == c.name} == c.assignment()
    finally:
        for c in consumers:
            c.stop()
    msgs = check_at_least_once(consumers, producer.delivered, topic)
    redelivered = len(msgs) - len({(m[1], m[2], m[3]) for m in msgs})
    generations = sorted({g for c in consumers for g in c.generations() if g > 0})
    print(f"{assignor}: {len(producer.delivered)} produced, {len(msgs)} consumed, "
          f"{redelivered} redelivered, generations {generations}")
    # Graceful closes commit everything consumed: no lag is left.
    lag = describe(clients_dir, gbroker, "workers")
    assert lag["state"] == "Empty", lag
    assert all(o["lag"] == 0 for o in lag["offsets"]), lag
    assert len(lag["offsets"]) == TOPIC_PARTITIONS


def test_static_member_restart_causes_no_rebalance(gbroker, clients_dir):
    topic = "static-t"
    gbroker.create_topic(topic)
    conf = ["session.timeout.ms=15000"]
    a = GroupConsumer(clients_dir, gbroker, "static", topic, "a", "group.instance.id=inst-a", *conf)
    b = GroupConsumer(clients_dir, gbroker, "static", topic, "b", "group.instance.id=inst-b", *conf)
    consumers = [a, b]
    try:
        wait_for(lambda: a.assignment() and b.assignment() and
                 len(a.assignment() | b.assignment()) == TOPIC_PARTITIONS, 30, "two members")
        time.sleep(1)  # let any follow-up rebalance finish
        gen = max(a.generations())
        owned_b = b.assignment()
        a_events = len(a.snapshot())
        rebalances = gbroker.stderr_text().count("group static: preparing to rebalance")
        b.kill9()
        b2 = GroupConsumer(clients_dir, gbroker, "static", topic, "b2",
                           "group.instance.id=inst-b", *conf)
        consumers.append(b2)
        wait_for(lambda: b2.assignment(), 20, "the restarted member's assignment")
        time.sleep(2)
        assert b2.generations() == [gen], (b2.generations(), gen)
        assert b2.assignment() == owned_b
        # The surviving member saw no revocation or new assignment.
        assert not [e for e in a.snapshot()[a_events:] if e[0] in ("ASSIGN", "REVOKE", "GEN")]
        assert gbroker.stderr_text().count("group static: preparing to rebalance") == rebalances
        desc = describe(clients_dir, gbroker, "static")
        assert sorted(m["instance_id"] for m in desc["members"]) == ["inst-a", "inst-b"], desc
    finally:
        for c in consumers:
            c.stop()


def test_kcat_balanced_consumer_resumes_where_the_group_left_off(broker_factory):
    broker = broker_factory(args=["--group.initial.rebalance.delay.ms=0"])
    topic = "kcat-g"
    values = [f"m{i}" for i in range(10)]
    subprocess.run(["kcat", "-b", broker.bootstrap, "-P", "-t", topic], check=True, timeout=30,
                   input="\n".join(values) + "\n", text=True)

    def kcat_group(count):
        p = subprocess.run(["kcat", "-b", broker.bootstrap, "-G", "kcat-group",
                            "-X", "auto.offset.reset=earliest", "-c", str(count), "-q",
                            "-f", "%o %s\n", topic],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return [line.split() for line in p.stdout.splitlines()]

    first = kcat_group(4)
    assert first == [[str(i), f"m{i}"] for i in range(4)]
    second = kcat_group(6)
    assert second == [[str(i), f"m{i}"] for i in range(4, 10)]
    broker.restart()
    subprocess.run(["kcat", "-b", broker.bootstrap, "-P", "-t", topic], check=True, timeout=30,
                   input="m10\n", text=True)
    assert kcat_group(1) == [["10", "m10"]]
