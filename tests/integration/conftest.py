# pytest picks up the fixtures from here; they live in gregor_fixture.py.
from gregor_fixture import broker, broker_factory, clients_dir, gregor_bin  # noqa: F401
