/* Describes a consumer group the way an operator's tool does, with librdkafka's admin API:
 * DescribeConsumerGroups (state, assignor, members with their assignments) and
 * ListConsumerGroupOffsets, plus each partition's high watermark, giving the lag.
 *
 * Usage: rdkafka_group_admin BOOTSTRAP GROUP
 * Prints one JSON object:
 *   {"group": ..., "error": null|"...", "state": "Stable", "assignor": "range",
 *    "simple": false, "members": [{"member_id", "client_id", "host", "instance_id",
 *    "assignment": [["topic", p], ...]}], "offsets": [{"topic", "partition", "offset",
 *    "high", "lag"}]}
 * Strings are printed as they are (the tests use plain ASCII names). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *why) {
  fprintf(stderr, "%s: %s\n", what, why);
  exit(1);
}

static rd_kafka_event_t *wait_result(rd_kafka_queue_t *q, rd_kafka_event_type_t type) {
  for (int i = 0; i < 100; i++) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 200);
    if (!ev) continue;
    if (rd_kafka_event_type(ev) == type) {
      if (rd_kafka_event_error(ev)) die("admin request", rd_kafka_event_error_string(ev));
      return ev;
    }
    rd_kafka_event_destroy(ev);
  }
  die("admin request", "timed out");
  return NULL;
}

static void print_str(const char *s) {
  if (s) {
    printf("\"%s\"", s);
  } else {
    printf("null");
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s BOOTSTRAP GROUP\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr))) {
    die("bootstrap.servers", errstr);
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) die("rd_kafka_new", errstr);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  const char *group = argv[2];

  rd_kafka_DescribeConsumerGroups(rk, &group, 1, NULL, q);
  rd_kafka_event_t *ev = wait_result(q, RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT);
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t **descs = rd_kafka_DescribeConsumerGroups_result_groups(
      rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
  if (n != 1) die("DescribeConsumerGroups", "expected one group");
  const rd_kafka_ConsumerGroupDescription_t *d = descs[0];
  const rd_kafka_error_t *derr = rd_kafka_ConsumerGroupDescription_error(d);
  printf("{\"group\": ");
  print_str(rd_kafka_ConsumerGroupDescription_group_id(d));
  printf(", \"error\": ");
  print_str(derr ? rd_kafka_error_string(derr) : NULL);
  printf(", \"state\": ");
  print_str(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d)));
  printf(", \"assignor\": ");
  print_str(rd_kafka_ConsumerGroupDescription_partition_assignor(d));
  printf(", \"simple\": %s, \"members\": [",
         rd_kafka_ConsumerGroupDescription_is_simple_consumer_group(d) ? "true" : "false");
  size_t members = rd_kafka_ConsumerGroupDescription_member_count(d);
  for (size_t i = 0; i < members; i++) {
    const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
    printf("%s{\"member_id\": ", i ? ", " : "");
    print_str(rd_kafka_MemberDescription_consumer_id(m));
    printf(", \"client_id\": ");
    print_str(rd_kafka_MemberDescription_client_id(m));
    printf(", \"host\": ");
    print_str(rd_kafka_MemberDescription_host(m));
    printf(", \"instance_id\": ");
    print_str(rd_kafka_MemberDescription_group_instance_id(m));
    printf(", \"assignment\": [");
    const rd_kafka_topic_partition_list_t *parts =
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
    for (int p = 0; parts && p < parts->cnt; p++) {
      printf("%s[\"%s\", %d]", p ? ", " : "", parts->elems[p].topic, parts->elems[p].partition);
    }
    printf("]}");
  }
  printf("], \"offsets\": [");
  rd_kafka_event_destroy(ev);

  rd_kafka_ListConsumerGroupOffsets_t *list = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
  rd_kafka_ListConsumerGroupOffsets(rk, &list, 1, NULL, q);
  rd_kafka_ListConsumerGroupOffsets_destroy(list);
  ev = wait_result(q, RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT);
  const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
  if (n != 1) die("ListConsumerGroupOffsets", "expected one group");
  if (rd_kafka_group_result_error(groups[0])) {
    die("ListConsumerGroupOffsets", rd_kafka_error_string(rd_kafka_group_result_error(groups[0])));
  }
  const rd_kafka_topic_partition_list_t *offsets = rd_kafka_group_result_partitions(groups[0]);
  for (int i = 0; offsets && i < offsets->cnt; i++) {
    const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &low, &high, 10000);
    if (err) die("query_watermark_offsets", rd_kafka_err2str(err));
    printf("%s{\"topic\": \"%s\", \"partition\": %d, \"offset\": %lld, \"high\": %lld, "
           "\"lag\": %lld}",
           i ? ", " : "", tp->topic, tp->partition, (long long)tp->offset, (long long)high,
           (long long)(tp->offset >= 0 ? high - tp->offset : -1));
  }
  printf("]}\n");
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return 0;
}
