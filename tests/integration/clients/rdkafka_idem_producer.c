/* An idempotent librdkafka producer that keeps writing while the test kill -9s the broker.
 *
 * Usage: rdkafka_idem_producer BOOTSTRAP TOPIC PARTITIONS RATE ACKED_LOG STOP_FILE
 *
 * Produces unique sequential values to partitions 0..PARTITIONS-1 in turn, RATE records per
 * second in all: the n-th value of partition p is "p<p>-s<n>". Settings: enable.idempotence
 * = true (so acks=all, max.in.flight = 5, unlimited retries), message.timeout.ms high
 * enough to ride out every restart, reconnect backoff at most 100 ms, linger.ms 5.
 *
 * Every delivery report is appended to ACKED_LOG, one line each:
 *   A <partition> <seq> <offset>       delivered
 *   E <partition> <seq> <error code>   failed for good
 * Stops producing once STOP_FILE exists (or on SIGTERM), flushes for at most 60 s, then
 * prints one JSON object on stdout: produced per partition, acked, failed, undelivered,
 * and whether librdkafka raised a fatal error (with its text). Exit 0 unless setup failed.
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client_util.h"

#define MAX_PARTITIONS 64

static volatile sig_atomic_t g_stop;
static FILE* g_log;
static long long g_produced[MAX_PARTITIONS];
static long long g_acked, g_failed;
static char g_fatal[512];

static void on_signal(int sig) {
  (void)sig;
  g_stop = 1;
}

static void* pack(int p, long long seq) { return (void*)(intptr_t)(seq * MAX_PARTITIONS + p); }

static void dr_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  (void)rk;
  (void)opaque;
  long long packed = (long long)(intptr_t)m->_private;
  int p = (int)(packed % MAX_PARTITIONS);
  long long seq = packed / MAX_PARTITIONS;
  if (m->err) {
    g_failed++;
    fprintf(g_log, "E %d %lld %d\n", p, seq, (int)m->err);
  } else {
    g_acked++;
    fprintf(g_log, "A %d %lld %lld\n", p, seq, (long long)m->offset);
  }
}

static void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  (void)opaque;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[400];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    snprintf(g_fatal, sizeof g_fatal, "%s", buf);
    fprintf(stderr, "%.3f FATAL: %s\n", now_s(), buf);
    g_stop = 1;
  } else {
    fprintf(stderr, "%.3f error %s: %s\n", now_s(), rd_kafka_err2name(err), reason);
  }
}

static void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  (void)rk;
  if (level <= 4) fprintf(stderr, "%.3f rdkafka %d %s: %s\n", now_s(), level, fac, buf);
}

int main(int argc, char** argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITIONS RATE ACKED_LOG STOP_FILE\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1], *topic = argv[2], *stop_file = argv[6];
  int partitions = atoi(argv[3]);
  double rate = atof(argv[4]);
  if (partitions < 1 || partitions > MAX_PARTITIONS || rate <= 0) {
    fprintf(stderr, "bad PARTITIONS or RATE\n");
    return 2;
  }
  g_log = fopen(argv[5], "w");
  if (g_log == NULL) die("cannot open %s", argv[5]);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "gregor-idem-producer");
  set(conf, "enable.idempotence", "true");
  set(conf, "message.timeout.ms", "300000");
  set(conf, "linger.ms", "5");
  set(conf, "retry.backoff.ms", "20");
  set(conf, "reconnect.backoff.ms", "10");
  set(conf, "reconnect.backoff.max.ms", "100");
  set(conf, "socket.connection.setup.timeout.ms", "5000");
  set(conf, "queue.buffering.max.messages", "500000");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) die("rd_kafka_new: %s", errstr);

  double start = now_s();
  long long total = 0;
  char value[64];
  while (!g_stop) {
    if (access(stop_file, F_OK) == 0) break;
    long long due = (long long)((now_s() - start) * rate);
    while (total < due && !g_stop) {
      int p = (int)(total % partitions);
      long long seq = g_produced[p];
      int len = snprintf(value, sizeof value, "p%d-s%lld", p, seq);
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(p),
                            RD_KAFKA_V_VALUE(value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_OPAQUE(pack(p, seq)), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        break;
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
  for (int p = 0; p < partitions; p++) printf("%s%lld", p ? "," : "", g_produced[p]);
  printf("],\"acked\":%lld,\"failed\":%lld,\"undelivered_at_flush\":%d,\"fatal\":\"", g_acked,
         g_failed, undelivered);
  for (const char* c = g_fatal; *c; c++) {
    if (*c != '"' && *c != '\\') putchar(*c);
  }
  printf("\",\"seconds\":%.3f}\n", now_s() - start);
  return 0;
}
