#!/usr/bin/python3
"""Legacy clients (issue 7), measured in one run against one broker, printed as ratios:

1. Fetch v4+ is untouched by the legacy code: librdkafka (kbench consume, Fetch v11)
   reads a topic written by librdkafka (A), the same volume written by kafka-go 0.2.1
   through Produce v2 and up-converted (B), and topic A again while kafka-go readers
   long-poll a legacy topic through Fetch v2 the whole time (C). B/A and C/A near 1.0 mean
   up-converted data is served like any other and the down-conversion path costs Fetch v4+
   nothing. The three are interleaved over several rounds and the medians compared.
2. Down-conversion speed: a kafka-go 0.2.1 reader (Fetch v2, magic 1, every batch read
   into memory and re-encoded) against a librdkafka reader (Fetch v11, sendfile) on the
   same data, records/s.

Usage: bench/legacy.py [--records N] [--rounds R]"""
import argparse
import os
import statistics
import subprocess
import time

from common import BUILD, ROOT, Gregor, cpu_seconds, kbench

SIZE = 1024
GOPATH = "/usr/share/gocode"


def build_kafkago():
    out_dir = os.path.join(BUILD, "bench", "go")
    os.makedirs(out_dir, exist_ok=True)
    exe = os.path.join(out_dir, "kafkago_roundtrip")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(GO111MODULE="off", GOPATH=GOPATH, GOFLAGS="", GOPROXY="off",
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


def consume_rate(bootstrap, topic, passes):
    return float(kbench("consume", bootstrap, topic, passes, 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=200000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passes", type=int, default=3)
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
        before = cpu_seconds(gregor.pid)
        kgo = kafkago(exe, gregor.bootstrap, "legacy-read", "consume", "-n", str(n), "-quiet")
        mid = cpu_seconds(gregor.pid)
        kgo_rps = int(kgo[1]) / float(kgo[2])
        rdk_rps = consume_rate(gregor.bootstrap, "legacy-read", 1)
        after = cpu_seconds(gregor.pid)
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
    print(f"{'Down-conversion, same data, records/s':<52}")
    print(f"{'  librdkafka reader (Fetch v11, zero-copy)':<52}{rdk_rps:>12.0f}")
    print(f"{'  kafka-go 0.2.1 reader (Fetch v2, magic 1)':<52}{kgo_rps:>12.0f}  "
          f"kafka-go/librdkafka {kgo_rps / rdk_rps:5.2f}")
    print(f"{'  broker CPU s: kafka-go read / librdkafka read':<52}"
          f"{mid - before:>6.2f} / {after - mid:.2f}")


if __name__ == "__main__":
    main()
