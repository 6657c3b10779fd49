"""The Go client programs in go/ (segmentio/kafka-go 0.2.1 and Shopify/sarama 1.22.1, the
versions Debian packages), built on first use.

They are built in GOPATH mode against the sources Debian installs under /usr/share/gocode
(GO111MODULE=off, GOFLAGS empty, no network), into <build>/tests/integration/clients/go with
the Go build cache beside them, so a test session builds each program at most once and
later sessions only relink when a source changed. The binary is written under a temporary
name and renamed, so pytest processes running in parallel never see a partial one.
"""

import os
import shutil
import subprocess

import pytest

from gregor_fixture import clients_dir_path

GOPATH = "/usr/share/gocode"
HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_TIMEOUT_S = 300


def go_client(name):
    """Path of the built program go/<name>; fails the test when Go or the Debian client
    sources are missing."""
    go = shutil.which("go") or ("/usr/bin/go" if os.access("/usr/bin/go", os.X_OK) else None)
    if go is None:
        pytest.fail("go not installed (run scripts/setup.sh)", pytrace=False)
    src = os.path.join(HERE, "go", name)
    out_dir = os.path.join(clients_dir_path(), "go")
    os.makedirs(out_dir, exist_ok=True)
    exe = os.path.join(out_dir, name)
    newest = max(os.path.getmtime(os.path.join(src, f)) for f in os.listdir(src))
    if os.access(exe, os.X_OK) and os.path.getmtime(exe) >= newest:
        return exe
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update({"GO111MODULE": "off", "GOPATH": GOPATH, "GOFLAGS": "", "GOENV": "off",
                "GOCACHE": os.path.join(out_dir, "cache"), "GOPROXY": "off",
                "CGO_ENABLED": "1"})
    tmp = f"{exe}.tmp.{os.getpid()}"
    p = subprocess.run([go, "build", "-o", tmp, "."], cwd=src, env=env, capture_output=True,
                       text=True, timeout=BUILD_TIMEOUT_S, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        pytest.fail(f"go build of {name} failed:\n{p.stderr[-5000:]}", pytrace=False)
    os.replace(tmp, exe)
    return exe


def parse_lines(stdout, fields):
    """Parses the programs' tab-separated, Go-quoted lines into dicts with `fields`
    (the first is the offset, an int; the rest strings)."""
    import ast
    out = []
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != len(fields):
            continue
        row = {fields[0]: int(parts[0])}
        for f, v in zip(fields[1:], parts[1:]):
            row[f] = ast.literal_eval(v)
        out.append(row)
    return out
