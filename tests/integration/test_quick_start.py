"""The README's first command: scripts/serve.sh builds (a no-op here: the test build made
the binary) and starts the broker, which then answers a real client. Dependency set-up is
skipped (GREGOR_SKIP_SETUP=1): it reinstalls the node modules other tests are using."""

import os
import signal
import subprocess
import tempfile

from confluent_kafka.admin import AdminClient

from gregor_fixture import REPO_ROOT, free_port


def test_serve_script_starts_a_broker_real_clients_use():
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gregor-quick-start-") as data:
        env = dict(os.environ, GREGOR_SKIP_SETUP="1")
        env.pop("GREGOR_BIN", None)
        proc = subprocess.Popen(
            ["bash", os.path.join(REPO_ROOT, "scripts", "serve.sh"),
             f"--listeners=PLAINTEXT://127.0.0.1:{port}", f"--log.dirs={data}",
             "--num.partitions=2"],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"})
            md = admin.list_topics(timeout=120)
            assert [b.port for b in md.brokers.values()] == [port]
            assert md.topics == {} or all(t.startswith("__") for t in md.topics)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0, out[-4000:]
        assert os.path.isdir(data) and os.listdir(data), "no data written to --log.dirs"
