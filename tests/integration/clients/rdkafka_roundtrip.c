/* Produce COUNT records through librdkafka, then consume them back with assign() and check
 * that each partition holds exactly what was sent, once, in order.
 *
 * Usage: rdkafka_roundtrip BOOTSTRAP TOPIC PARTITIONS COUNT [NAME=VALUE ...]
 *   codec=none|gzip|snappy|lz4|zstd   compression.codec (default none)
 *   acks=all|1|0                       (default all)
 *   value.size=N                       pad values to at least N bytes (default 24)
 *   linger.ms=N                        (default 20)
 *   phase=both|produce|consume         run one half only, e.g. around a broker restart
 *                                      (default both)
 *   timestamp.base=MS                  start_ms below (default: the wall clock at start;
 *                                      a consume phase must be given the producer's)
 *
 * Record i (0 <= i < COUNT) goes to partition p = i % PARTITIONS as its sequence number
 * s = i / PARTITIONS, with key "k<i>", value "p<p>-s<s>-" padded to value.size with a
 * repeating pattern, one header "n" = "<i>" and timestamp start_ms + i / 100.
 *
 * The topic must be new (or empty): the checks expect partition p to hold sequence s at
 * offset s. Checks (per phase):
 *   produce  every delivery report succeeds (err 0) on the expected partition, each record
 *            is reported once, and (for acks != 0) at offset s;
 *   consume  (assign() from the beginning, check.crcs=true) partition p returns offsets
 *            0 .. n_p-1, each with the exact key, value, header and timestamp of sequence s,
 *            no duplicates, no gaps, nothing extra, then end of partition.
 * Prints one JSON object on stdout with the counts and timings. Exit 0 when every check
 * passed, 1 otherwise (the first few failures are printed as "FAIL: ..." on stderr),
 * 2 for usage errors.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_util.h"

#define MAX_PARTITIONS 1024
#define MAX_VALUE 4096
#define MAX_REPORTED_FAILURES 20

static const char* g_topic;
static int g_partitions;
static long long g_count;
static int g_value_size = 24;
static int g_acks_zero;
static int64_t g_start_ms;

static long long g_failures;

/* Produce-side state. */
static unsigned char* g_delivered; /* per record: delivery reports seen */
static long long g_dr_ok, g_dr_err, g_dr_dup, g_dr_wrong_partition, g_dr_wrong_offset;

/* Consume-side state, per partition. */
static long long g_next[MAX_PARTITIONS];
static int g_eof[MAX_PARTITIONS];
static long long g_consumed, g_duplicates, g_missing, g_bad_records, g_bad_offsets, g_extra;
static long long g_consume_errors;

static void failure(const char* fmt, ...) {
  g_failures++;
  if (g_failures > MAX_REPORTED_FAILURES) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static int64_t wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long partition_count(int p) {
  return g_count / g_partitions + (p < g_count % g_partitions ? 1 : 0);
}

/* The value of sequence s in partition p; returns its length. */
static int make_value(char* buf, int p, long long s) {
  int n = snprintf(buf, MAX_VALUE, "p%d-s%lld-", p, s);
  static const char pattern[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  while (n < g_value_size) {
    buf[n] = pattern[(n + s) % (sizeof pattern - 1)];
    n++;
  }
  return n;
}

static void dr_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  (void)rk;
  (void)opaque;
  long long i = (long long)(intptr_t)m->_private;
  int p = (int)(i % g_partitions);
  long long s = i / g_partitions;
  if (g_delivered[i]++) {
    g_dr_dup++;
    failure("record %lld: delivery reported twice", i);
  }
  if (m->err) {
    g_dr_err++;
    failure("record %lld (partition %d seq %lld): delivery failed: %s", i, p, s,
            rd_kafka_err2str(m->err));
    return;
  }
  g_dr_ok++;
  if (m->partition != p) {
    g_dr_wrong_partition++;
    failure("record %lld: delivered to partition %d, expected %d", i, (int)m->partition, p);
  }
  if (!g_acks_zero && m->offset != s) {
    g_dr_wrong_offset++;
    if (g_dr_wrong_offset <= 5) {
      failure("record %lld: delivered at offset %" PRId64 ", expected %lld", i, m->offset, s);
    }
  }
}

static void produce_all(const char* bootstrap, const char* codec, const char* acks,
                        const char* linger) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "gregor-it-roundtrip");
  set(conf, "acks", acks);
  set(conf, "compression.codec", codec);
  set(conf, "linger.ms", linger);
  set(conf, "batch.num.messages", "10000");
  set(conf, "batch.size", "1000000");
  set(conf, "enable.idempotence", "false");
  set(conf, "message.timeout.ms", "120000");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) die("rd_kafka_new(producer): %s", errstr);

  char key[32], value[MAX_VALUE], header[32];
  for (long long i = 0; i < g_count; i++) {
    int p = (int)(i % g_partitions);
    long long s = i / g_partitions;
    int klen = snprintf(key, sizeof key, "k%lld", i);
    int vlen = make_value(value, p, s);
    int hlen = snprintf(header, sizeof header, "%lld", i);
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(g_topic), RD_KAFKA_V_PARTITION(p), RD_KAFKA_V_KEY(key, klen),
          RD_KAFKA_V_VALUE(value, vlen), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_HEADER("n", header, hlen), RD_KAFKA_V_TIMESTAMP(g_start_ms + i / 100),
          RD_KAFKA_V_OPAQUE((void*)(intptr_t)i), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (err) die("producev record %lld: %s", i, rd_kafka_err2str(err));
      break;
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t err = rd_kafka_flush(rk, 150 * 1000);
  if (err)
    failure("flush: %s (%d records still queued)", rd_kafka_err2str(err), rd_kafka_outq_len(rk));
  rd_kafka_destroy(rk);
  for (long long i = 0; i < g_count; i++) {
    if (!g_delivered[i]) failure("record %lld: no delivery report", i);
  }
}

static int parse_seq(const char* v, size_t len, int* p, long long* s) {
  char buf[64];
  size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
  memcpy(buf, v, n);
  buf[n] = '\0';
  return sscanf(buf, "p%d-s%lld-", p, s) == 2;
}

static void check_record(const rd_kafka_message_t* m) {
  int p = m->partition;
  if (p < 0 || p >= g_partitions) {
    g_bad_records++;
    failure("record from unexpected partition %d", p);
    return;
  }
  long long expected = g_next[p];
  int vp;
  long long s;
  if (m->payload == NULL || !parse_seq(m->payload, m->len, &vp, &s) || vp != p) {
    g_bad_records++;
    failure("partition %d offset %" PRId64 ": unrecognised value '%.*s'", p, m->offset,
            (int)(m->len < 60 ? m->len : 60), m->payload ? (const char*)m->payload : "(null)");
    return;
  }
  if (m->offset != expected) {
    g_bad_offsets++;
    failure("partition %d: offset %" PRId64 " where offset %lld was expected", p, m->offset,
            expected);
  }
  if (s < expected) {
    g_duplicates++;
    failure("partition %d offset %" PRId64 ": sequence %lld again (expected %lld)", p, m->offset, s,
            expected);
    return;
  }
  if (s >= partition_count(p)) {
    g_extra++;
    failure("partition %d offset %" PRId64 ": sequence %lld was never produced", p, m->offset, s);
    return;
  }
  if (s > expected) {
    g_missing += s - expected;
    failure("partition %d: sequences %lld..%lld missing before offset %" PRId64, p, expected, s - 1,
            m->offset);
  }
  g_next[p] = s + 1;

  long long i = s * g_partitions + p;
  char key[32], value[MAX_VALUE], header[32];
  int klen = snprintf(key, sizeof key, "k%lld", i);
  int vlen = make_value(value, p, s);
  int hlen = snprintf(header, sizeof header, "%lld", i);
  const char* why = NULL;
  rd_kafka_timestamp_type_t tstype;
  int64_t ts = rd_kafka_message_timestamp(m, &tstype);
  rd_kafka_headers_t* hdrs = NULL;
  const void* hv = NULL;
  size_t hvlen = 0;
  if (m->len != (size_t)vlen || memcmp(m->payload, value, vlen) != 0) {
    why = "value differs";
  } else if (m->key == NULL || m->key_len != (size_t)klen || memcmp(m->key, key, klen) != 0) {
    why = "key differs";
  } else if (tstype != RD_KAFKA_TIMESTAMP_CREATE_TIME || ts != g_start_ms + i / 100) {
    why = "timestamp differs";
  } else if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
             rd_kafka_header_cnt(hdrs) != 1 ||
             rd_kafka_header_get_last(hdrs, "n", &hv, &hvlen) != RD_KAFKA_RESP_ERR_NO_ERROR ||
             hvlen != (size_t)hlen || memcmp(hv, header, hlen) != 0) {
    why = "header differs";
  }
  if (why) {
    g_bad_records++;
    failure("partition %d offset %" PRId64 " (sequence %lld): %s", p, m->offset, s, why);
  }
}

static void consume_all(const char* bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "client.id", "gregor-it-roundtrip");
  set(conf, "group.id", "gregor-it-unused"); /* never joined: assign() only */
  set(conf, "enable.auto.commit", "false");
  set(conf, "enable.auto.offset.store", "false");
  set(conf, "enable.partition.eof", "true");
  set(conf, "check.crcs", "true");
  set(conf, "auto.offset.reset", "error");
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == NULL) die("rd_kafka_new(consumer): %s", errstr);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(g_partitions);
  for (int p = 0; p < g_partitions; p++) {
    rd_kafka_topic_partition_list_add(parts, g_topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, parts);
  if (err) die("assign: %s", rd_kafka_err2str(err));
  rd_kafka_topic_partition_list_destroy(parts);

  /* Batches from the consumer queue: one rd_kafka_consumer_poll() per record costs more
   * than the broker's side of the fetch. */
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  static rd_kafka_message_t* batch[10000];
  double last_progress = now_s();
  int done = 0;
  while (!done) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 500, batch, 10000);
    if (n < 0) die("consume_batch_queue: %s", rd_kafka_err2str(rd_kafka_last_error()));
    for (ssize_t k = 0; k < n; k++) {
      rd_kafka_message_t* m = batch[k];
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (m->partition >= 0 && m->partition < g_partitions &&
            g_next[m->partition] >= partition_count(m->partition)) {
          g_eof[m->partition] = 1;
        }
      } else if (m->err) {
        g_consume_errors++;
        failure("consume error on partition %d: %s", (int)m->partition, rd_kafka_message_errstr(m));
      } else {
        g_consumed++;
        check_record(m);
        last_progress = now_s();
      }
      rd_kafka_message_destroy(m);
    }
    done = 1;
    for (int p = 0; p < g_partitions; p++) done &= g_eof[p];
    if (!done && now_s() - last_progress > 30) {
      for (int p = 0; p < g_partitions; p++) {
        if (!g_eof[p]) {
          failure("partition %d: consumed up to sequence %lld of %lld, then nothing for 30 s", p,
                  g_next[p], partition_count(p));
        }
      }
      break;
    }
  }
  rd_kafka_queue_destroy(queue);
  /* Anything that arrives right after end of partition would be extra records. */
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
  if (m != NULL) {
    if (!m->err) {
      g_consumed++;
      g_extra++;
      failure("partition %d: record at offset %" PRId64 " after the end", (int)m->partition,
              m->offset);
    }
    rd_kafka_message_destroy(m);
  }
  for (int p = 0; p < g_partitions; p++) {
    if (g_next[p] < partition_count(p)) g_missing += partition_count(p) - g_next[p];
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITIONS COUNT [NAME=VALUE ...]\n", argv[0]);
    return 2;
  }
  const char* bootstrap = argv[1];
  g_topic = argv[2];
  g_partitions = atoi(argv[3]);
  g_count = atoll(argv[4]);
  const char *codec = "none", *acks = "all", *linger = "20", *phase = "both";
  g_start_ms = wall_ms();
  for (int a = 5; a < argc; a++) {
    if (strncmp(argv[a], "codec=", 6) == 0) {
      codec = argv[a] + 6;
    } else if (strncmp(argv[a], "acks=", 5) == 0) {
      acks = argv[a] + 5;
    } else if (strncmp(argv[a], "value.size=", 11) == 0) {
      g_value_size = atoi(argv[a] + 11);
    } else if (strncmp(argv[a], "linger.ms=", 10) == 0) {
      linger = argv[a] + 10;
    } else if (strncmp(argv[a], "phase=", 6) == 0) {
      phase = argv[a] + 6;
    } else if (strncmp(argv[a], "timestamp.base=", 15) == 0) {
      g_start_ms = atoll(argv[a] + 15);
    } else {
      fprintf(stderr, "unknown option %s\n", argv[a]);
      return 2;
    }
  }
  if (g_partitions < 1 || g_partitions > MAX_PARTITIONS || g_count < 1 || g_value_size < 0 ||
      g_value_size > MAX_VALUE - 64) {
    fprintf(stderr, "bad PARTITIONS, COUNT or value.size\n");
    return 2;
  }
  int produce = strcmp(phase, "both") == 0 || strcmp(phase, "produce") == 0;
  int consume = strcmp(phase, "both") == 0 || strcmp(phase, "consume") == 0;
  if (!produce && !consume) {
    fprintf(stderr, "bad phase %s\n", phase);
    return 2;
  }
  g_acks_zero = strcmp(acks, "0") == 0;
  g_delivered = calloc((size_t)g_count, 1);
  if (g_delivered == NULL) die("out of memory");

  double t0 = now_s();
  if (produce) produce_all(bootstrap, codec, acks, linger);
  double t1 = now_s();
  if (consume) consume_all(bootstrap);
  double t2 = now_s();

  printf(
      "{\"topic\":\"%s\",\"partitions\":%d,\"count\":%lld,\"codec\":\"%s\",\"acks\":\"%s\","
      "\"phase\":\"%s\",\"timestamp_base\":%" PRId64
      ",\"value_size\":%d,\"delivered_ok\":%lld,\"delivery_errors\":%lld,"
      "\"delivery_duplicates\":%lld,\"delivery_wrong_partition\":%lld,"
      "\"delivery_wrong_offset\":%lld,\"consumed\":%lld,\"duplicates\":%lld,"
      "\"missing\":%lld,\"bad_records\":%lld,\"bad_offsets\":%lld,\"extra\":%lld,"
      "\"consume_errors\":%lld,\"failures\":%lld,\"produce_s\":%.3f,\"consume_s\":%.3f,"
      "\"per_partition\":[",
      g_topic, g_partitions, g_count, codec, acks, phase, g_start_ms, g_value_size, g_dr_ok,
      g_dr_err, g_dr_dup, g_dr_wrong_partition, g_dr_wrong_offset, g_consumed, g_duplicates,
      g_missing, g_bad_records, g_bad_offsets, g_extra, g_consume_errors, g_failures, t1 - t0,
      t2 - t1);
  for (int p = 0; p < g_partitions; p++) {
    printf("%s{\"partition\":%d,\"expected\":%lld,\"consumed_through\":%lld}", p ? "," : "", p,
           partition_count(p), g_next[p]);
  }
  printf("]}\n");
  free(g_delivered);
  return g_failures ? 1 : 0;
}
