/* Throughput and latency benchmark driven by librdkafka, used against Gregor and against
 * librdkafka's mock cluster in the same run (bench/throughput.py).
 *
 *   kbench produce BOOTSTRAP TOPIC COUNT SIZE ACKS [idempotent] [NAME=VALUE ...]
 *                                                    -> "produce <records/s> <MB/s> <s>"
 *     (NAME=VALUE: extra librdkafka producer settings, e.g. max.in.flight=1)
 *   kbench consume BOOTSTRAP TOPIC PASSES PARTITIONS -> "consume <records/s> <MB/s> <s> <n>"
 *   kbench latency BOOTSTRAP TOPIC RATE SECONDS ACKS -> "latency <p50_us> <p99_us> <p999_us> <n>"
 *   kbench txn BOOTSTRAP TOPIC COUNT SIZE PER_TXN    -> "txn <records/s> <commits/s> <s>"
 *     (a transactional producer committing every PER_TXN records)
 *
 * Latency is end to end: the producer stamps each value with CLOCK_MONOTONIC, a consumer
 * in the same process (assigned to every partition at the end) records receipt time. */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char errstr[256];
  if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s=%s: %s\n", k, v, errstr);
    exit(2);
  }
}

static long delivered, failed;
static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ < 5) fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

static rd_kafka_t *make_producer(const char *bootstrap, const char *acks, int idempotent,
                                 char **extra, int n_extra) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "acks", acks);
  /* Idempotence needs acks=all; pass ACKS -1 (all) to compare like with like. */
  set(conf, "enable.idempotence", idempotent ? "true" : "false");
  set(conf, "linger.ms", "5");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  /* Extra settings last, so that they override the defaults above. */
  for (int i = 0; i < n_extra; i++) {
    char name[128];
    const char *eq = strchr(extra[i], '=');
    if (!eq || (size_t)(eq - extra[i]) >= sizeof(name)) continue;
    memcpy(name, extra[i], (size_t)(eq - extra[i]));
    name[eq - extra[i]] = '\0';
    set(conf, name, eq + 1);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "producer: %s\n", errstr);
    exit(1);
  }
  return rk;
}

static int produce(const char *bootstrap, const char *topic, long count, int size,
                   const char *acks, char **extra, int n_extra) {
  int idempotent = n_extra > 0 && strcmp(extra[0], "idempotent") == 0;
  rd_kafka_t *rk = make_producer(bootstrap, acks, idempotent, extra + idempotent,
                                 n_extra - idempotent);
  char *payload = malloc((size_t)size);
  memset(payload, 'x', (size_t)size);
  double start = now_s();
  for (long i = 0; i < count; i++) {
    while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, (size_t)size),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  double secs = now_s() - start;
  printf("produce %.0f %.2f %.3f\n", (double)delivered / secs,
         (double)delivered * size / secs / 1e6, secs);
  rd_kafka_destroy(rk);
  free(payload);
  return (delivered == count && failed == 0) ? 0 : 1;
}

/* The legacy (simple) consumer, as `kcat -C` uses: no group coordinator needed, which
 * both Gregor (before consumer groups) and the mock serve the same way. */
struct consumer {
  rd_kafka_t *rk;
  rd_kafka_topic_t *rkt;
  rd_kafka_queue_t *queue;
  int partitions;
};

static struct consumer make_consumer(const char *bootstrap, const char *topic, int partitions,
                                     int64_t offset) {
  char errstr[512];
  struct consumer c;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "fetch.wait.max.ms", "10");
  set(conf, "isolation.level", "read_uncommitted");
  set(conf, "enable.partition.eof", "true");
  c.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!c.rk) {
    fprintf(stderr, "consumer: %s\n", errstr);
    exit(1);
  }
  c.rkt = rd_kafka_topic_new(c.rk, topic, NULL);
  c.queue = rd_kafka_queue_new(c.rk);
  c.partitions = partitions;
  for (int p = 0; p < partitions; p++) {
    if (rd_kafka_consume_start_queue(c.rkt, p, offset, c.queue) == -1) {
      fprintf(stderr, "consume_start: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
      exit(1);
    }
  }
  return c;
}

static void destroy_consumer(struct consumer *c) {
  for (int p = 0; p < c->partitions; p++) rd_kafka_consume_stop(c->rkt, p);
  rd_kafka_queue_destroy(c->queue);
  rd_kafka_topic_destroy(c->rkt);
  rd_kafka_destroy(c->rk);
}

/* Reads every partition from the beginning to its end, `passes` times (seeking back to
 * the beginning after each pass), so that the volume read does not depend on how much the
 * broker retains (the mock cluster keeps only the newest few MB per partition). */
static int consume(const char *bootstrap, const char *topic, int passes, int partitions) {
  struct consumer c = make_consumer(bootstrap, topic, partitions, RD_KAFKA_OFFSET_BEGINNING);
  long got = 0;
  size_t bytes = 0;
  double start = now_s(), deadline = start + 300;
  for (int pass = 0; pass < passes && now_s() < deadline; pass++) {
    int at_end = 0;
    while (at_end < partitions && now_s() < deadline) {
      rd_kafka_message_t *m = rd_kafka_consume_queue(c.queue, 100);
      if (!m) continue;
      if (!m->err) {
        got++;
        bytes += m->len;
      } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        at_end++;
      } else {
        fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (pass + 1 < passes) {
      for (int p = 0; p < partitions; p++) rd_kafka_seek(c.rkt, p, RD_KAFKA_OFFSET_BEGINNING, 5000);
    }
  }
  double secs = now_s() - start;
  printf("consume %.0f %.2f %.3f %ld\n", (double)got / secs, (double)bytes / secs / 1e6, secs, got);
  destroy_consumer(&c);
  return (now_s() < deadline && got > 0) ? 0 : 1;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int latency(const char *bootstrap, const char *topic, int rate, int seconds,
                   const char *acks) {
  /* A latency measurement sends each record at once: no linger. */
  char *no_linger[] = {"linger.ms=0"};
  rd_kafka_t *producer = make_producer(bootstrap, acks, 0, no_linger, 1);
  /* One warm-up record creates the topic before the consumer positions itself at the end. */
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                    RD_KAFKA_V_VALUE("warm-up", 7), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_END);
  rd_kafka_flush(producer, 10000);
  struct consumer consumer = make_consumer(bootstrap, topic, 1, RD_KAFKA_OFFSET_END);
  /* Let the consumer position itself before measuring. */
  for (int i = 0; i < 20; i++) {
    rd_kafka_message_t *m = rd_kafka_consume_queue(consumer.queue, 100);
    if (m) rd_kafka_message_destroy(m);
  }
  long total = (long)rate * seconds;
  int64_t *lat = calloc((size_t)total, sizeof(int64_t));
  long got = 0, sent = 0;
  int64_t start = now_us(), interval = 1000000 / rate;
  while (got < total) {
    int64_t now = now_us();
    while (sent < total && now >= start + sent * interval) {
      char buf[1024];
      memset(buf, 'y', sizeof(buf));
      int64_t stamp = now_us();
      memcpy(buf, &stamp, sizeof(stamp));
      rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                        RD_KAFKA_V_VALUE(buf, sizeof(buf)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_END);
      sent++;
    }
    rd_kafka_poll(producer, 0);
    rd_kafka_message_t *m = rd_kafka_consume_queue(consumer.queue, 1);
    if (m) {
      if (!m->err && m->len == 1024) {
        int64_t stamp;
        memcpy(&stamp, m->payload, sizeof(stamp));
        lat[got++] = now_us() - stamp;
      }
      rd_kafka_message_destroy(m);
    }
    if (now_us() - start > (int64_t)(seconds + 30) * 1000000) break;
  }
  qsort(lat, (size_t)got, sizeof(int64_t), cmp_i64);
  if (got == 0) {
    printf("latency 0 0 0 0\n");
    return 1;
  }
  printf("latency %ld %ld %ld %ld\n", (long)lat[got / 2], (long)lat[(long)(got * 0.99)],
         (long)lat[(long)(got * 0.999)], got);
  rd_kafka_flush(producer, 10000);
  rd_kafka_destroy(producer);
  destroy_consumer(&consumer);
  free(lat);
  return got == total ? 0 : 1;
}

/* COUNT records in transactions of PER_TXN records each, every one committed. */
static int txn(const char *bootstrap, const char *topic, long count, int size, long per_txn) {
  char errstr[512], id[64];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  snprintf(id, sizeof(id), "kbench-%ld", (long)getpid());
  set(conf, "transactional.id", id);
  set(conf, "linger.ms", "5");
  set(conf, "batch.size", "1000000");
  set(conf, "queue.buffering.max.messages", "1000000");
  set(conf, "queue.buffering.max.kbytes", "1048576");
  rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "producer: %s\n", errstr);
    return 1;
  }
  rd_kafka_error_t *error = rd_kafka_init_transactions(rk, 30000);
  char *payload = malloc((size_t)size);
  memset(payload, 'x', (size_t)size);
  long commits = 0;
  double start = now_s();
  for (long sent = 0; sent < count && !error;) {
    error = rd_kafka_begin_transaction(rk);
    for (long i = 0; i < per_txn && sent < count && !error; i++, sent++) {
      while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, (size_t)size),
                               RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
      }
      rd_kafka_poll(rk, 0);
    }
    if (!error) error = rd_kafka_commit_transaction(rk, 60000);
    if (!error) commits++;
  }
  double secs = now_s() - start;
  if (error) fprintf(stderr, "txn: %s\n", rd_kafka_error_string(error));
  printf("txn %.0f %.1f %.3f\n", (double)delivered / secs, (double)commits / secs, secs);
  free(payload);
  rd_kafka_destroy(rk);
  return (!error && delivered == count && failed == 0) ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 7 && strcmp(argv[1], "produce") == 0)
    return produce(argv[2], argv[3], atol(argv[4]), atoi(argv[5]), argv[6], argv + 7, argc - 7);
  if (argc >= 6 && strcmp(argv[1], "consume") == 0)
    return consume(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
  if (argc >= 7 && strcmp(argv[1], "txn") == 0)
    return txn(argv[2], argv[3], atol(argv[4]), atoi(argv[5]), atol(argv[6]));
  if (argc >= 7 && strcmp(argv[1], "latency") == 0)
    return latency(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argv[6]);
  fprintf(stderr, "usage: see the comment at the top of kbench.c\n");
  return 2;
}
