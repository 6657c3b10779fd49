"""`gregor serve` configuration (flags, --config YAML, GREGOR_* environment) and lifecycle
(ready line, SIGTERM/SIGINT shutdown). Later sources override earlier ones:
defaults < YAML file < environment < flags (DESIGN.md, Configuration)."""

import os
import re
import signal
import time

import pytest

import kafka_raw
from gregor_fixture import free_port, run_gregor

EXIT_CONFIG_ERROR = 2


def serve_args(data_dir, port=None, *extra):
    port = port or free_port()
    return ["serve", f"--listeners=PLAINTEXT://127.0.0.1:{port}", f"--log.dirs={data_dir}",
            "--node.id=1", *extra]


def assert_config_error(proc, *names):
    """Exit code 2 and a single line on stderr that names the offending key (any of names)."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == EXIT_CONFIG_ERROR, (
        f"exit code {proc.returncode}, expected {EXIT_CONFIG_ERROR}; stderr: {proc.stderr}")
    assert len(lines) == 1, f"expected a one-line error, got: {proc.stderr!r}"
    assert any(n in lines[0] for n in names), f"error does not name {names}: {lines[0]!r}"


def partitions_of_new_topic(broker, name="probe"):
    return len(broker.create_topic(name)["partitions"])


# ---------------------------------------------------------------------------------------------
# Errors

BAD_FLAGS = [
    (["--no.such.key=1"], ["no.such.key"]),
    (["--no.such.key", "1"], ["no.such.key"]),
    (["--num.partitions=abc"], ["num.partitions"]),
    (["--num.partitions=0"], ["num.partitions"]),
    (["--num.partitions=-3"], ["num.partitions"]),
    (["--num.partitions=99999999999999999999"], ["num.partitions"]),
    (["--auto.create.topics.enable=maybe"], ["auto.create.topics.enable"]),
    (["--connections.max.idle.ms=ten"], ["connections.max.idle.ms"]),
    (["--socket.request.max.bytes=-1"], ["socket.request.max.bytes"]),
    (["--node.id=x"], ["node.id"]),
    (["--listeners=not-a-listener"], ["listeners"]),
]


@pytest.mark.parametrize("args,names", BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flag_exits_2_naming_the_key(gregor_bin, tmp_path, args, names):
    proc = run_gregor(gregor_bin, serve_args(tmp_path, None, *args))
    assert_config_error(proc, *names)


def test_bad_yaml_key_exits_2(gregor_bin, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("num.partitions: 2\nno.such.key: 1\n")
    proc = run_gregor(gregor_bin, serve_args(tmp_path / "data", None, f"--config={cfg}"))
    assert_config_error(proc, "no.such.key")


def test_bad_yaml_value_exits_2(gregor_bin, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("num.partitions: lots\n")
    proc = run_gregor(gregor_bin, serve_args(tmp_path / "data", None, f"--config={cfg}"))
    assert_config_error(proc, "num.partitions")


def test_bad_env_value_exits_2(gregor_bin, tmp_path):
    proc = run_gregor(gregor_bin, serve_args(tmp_path, None),
                      env={"GREGOR_NUM_PARTITIONS": "abc"})
    assert_config_error(proc, "num.partitions", "GREGOR_NUM_PARTITIONS")


def test_missing_config_file_exits_2(gregor_bin, tmp_path):
    missing = tmp_path / "nope.yaml"
    proc = run_gregor(gregor_bin, serve_args(tmp_path, None, f"--config={missing}"))
    assert_config_error(proc, str(missing), "nope.yaml")


def test_malformed_yaml_exits_2(gregor_bin, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("num.partitions: [1, 2\n  : :\n")
    proc = run_gregor(gregor_bin, serve_args(tmp_path / "data", None, f"--config={cfg}"))
    assert_config_error(proc, "gregor.yaml", "yaml", "YAML")


def test_port_in_use_fails_fast(gregor_bin, broker, tmp_path):
    proc = run_gregor(gregor_bin, serve_args(tmp_path, broker.port))
    assert proc.returncode not in (0, None), proc
    assert proc.stderr.strip(), "no error message"
    broker.check_alive()


# ---------------------------------------------------------------------------------------------
# Sources and precedence

def test_flag_with_separate_value(broker_factory):
    broker = broker_factory(args=["--num.partitions", "5"])
    assert partitions_of_new_topic(broker) == 5


def test_yaml_config_file(broker_factory, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("# Gregor test config\nnum.partitions: 3\nauto.create.topics.enable: true\n")
    broker = broker_factory(args=[f"--config={cfg}"])
    assert partitions_of_new_topic(broker) == 3


def test_yaml_config_with_space_separated_flag(broker_factory, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("auto.create.topics.enable: false\n")
    broker = broker_factory(args=["--config", str(cfg)])
    md = broker.metadata(4, ["nope"], allow_auto_topic_creation=True)
    assert md["topics"][0]["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION


def test_yaml_can_hold_listeners_and_log_dirs(gregor_bin, broker_factory, tmp_path):
    # A broker configured by file alone (the fixture's own flags are not used here).
    port = free_port()
    data = tmp_path / "data"
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text(f"listeners: PLAINTEXT://127.0.0.1:{port}\nlog.dirs: {data}\nnode.id: 1\n"
                   "num.partitions: 2\n")
    broker = broker_factory(start=False, port=port)
    broker.command = lambda: [gregor_bin, "serve", "--config", str(cfg)]
    broker.start()
    assert partitions_of_new_topic(broker) == 2
    assert broker.metadata(1)["brokers"][0]["port"] == port
    assert os.listdir(data), "nothing written to log.dirs from the YAML file"


def test_env_var(broker_factory):
    broker = broker_factory(env={"GREGOR_NUM_PARTITIONS": "3"})
    assert partitions_of_new_topic(broker) == 3


def test_env_var_boolean(broker_factory):
    broker = broker_factory(env={"GREGOR_AUTO_CREATE_TOPICS_ENABLE": "false"})
    md = broker.metadata(4, ["nope"], allow_auto_topic_creation=True)
    assert md["topics"][0]["error_code"] == kafka_raw.UNKNOWN_TOPIC_OR_PARTITION


def test_env_overrides_yaml_and_flag_overrides_env(broker_factory, tmp_path):
    cfg = tmp_path / "gregor.yaml"
    cfg.write_text("num.partitions: 2\n")
    env = {"GREGOR_NUM_PARTITIONS": "3"}
    assert partitions_of_new_topic(broker_factory(args=[f"--config={cfg}"])) == 2
    assert partitions_of_new_topic(broker_factory(args=[f"--config={cfg}"], env=env)) == 3
    assert partitions_of_new_topic(
        broker_factory(args=[f"--config={cfg}", "--num.partitions=4"], env=env)) == 4


def test_advertised_listeners_default_to_listeners(broker_factory):
    broker = broker_factory(advertise=False)
    md = broker.metadata(1)
    assert [(b["node_id"], b["host"], b["port"]) for b in md["brokers"]] == [
        (1, "127.0.0.1", broker.port)]


# ---------------------------------------------------------------------------------------------
# Lifecycle

def test_logs_ready_line(broker):
    # The line may be written a moment after the listener starts answering.
    deadline = time.monotonic() + 2.0
    while not re.search(r"\bready\b", broker.stderr_text()):
        assert time.monotonic() < deadline, f"no 'ready' line: {broker.stderr_text()}"
        time.sleep(0.02)


def test_sigterm_with_open_connections_exits_0(broker):
    conns = [broker.connect() for _ in range(5)]
    try:
        for c in conns[:3]:
            kafka_raw.api_versions(c, 0)
        conns[3].send_raw(b"\x00\x00")  # half a size prefix
        broker.stop()  # asserts exit 0 within 10 s
        for c in conns:
            closed, _ = c.wait_closed(2.0)
            assert closed
    finally:
        for c in conns:
            c.close()


def test_sigint_exits_0(broker):
    broker.signal(signal.SIGINT)
    code = broker.wait_exit(10)
    assert code == 0, broker.stderr_text()


def test_restart_on_same_port_right_after_stop(broker):
    with broker.connect() as c:
        kafka_raw.api_versions(c, 0)
        broker.restart()  # the listening port is reusable at once (SO_REUSEADDR)
    assert broker.api_versions(0)["error_code"] == 0
