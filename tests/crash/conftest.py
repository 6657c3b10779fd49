# The crash tests reuse the integration harness (broker fixture, raw Kafka client).
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))

from gregor_fixture import broker, broker_factory, clients_dir, gregor_bin  # noqa: E402,F401
