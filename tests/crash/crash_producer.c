/* A librdkafka producer that keeps writing while the test harness kill -9s the broker.
 *
 * Usage: crash_producer BOOTSTRAP TOPIC PARTITIONS RATE ACKED_LOG STOP_FILE
 *
 * Produces unique sequential values to partitions 0..PARTITIONS-1 in turn, RATE records per
 * second in all: the n-th value of partition p is "p<p>-s<n>" (n = 0, 1, 2, ...). Settings:
 * acks=all, enable.idempotence=false, retries and message.timeout.ms high enough to ride
 * out every restart, max.in.flight.requests.per.connection=1 (so retries cannot reorder),
 * reconnect backoff at most 100 ms, no compression.
 *
 * Every delivery report is appended to ACKED_LOG, one line each:
 *   A <partition> <seq> <offset> <t_produce> <t_report>   delivered (acked by the broker)
 *   E <partition> <seq> <error code> <t_produce> <t_report>   failed for good
 * where the times are CLOCK_MONOTONIC seconds (the harness's time.monotonic()) of the
 * produce() call and of the report.
 *
 * Stops producing once STOP_FILE exists (or on SIGTERM/SIGINT), flushes for at most 60 s,
 * then prints one JSON object on stdout: produced per partition, acked, failed, undelivered.
 * Exit 0 unless setup failed (the harness judges the outcome from the log).
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_util.h" /* tests/integration/clients */

#define MAX_PARTITIONS 64

static volatile sig_atomic_t g_stop;
static FILE* g_log;
static int g_partitions;
static long long g_produced[MAX_PARTITIONS];
static double* g_t_produce[MAX_PARTITIONS]; /* produce() time per sequence */
static long long g_capacity[MAX_PARTITIONS];
static long long g_acked, g_failed;

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

/* The opaque of a message packs its partition and sequence. */
static void* pack(int p, long long seq) { return (void*)(intptr_t)(seq * MAX_PARTITIONS + p); }

static void dr_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  (void)rk;
  (void)opaque;
  long long packed = (long long)(intptr_t)m->_private;
  int p = (int)(packed % MAX_PARTITIONS);
  long long seq = packed / MAX_PARTITIONS;
  double t = now_s();
  if (m->err) {
    g_failed++;
    fprintf(g_log, "E %d %lld %d %.6f %.6f\n", p, seq, (int)m->err, g_t_produce[p][seq], t);
  } else {
    g_acked++;
    fprintf(g_log, "A %d %lld %lld %.6f %.6f\n", p, seq, (long long)m->offset, g_t_produce[p][seq],
            t);
  }
}

static void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  (void)rk;
  /* Connection refused and similar are expected while the broker is down. */
  if (level <= 3) fprintf(stderr, "%.3f rdkafka %d %s: %s\n", now_s(), level, fac, buf);
}

static void note_produce_time(int p, long long seq, double t) {
  if (seq >= g_capacity[p]) {
    long long cap = g_capacity[p] ? g_capacity[p] * 2 : 65536;
    double* grown = realloc(g_t_produce[p], (size_t)cap * sizeof(double));
    if (grown == NULL) die("out of memory");
    g_t_produce[p] = grown;
    g_capacity[p] = cap;
  }
  g_t_produce[p][seq] = t;
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITIONS RATE ACKED_LOG STOP_FILE\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1], *topic = argv[2], *log_path = argv[5], *stop_file = argv[6];
  g_partitions = atoi(argv[3]);
  double rate = atof(argv[4]);
  if (g_partitions < 1 || g_partitions > MAX_PARTITIONS || rate <= 0) {
    fprintf(stderr, "bad PARTITIONS or RATE\n");
    return 2;
  }
  g_log = fopen(log_path, "w");
  if (g_log == NULL) die("cannot open %s", log_path);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "gregor-crash-producer");
  set(conf, "acks", "all");
  set(conf, "enable.idempotence", "false");
  set(conf, "retries", "2147483647");
  set(conf, "message.timeout.ms", "300000");
  set(conf, "max.in.flight.requests.per.connection", "1");
  set(conf, "linger.ms", "5");
  set(conf, "retry.backoff.ms", "20");
  set(conf, "reconnect.backoff.ms", "10");
  set(conf, "reconnect.backoff.max.ms", "100");
  set(conf, "socket.connection.setup.timeout.ms", "5000");
  set(conf, "queue.buffering.max.messages", "200000");
  set(conf, "compression.codec", "none");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) die("rd_kafka_new: %s", errstr);

  double start = now_s();
  long long total = 0;
  char value[64];
  while (!g_stop) {
    if (access(stop_file, F_OK) == 0) break;
    /* Produce what the rate allows by now, then serve delivery reports for a moment. */
    long long due = (long long)((now_s() - start) * rate);
    while (total < due && !g_stop) {
      int p = (int)(total % g_partitions);
      long long seq = g_produced[p];
      int len = snprintf(value, sizeof value, "p%d-s%lld", p, seq);
      double t = now_s();
      note_produce_time(p, seq, t);
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                            RD_KAFKA_V_VALUE(value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_OPAQUE(pack(p, seq)), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        break; /* the backlog is full while the broker is down: wait, keep the rate */
      }
      if (err) die("producev: %s", rd_kafka_err2str(err));
      g_produced[p]++;
      total++;
    }
    rd_kafka_poll(rk, 5);
  }

  rd_kafka_resp_err_t err = rd_kafka_flush(rk, 60 * 1000);
  int undelivered = rd_kafka_outq_len(rk);
  if (err) {
    fprintf(stderr, "flush: %s, %d undelivered\n", rd_kafka_err2str(err), undelivered);
    rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk, 100);
  }
  rd_kafka_destroy(rk);
  fclose(g_log);

  printf("{\"produced\":[");
  for (int p = 0; p < g_partitions; p++) printf("%s%lld", p ? "," : "", g_produced[p]);
  printf("],\"acked\":%lld,\"failed\":%lld,\"undelivered_at_flush\":%d,\"seconds\":%.3f}\n",
         g_acked, g_failed, undelivered, now_s() - start);
  for (int p = 0; p < g_partitions; p++) free(g_t_produce[p]);
  return 0;
}
