#!/usr/bin/python3
"""Legacy clients (issue 7), measured in one run against one broker, printed as ratios:

1. Fetch v4+ is untouched by the legacy code: librdkafka (kbench consume, Fetch v11)
   reads a topic written by librdkafka (A), the same volume written by kafka-go 0.2.1
   through Produce v2 and up-converted (B), and topic A again while kafka-go readers
   long-poll a legacy topic through Fetch v2 the whole time (C). B/A and C/A near 1.0 mean
   up-converted data is served like any other and the down-conversion path costs Fetch v4+
   nothing. The three are interleaved over several rounds and the medians compared.
2. Down-conversion speed on the same data, records/s: a kafka-go 0.2.1 reader (Fetch v2,
   magic 1, every batch read into memory and re-encoded) against a librdkafka reader
   (Fetch v11, sendfile). kafka-go 0.2.1 sleeps 100 ms after every successful fetch (its
   reader loop increments the error count after the switch, then backs off), so its rate is
   about one 1 MiB fetch per 100 ms whatever the broker does. To show the broker's own cost,
   the same data is also read by a raw loop of Fetch v2 and of Fetch v4 requests (1 MiB
   each, walking only message/batch headers to find the next offset), and the broker CPU
   seconds of each reader are printed.

Usage: bench/legacy.py [--records N] [--rounds R]"""
import argparse
import os
import statistics
import struct
import subprocess
import sys
import time

from common import BUILD, ROOT, Gregor, cpu_seconds, kbench

SIZE = 1024
GOPATH = "/usr/share/gocode"


def build_kafkago():
    out_dir = os.path.join(BUILD, "bench", "go")
    os.makedirs(out_dir, exist_ok=True)
    exe = os.path.join(out_dir, "kafkago_roundtrip")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="", GOPROXY="off", GOENV="off",
               GOCACHE=os.path.join(out_dir, "cache"))
    subprocess.run(["go", "build", "-o", exe, "."], check=True, env=env,
                   cwd=os.path.join(ROOT, "tests", "integration", "go", "kafkago_roundtrip"))
    return exe


def kafkago(exe, bootstrap, topic, *args, timeout=600):
    out = subprocess.run([exe, "-brokers", bootstrap, "-topic", topic, "-timeout",
                          f"{timeout}s", *args], capture_output=True, text=True,
                         timeout=timeout + 30)
    if out.returncode != 0:
        raise RuntimeError(f"kafkago_roundtrip {args} failed: {out.stderr.strip()[-2000:]}")
    return out.stdout.split()


sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import kafka_raw  # noqa: E402  (the integration tests' raw protocol client)


def next_offset(records, version):
    """The offset after the last whole message (v0-3) or batch (v4+) of a fetch answer,
    reading only headers; None when there is none."""
    pos, last = 0, None
    while len(records) - pos >= 12:
        offset, size = struct.unpack_from(">qi", records, pos)
        if pos + 12 + size > len(records):
            break
        if version >= 4:
            (delta,) = struct.unpack_from(">i", records, pos + 23)
            offset += delta
        last = offset
        pos += 12 + size
    return None if last is None else last + 1


def raw_fetch_rate(bootstrap, topic, records, version):
    host, port = bootstrap.split(":")
    offset, start = 0, time.monotonic()
    with kafka_raw.KafkaConnection(host, int(port), timeout=30) as c:
        while offset < records:
            p = kafka_raw.fetch_one(c, topic, 0, offset, version=version,
                                    partition_max_bytes=1 << 20)
            nxt = next_offset(p["records"] or b"", version)
            if p["error_code"] != 0 or nxt is None:
                raise RuntimeError(f"raw Fetch v{version} at {offset}: {p['error_code']}")
            offset = nxt
    return records / (time.monotonic() - start)


def consume_rate(bootstrap, topic, passes):
    return float(kbench("consume", bootstrap, topic, passes, 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()

    exe = build_kafkago()
    n = args.records
    value = "x" * (SIZE - 16)
    gregor = Gregor("--num.partitions=1")
    readers = []
    try:
        kbench("produce", gregor.bootstrap, "modern", n, SIZE, 1)
        kafkago(exe, gregor.bootstrap, "upconverted", "produce", "-n", str(n), "-prefix", value,
                "-batch", "1000")
        kbench("produce", gregor.bootstrap, "legacy-read", n, SIZE, 1)
        kbench("produce", gregor.bootstrap, "idle", 1, SIZE, 1)

        a, b, c = [], [], []
        for _ in range(args.rounds):
            a.append(consume_rate(gregor.bootstrap, "modern", args.passes))
            b.append(consume_rate(gregor.bootstrap, "upconverted", args.passes))
            # Legacy readers wait at the end of a topic nobody writes to: each long poll
            # (Fetch v2, 100 ms) runs the down-conversion path while librdkafka reads.
            readers = [subprocess.Popen([exe, "-brokers", gregor.bootstrap, "-topic", "idle",
                                         "-timeout", "600s", "consume", "-n", "1000000000",
                                         "-quiet"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for _ in range(2)]
            time.sleep(1.0)
            c.append(consume_rate(gregor.bootstrap, "modern", args.passes))
            for r in readers:
                r.kill()
                r.wait()
            readers = []

        # Down-conversion: the same records, once each, by each reader.
        cpu = [cpu_seconds(gregor.pid)]
        kgo = kafkago(exe, gregor.bootstrap, "legacy-read", "consume", "-n", str(n), "-quiet")
        cpu.append(cpu_seconds(gregor.pid))
        kgo_rps, kgo_fetches = int(kgo[1]) / float(kgo[2]), int(kgo[3])
        rdk_rps = consume_rate(gregor.bootstrap, "legacy-read", 1)
        cpu.append(cpu_seconds(gregor.pid))
        raw2_rps = raw_fetch_rate(gregor.bootstrap, "legacy-read", n, 2)
        cpu.append(cpu_seconds(gregor.pid))
        raw4_rps = raw_fetch_rate(gregor.bootstrap, "legacy-read", n, 4)
        cpu.append(cpu_seconds(gregor.pid))
    finally:
        for r in readers:
            r.kill()
        gregor.stop()

    ma, mb, mc = (statistics.median(x) for x in (a, b, c))
    print(f"{args.records} records of {SIZE} B, 1 partition, {args.rounds} rounds of "
          f"{args.passes} passes (medians)")
    print(f"{'Fetch v4+ (librdkafka) records/s':<52}{'':>12}")
    print(f"{'  A topic written by librdkafka':<52}{ma:>12.0f}")
    print(f"{'  B topic written by kafka-go (up-converted)':<52}{mb:>12.0f}  B/A {mb / ma:5.2f}")
    print(f"{'  C topic A, kafka-go Fetch v2 readers polling':<52}{mc:>12.0f}  C/A {mc / ma:5.2f}")
    print(f"{'Down-conversion, same data, records/s':<52}{'':>12}  broker CPU s")
    print(f"{'  librdkafka reader (Fetch v11, zero-copy)':<52}{rdk_rps:>12.0f}  "
          f"{cpu[2] - cpu[1]:.2f}")
    print(f"{'  kafka-go 0.2.1 reader (Fetch v2, magic 1)':<52}{kgo_rps:>12.0f}  "
          f"{cpu[1] - cpu[0]:.2f}  kafka-go/librdkafka {kgo_rps / rdk_rps:5.2f}"
          f" ({kgo_fetches} fetches, 100 ms client sleep after each)")
    print(f"{'  raw Fetch v4 loop (1 MiB per request)':<52}{raw4_rps:>12.0f}  "
          f"{cpu[4] - cpu[3]:.2f}")
    print(f"{'  raw Fetch v2 loop (down-converted)':<52}{raw2_rps:>12.0f}  "
          f"{cpu[3] - cpu[2]:.2f}  v2/v4 {raw2_rps / raw4_rps:5.2f}")


if __name__ == "__main__":
    main()
