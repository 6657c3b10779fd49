"""Runs the real gregor binary for integration tests.

`Broker` starts `gregor serve` on a free 127.0.0.1 port with a fresh data directory, waits
until a raw ApiVersions v0 round trip succeeds, and stops it with SIGTERM, asserting exit 0.
The pytest fixtures at the bottom are re-exported by conftest.py:

  broker          a running broker with default settings
  broker_factory  broker_factory(args=[...], env={...}, start=True) -> Broker; every broker
                  it made is stopped at teardown, and a broker that died on its own fails
                  the test
  gregor_bin      path of the binary under test ($GREGOR_BIN)
  clients_dir     directory of the built C client programs ($GREGOR_IT_CLIENTS)

Environment: GREGOR_BIN (default build/release/src/gregor), GREGOR_IT_CLIENTS (default
build/release/tests/integration/clients), GREGOR_IT_KEEP=1 keeps the temp directories.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

import kafka_raw

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
HOST = "127.0.0.1"
NODE_ID = 1

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # If pytest is killed (ctest timeout), take the broker down with it instead of leaking it.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def gregor_bin_path():
    path = os.environ.get("GREGOR_BIN") or os.path.join(REPO_ROOT, "build/release/src/gregor")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"gregor binary not found or not executable: {path} (set GREGOR_BIN)")
    return path


def clients_dir_path():
    return os.environ.get("GREGOR_IT_CLIENTS") or os.path.join(
        REPO_ROOT, "build/release/tests/integration/clients")


def free_port():
    """A port that was free a moment ago (bind to port 0 and let the kernel choose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """The test's environment without stray GREGOR_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREGOR_")}
    env.update(extra or {})
    return env


class BrokerError(AssertionError):
    pass


class Broker:
    """One gregor broker process, restartable on the same port and data directory.

    args:      extra `gregor serve` arguments, e.g. ["--num.partitions=3"]
    env:       extra environment variables, e.g. {"GREGOR_NUM_PARTITIONS": "3"}
    advertise: pass --advertised.listeners (the same address as --listeners)
    node_id:   value of --node.id
    """

    def __init__(self, binary=None, args=(), env=None, advertise=True, port=None,
                 node_id=NODE_ID):
        self.binary = binary or gregor_bin_path()
        self.args = list(args)
        self.env = dict(env or {})
        self.advertise = advertise
        self.node_id = node_id
        self.host = HOST
        self._port_fixed = port is not None
        self.port = port or free_port()
        self.root = tempfile.mkdtemp(prefix="gregor-it-")
        self.data_dir = os.path.join(self.root, "data")
        os.mkdir(self.data_dir)
        self.proc = None
        self.runs = 0  # number of processes started; each one has its own stderr file
        self._expect_exit = False

    # -- addresses ------------------------------------------------------------------------

    @property
    def bootstrap(self):
        return f"{self.host}:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self):
        listener = f"PLAINTEXT://{self.host}:{self.port}"
        cmd = [self.binary, "serve", f"--listeners={listener}", f"--log.dirs={self.data_dir}",
               f"--node.id={self.node_id}"]
        if self.advertise:
            cmd.append(f"--advertised.listeners={listener}")
        return cmd + self.args

    # -- process control ------------------------------------------------------------------

    def _stderr_path(self, run):
        return os.path.join(self.root, f"stderr.{run}.log")

    def stderr_text(self, run=None):
        """stderr of the current (or given, 1-based) run; '' before the first start."""
        run = run or self.runs
        if not run:
            return ""
        with open(self._stderr_path(run), errors="replace") as f:
            return f.read()

    def all_stderr_text(self):
        return "".join(f"--- run {i} ---\n{self.stderr_text(i)}" for i in range(1, self.runs + 1))

    def _describe(self, what):
        code = self.proc.poll() if self.proc else None
        return (f"{what}\ncommand: {' '.join(self.command())}\nexit code: {code}\n"
                f"stderr:\n{self.stderr_text()[-8000:]}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, wait=True, timeout=READY_TIMEOUT_S):
        assert not self.alive(), "broker already running"
        for attempt in range(3):
            self._spawn()
            if not wait:
                return self
            try:
                self.wait_ready(timeout)
                return self
            except BrokerError:
                # Another process may have taken our free port between the probe and the bind.
                if (self._port_fixed or self.proc.poll() is None or attempt == 2
                        or "in use" not in self.stderr_text().lower()):
                    self._expect_exit = True  # already reported; teardown need not repeat it
                    if self.alive():
                        self.proc.kill()
                        self.proc.wait()
                    raise
                self.port = free_port()
        return self

    def _spawn(self):
        self.runs += 1
        self._expect_exit = False
        with open(self._stderr_path(self.runs), "wb") as err:
            self.proc = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                env=clean_env(self.env), cwd=self.root, preexec_fn=_die_with_parent)

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        """Polls connect + ApiVersions v0 until it succeeds; raises BrokerError with stderr."""
        deadline = time.monotonic() + timeout
        last_error = "never connected"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BrokerError(self._describe("broker exited before it was ready"))
            try:
                resp = kafka_raw.try_api_versions(self.host, self.port, timeout=1.0)
            except (OSError, kafka_raw.ConnectionClosed, kafka_raw.ResponseTimeout,
                    kafka_raw.DecodeError) as e:
                resp, last_error = None, f"{type(e).__name__}: {e}"
            if resp is not None:
                if resp["error_code"] == 0 and kafka_raw.API_VERSIONS in resp["api_keys"]:
                    return
                last_error = f"bad ApiVersions v0 response {resp}"
            time.sleep(0.005)
        raise BrokerError(self._describe(
            f"broker not ready after {timeout} s on {self.bootstrap} ({last_error})"))

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then asserts a clean exit (code 0) within `timeout` seconds."""
        assert self.proc is not None, "broker never started"
        if self.proc.poll() is not None:
            raise BrokerError(self._describe("broker was already dead when asked to stop"))
        self._expect_exit = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise BrokerError(self._describe(f"broker did not exit within {timeout} s of SIGTERM"))
        if code != 0:
            raise BrokerError(self._describe(f"broker exited with {code} after SIGTERM"))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT_S):
        """Waits for the process to exit after a signal sent by the test; returns its code."""
        self._expect_exit = True
        return self.proc.wait(timeout)

    def kill9(self):
        assert self.alive(), "broker not running"
        self._expect_exit = True
        self.proc.kill()
        self.proc.wait()

    def restart(self, args=None, env=None):
        """Stops (if running) and starts again on the same port and data directory."""
        if self.alive():
            self.stop()
        if args is not None:
            self.args = list(args)
        if env is not None:
            self.env = dict(env)
        self._port_fixed = True
        return self.start()

    def check_alive(self):
        """Raises BrokerError with stderr if the process has died."""
        if not self.alive():
            raise BrokerError(self._describe("broker died"))

    def finish(self):
        """Teardown: stop cleanly if running, fail if it died unexpectedly, remove files."""
        try:
            if self.proc is not None:
                if self.alive():
                    self.stop()
                elif not self._expect_exit:
                    raise BrokerError(self._describe("broker died during the test"))
        finally:
            if self.alive():
                self.proc.kill()
                self.proc.wait()
            if os.environ.get("GREGOR_IT_KEEP") != "1":
                shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers for tests ----------------------------------------------------------------

    def connect(self, timeout=5.0):
        return kafka_raw.KafkaConnection(self.host, self.port, timeout=timeout)

    def api_versions(self, version=0):
        with self.connect() as c:
            return kafka_raw.api_versions(c, version)

    def metadata(self, version=1, topics=None, allow_auto_topic_creation=True):
        with self.connect() as c:
            return kafka_raw.metadata(c, version, topics, allow_auto_topic_creation)

    def create_topic(self, name, timeout=10.0, version=4):
        """Creates `name` through Metadata auto-creation (CreateTopics does not exist yet) and
        waits until every partition has a leader. Returns the topic's Metadata entry."""
        deadline = time.monotonic() + timeout
        last = None
        with self.connect() as c:
            while time.monotonic() < deadline:
                md = kafka_raw.metadata(c, version, [name], allow_auto_topic_creation=True)
                last = kafka_raw.topic_by_name(md, name)
                if (last is not None and last["error_code"] == kafka_raw.NONE
                        and last["partitions"]
                        and all(p["leader_id"] >= 0 for p in last["partitions"])):
                    return last
                time.sleep(0.05)
        raise AssertionError(f"topic {name} not auto-created within {timeout} s; last: {last}")

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc status")


def run_gregor(binary, args, env=None, timeout=5.0):
    """Runs `gregor <args>` to completion (for configuration errors); returns CompletedProcess.
    A process still running after `timeout` is killed and reported as a failure."""
    try:
        return subprocess.run([binary, *args], stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, env=clean_env(env), timeout=timeout,
                              preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"gregor {' '.join(args)} still running after {timeout} s; "
                             f"stderr: {e.stderr}") from None


# ---------------------------------------------------------------------------------------------
# pytest fixtures

@pytest.fixture(scope="session")
def gregor_bin():
    try:
        return gregor_bin_path()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="session")
def clients_dir():
    return clients_dir_path()


@pytest.fixture
def broker_factory(gregor_bin):
    made = []

    def make(args=(), env=None, start=True, **kw):
        b = Broker(gregor_bin, args=args, env=env, **kw)
        made.append(b)
        if start:
            b.start()
        return b

    yield make
    errors = []
    for b in made:
        try:
            b.finish()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n\n".join(errors), pytrace=False)


@pytest.fixture
def broker(broker_factory):
    return broker_factory()
