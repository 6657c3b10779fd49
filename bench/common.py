"""Helpers shared by the benchmark scripts: start Gregor and the librdkafka mock cluster
as separate processes, read their CPU time from /proc, find free ports."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("GREGOR_BUILD", os.path.join(ROOT, "build", "release"))
GREGOR = os.path.join(BUILD, "src", "gregor")
MOCK = os.path.join(BUILD, "bench", "mock_cluster")
KBENCH = os.path.join(BUILD, "bench", "kbench")
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU seconds of a process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Gregor:
    def __init__(self, *args, data_dir=None):
        self.port = free_port()
        self.dir = data_dir or tempfile.mkdtemp(prefix="gregor-bench-", dir=os.path.join(ROOT, "build"))
        self.proc = subprocess.Popen(
            [GREGOR, "serve", f"--listeners=PLAINTEXT://127.0.0.1:{self.port}",
             f"--log.dirs={self.dir}", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.bootstrap = f"127.0.0.1:{self.port}"
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("gregor did not start")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


class Mock:
    def __init__(self, topic, partitions):
        self.proc = subprocess.Popen([MOCK, topic, str(partitions)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "BOOTSTRAP":
            raise RuntimeError("mock cluster did not start")
        self.bootstrap = line[1]

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


def kbench(*args, timeout=600):
    out = subprocess.run([KBENCH, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"kbench {' '.join(map(str, args))} failed: {out.stderr.strip()}")
    return out.stdout.split()
