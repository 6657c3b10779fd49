/* Metadata through librdkafka (the system library, 2.0.2 on Debian 12), as an application sees it.
 *
 * Usage: rdkafka_metadata BOOTSTRAP TOPIC PARTITIONS
 *
 * Connects with a producer handle (producers send Metadata with allow_auto_topic_creation =
 * true), requests metadata for TOPIC until it has been auto-created and every partition has a
 * leader, then for all topics. Asserts: exactly one broker, id 1, at BOOTSTRAP's host and port;
 * controller id 1; a non-empty cluster id; TOPIC has PARTITIONS partitions, each with leader 1,
 * replicas [1] and isrs [1]; the all-topics listing contains TOPIC.
 * Prints the result as one JSON object on stdout; on a failed check prints "FAIL: ..." on stderr
 * and exits 1 (exit 2 for usage errors).
 */
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_util.h"

static void print_json_string(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      printf("\\%c", c);
    } else if (c < 0x20) {
      printf("\\u%04x", c);
    } else {
      putchar(c);
    }
  }
  putchar('"');
}

static void print_int_array(const int32_t *v, int n) {
  putchar('[');
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", (int)v[i]);
  putchar(']');
}

static void print_topic(const rd_kafka_metadata_topic_t *t) {
  printf("{\"name\":");
  print_json_string(t->topic);
  printf(",\"err\":%d,\"partitions\":[", (int)t->err);
  for (int i = 0; i < t->partition_cnt; i++) {
    const rd_kafka_metadata_partition_t *p = &t->partitions[i];
    printf("%s{\"id\":%d,\"err\":%d,\"leader\":%d,\"replicas\":", i ? "," : "", (int)p->id,
           (int)p->err, (int)p->leader);
    print_int_array(p->replicas, p->replica_cnt);
    printf(",\"isrs\":");
    print_int_array(p->isrs, p->isr_cnt);
    putchar('}');
  }
  printf("]}");
}

static const rd_kafka_metadata_topic_t *find_topic(const struct rd_kafka_metadata *md,
                                                   const char *name) {
  for (int i = 0; i < md->topic_cnt; i++) {
    if (strcmp(md->topics[i].topic, name) == 0) return &md->topics[i];
  }
  return NULL;
}

static int topic_ready(const rd_kafka_metadata_topic_t *t) {
  if (t == NULL || t->err != RD_KAFKA_RESP_ERR_NO_ERROR || t->partition_cnt == 0) return 0;
  for (int i = 0; i < t->partition_cnt; i++) {
    if (t->partitions[i].leader < 0) return 0;
  }
  return 1;
}

static void check_topic(const rd_kafka_metadata_topic_t *t, int partitions) {
  if (t->partition_cnt != partitions) {
    die("topic %s: %d partitions, expected %d", t->topic, t->partition_cnt, partitions);
  }
  for (int i = 0; i < t->partition_cnt; i++) {
    const rd_kafka_metadata_partition_t *p = &t->partitions[i];
    if (p->err) die("topic %s partition %d: error %s", t->topic, p->id, rd_kafka_err2str(p->err));
    if (p->leader != 1) die("topic %s partition %d: leader %d", t->topic, p->id, p->leader);
    if (p->replica_cnt != 1 || p->replicas[0] != 1) {
      die("topic %s partition %d: replicas are not [1]", t->topic, p->id);
    }
    if (p->isr_cnt != 1 || p->isrs[0] != 1) {
      die("topic %s partition %d: isrs are not [1]", t->topic, p->id);
    }
  }
  /* Partition ids are 0..n-1, each once (librdkafka does not sort them). */
  for (int id = 0; id < partitions; id++) {
    int seen = 0;
    for (int i = 0; i < t->partition_cnt; i++) seen += t->partitions[i].id == id;
    if (seen != 1) die("topic %s: partition id %d appears %d times", t->topic, id, seen);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BOOTSTRAP TOPIC PARTITIONS\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1];
  const char *topic = argv[2];
  int partitions = atoi(argv[3]);
  const char *colon = strrchr(bootstrap, ':');
  if (colon == NULL) die("bootstrap %s has no port", bootstrap);
  int port = atoi(colon + 1);
  char host[256];
  snprintf(host, sizeof host, "%.*s", (int)(colon - bootstrap), bootstrap);

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
      rd_kafka_conf_set(conf, "client.id", "gregor-it-rdkafka", errstr, sizeof errstr)) {
    die("conf: %s", errstr);
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == NULL) die("rd_kafka_new: %s", errstr);

  /* The topic: the first answer may be LEADER_NOT_AVAILABLE while it is being created. */
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *tmd = NULL;
  double deadline = now_s() + 10;
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &tmd, 5000);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && topic_ready(find_topic(tmd, topic))) break;
    if (now_s() > deadline) {
      die("topic %s not ready within 10 s: %s / %s", topic, rd_kafka_err2str(err),
           tmd && tmd->topic_cnt ? rd_kafka_err2str(tmd->topics[0].err) : "no topic");
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(tmd);
    tmd = NULL;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }

  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, 5000);
  if (err) die("metadata for all topics: %s", rd_kafka_err2str(err));

  int32_t controller = rd_kafka_controllerid(rk, 5000);
  char *cluster_id = rd_kafka_clusterid(rk, 5000);

  printf("{\"orig_broker_id\":%d,\"controller_id\":%d,\"cluster_id\":", (int)md->orig_broker_id,
         (int)controller);
  if (cluster_id) {
    print_json_string(cluster_id);
  } else {
    printf("null");
  }
  printf(",\"brokers\":[");
  for (int i = 0; i < md->broker_cnt; i++) {
    printf("%s{\"id\":%d,\"host\":", i ? "," : "", (int)md->brokers[i].id);
    print_json_string(md->brokers[i].host);
    printf(",\"port\":%d}", md->brokers[i].port);
  }
  printf("],\"topic\":");
  print_topic(find_topic(tmd, topic));
  printf(",\"all_topics\":[");
  for (int i = 0; i < md->topic_cnt; i++) {
    if (i) putchar(',');
    print_topic(&md->topics[i]);
  }
  printf("]}\n");
  fflush(stdout);

  if (md->broker_cnt != 1) die("%d brokers, expected 1", md->broker_cnt);
  if (md->brokers[0].id != 1) die("broker id %d, expected 1", md->brokers[0].id);
  if (strcmp(md->brokers[0].host, host) != 0 || md->brokers[0].port != port) {
    die("broker at %s:%d, expected %s", md->brokers[0].host, md->brokers[0].port, bootstrap);
  }
  if (md->orig_broker_id != 1) die("answered by broker %d, expected 1", md->orig_broker_id);
  if (controller != 1) die("controller id %d, expected 1", controller);
  if (cluster_id == NULL || cluster_id[0] == '\0') die("no cluster id");
  check_topic(find_topic(tmd, topic), partitions);
  const rd_kafka_metadata_topic_t *listed = find_topic(md, topic);
  if (listed == NULL) die("topic %s missing from the all-topics listing", topic);
  check_topic(listed, partitions);

  rd_kafka_mem_free(rk, cluster_id);
  rd_kafka_metadata_destroy(md);
  rd_kafka_metadata_destroy(tmd);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return 0;
}
