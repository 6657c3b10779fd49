/* A librdkafka group consumer for the consumer-group integration tests: subscribes, and
 * after processing each message commits it synchronously, reporting every event on stdout
 * (one line each, flushed) so a test can check ownership and at-least-once delivery.
 *
 * Usage: rdkafka_group_consumer BOOTSTRAP GROUP TOPIC[,TOPIC...] [name=value ...]
 *   name=value pairs are librdkafka configs, except:
 *     x.commit=sync|none   commit each message synchronously (default) or never
 *     x.max.messages=N     exit (closing the consumer) after N messages
 * SIGTERM/SIGINT close the consumer gracefully (LeaveGroup for dynamic members).
 *
 * Output, times in microseconds of CLOCK_MONOTONIC (shared by all processes):
 *   GEN <generation>                      from librdkafka's JoinGroup log (debug=cgrp)
 *   ASSIGN <us> <topic>:<p>,...           eager: the whole new assignment
 *   REVOKE <us>                           eager: everything revoked
 *   INCASSIGN <us> <topic>:<p>,...        cooperative: partitions added
 *   INCREVOKE <us> <topic>:<p>,...        cooperative: partitions removed
 *   MSG <us> <topic> <p> <offset> <value>
 *   COMMIT <us> <topic> <p> <next offset> after a successful synchronous commit
 *   COMMITERR <us> <topic> <p> <offset> <error name>
 *   CLOSED
 */
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void print_partitions(const char *what, const rd_kafka_topic_partition_list_t *parts) {
  flockfile(stdout);  /* one line, even with GEN lines printed from librdkafka's threads */
  printf("%s %lld ", what, now_us());
  for (int i = 0; i < parts->cnt; i++) {
    printf("%s%s:%d", i ? "," : "", parts->elems[i].topic, parts->elems[i].partition);
  }
  printf("\n");
  fflush(stdout);
  funlockfile(stdout);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
  (void)opaque;
  int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    print_partitions(cooperative ? "INCASSIGN" : "ASSIGN", parts);
    if (cooperative) {
      rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
      if (e) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
    }
  } else {
    if (cooperative) {
      print_partitions("INCREVOKE", parts);
      rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
      if (e) rd_kafka_error_destroy(e);
    } else {
      printf("REVOKE %lld\n", now_us());
      fflush(stdout);
      rd_kafka_assign(rk, NULL);
    }
  }
}

/* librdkafka logs "JoinGroup response: GenerationId <n>, ..." with debug=cgrp. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  (void)fac;
  const char *gen = strstr(buf, "JoinGroup response: GenerationId ");
  if (gen) {
    printf("GEN %ld\n", strtol(gen + strlen("JoinGroup response: GenerationId "), NULL, 10));
    fflush(stdout);
  } else if (level <= 4) {
    fprintf(stderr, "%s\n", buf);
  }
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s BOOTSTRAP GROUP TOPICS [name=value ...]\n", argv[0]);
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int commit = 1;
  long max_messages = 0;
  const char *base[][2] = {{"bootstrap.servers", argv[1]},
                           {"group.id", argv[2]},
                           {"enable.auto.commit", "false"},
                           {"auto.offset.reset", "earliest"},
                           {"debug", "cgrp"},
                           {"log_level", "7"}};
  for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
    if (rd_kafka_conf_set(conf, base[i][0], base[i][1], errstr, sizeof(errstr))) {
      fprintf(stderr, "%s: %s\n", base[i][0], errstr);
      return 2;
    }
  }
  for (int i = 4; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) {
      fprintf(stderr, "bad option %s\n", argv[i]);
      return 2;
    }
    *eq = '\0';
    if (strcmp(argv[i], "x.commit") == 0) {
      commit = strcmp(eq + 1, "sync") == 0;
    } else if (strcmp(argv[i], "x.max.messages") == 0) {
      max_messages = atol(eq + 1);
    } else if (rd_kafka_conf_set(conf, argv[i], eq + 1, errstr, sizeof(errstr))) {
      fprintf(stderr, "%s: %s\n", argv[i], errstr);
      return 2;
    }
  }
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
  char *list = strdup(argv[3]);
  for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
    rd_kafka_topic_partition_list_add(topics, t, RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  free(list);
  if (err) {
    fprintf(stderr, "subscribe: %s\n", rd_kafka_err2str(err));
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);

  long count = 0;
  while (!stop && (max_messages == 0 || count < max_messages)) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        fprintf(stderr, "consume error: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    const char *topic = rd_kafka_topic_name(m->rkt);
    printf("MSG %lld %s %d %lld %.*s\n", now_us(), topic, m->partition, (long long)m->offset,
           (int)m->len, (const char *)m->payload);
    count++;
    if (commit) {
      err = rd_kafka_commit_message(rk, m, 0);
      if (err) {
        printf("COMMITERR %lld %s %d %lld %s\n", now_us(), topic, m->partition,
               (long long)m->offset, rd_kafka_err2name(err));
      } else {
        printf("COMMIT %lld %s %d %lld\n", now_us(), topic, m->partition,
               (long long)m->offset + 1);
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  printf("CLOSED\n");
  return 0;
}
