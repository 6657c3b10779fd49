/* Hosts librdkafka's in-process mock cluster (rdkafka_mock.h) as a standalone broker so
 * benchmarks can drive it over TCP exactly like Gregor, from a separate process whose CPU
 * time can be read from /proc. Prints "BOOTSTRAP <host:port>" then runs until stdin closes.
 * Usage: mock_cluster TOPIC PARTITIONS */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s TOPIC PARTITIONS\n", argv[0]);
    return 2;
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
  if (!mc) {
    fprintf(stderr, "mock cluster creation failed\n");
    return 1;
  }
  if (rd_kafka_mock_topic_create(mc, argv[1], atoi(argv[2]), 1)) {
    fprintf(stderr, "topic creation failed\n");
    return 1;
  }
  printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  int c;
  while ((c = getchar()) != EOF) {
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
