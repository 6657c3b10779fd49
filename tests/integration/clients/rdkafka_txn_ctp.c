/* A librdkafka transactional consume-transform-produce loop with injected aborts.
 *
 * Usage: rdkafka_txn_ctp BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID EXPECTED ABORT_EVERY
 *                        [BATCH]
 *
 * A read_committed consumer in GROUP (auto commit off) reads INPUT; for every input record
 * with value V it produces "out-V" to OUTPUT, same partition and key, inside a transaction
 * that also carries the consumer's positions (send_offsets_to_transaction, KIP-447 group
 * metadata). A transaction takes up to BATCH records (default 50). Every ABORT_EVERY-th
 * transaction (0 = never) is aborted on purpose after its records and offsets reached the
 * broker (flush, then abort_transaction), and the consumer rewinds to the committed offsets
 * so the same input is processed again in the next transaction. The loop stops once
 * EXPECTED input records were committed.
 *
 * Prints one JSON object on stdout: committed and aborted transaction and record counts.
 * Exit 0 when EXPECTED records were committed, 1 on any error (printed as "FAIL: ..." on
 * stderr), 2 for usage errors.
 */
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_util.h"

static void check(rd_kafka_error_t* error, const char* what) {
  if (error) die("%s: %s", what, rd_kafka_error_string(error));
}

static long g_delivery_errors;
static void dr_cb(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
  (void)rk;
  (void)opaque;
  if (m->err && m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
      m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    g_delivery_errors++;
    fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  }
}

/* Seeks the consumer back to its group's committed offsets (the start of the aborted
 * transaction's input). */
static void rewind_consumer(rd_kafka_t* consumer) {
  rd_kafka_topic_partition_list_t* assigned;
  if (rd_kafka_assignment(consumer, &assigned)) die("assignment");
  if (assigned->cnt > 0) {
    rd_kafka_resp_err_t err = rd_kafka_committed(consumer, assigned, 10000);
    if (err) die("committed: %s", rd_kafka_err2str(err));
    for (int i = 0; i < assigned->cnt; i++) {
      if (assigned->elems[i].offset < 0) assigned->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer, assigned, -1);
    check(error, "seek_partitions");
  }
  rd_kafka_topic_partition_list_destroy(assigned);
}

int main(int argc, char** argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: %s BOOTSTRAP INPUT OUTPUT GROUP TXN_ID EXPECTED ABORT_EVERY [BATCH]\n",
            argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1], *input = argv[2], *output = argv[3], *group = argv[4];
  const char* txn_id = argv[5];
  long expected = atol(argv[6]);
  int abort_every = atoi(argv[7]);
  int batch = argc > 8 ? atoi(argv[8]) : 50;
  char errstr[512];

  rd_kafka_conf_t* cconf = rd_kafka_conf_new();
  set(cconf, "bootstrap.servers", bootstrap);
  set(cconf, "group.id", group);
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "auto.offset.reset", "earliest");
  set(cconf, "isolation.level", "read_committed");
  set(cconf, "session.timeout.ms", "10000");
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof errstr);
  if (!consumer) die("consumer: %s", errstr);
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
  if (rd_kafka_subscribe(consumer, topics)) die("subscribe");
  rd_kafka_topic_partition_list_destroy(topics);

  rd_kafka_conf_t* pconf = rd_kafka_conf_new();
  set(pconf, "bootstrap.servers", bootstrap);
  set(pconf, "transactional.id", txn_id);
  set(pconf, "linger.ms", "5");
  rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof errstr);
  if (!producer) die("producer: %s", errstr);
  check(rd_kafka_init_transactions(producer, 30000), "init_transactions");

  long committed_records = 0, aborted_records = 0, committed_txns = 0, aborted_txns = 0;
  long txn_no = 0;
  double deadline = now_s() + 120;
  while (committed_records < expected) {
    if (now_s() > deadline) die("timed out with %ld of %ld records committed", committed_records,
                                expected);
    check(rd_kafka_begin_transaction(producer), "begin_transaction");
    long in_txn = 0;
    double txn_deadline = now_s() + 1.0;
    while (in_txn < batch && committed_records + in_txn < expected && now_s() < txn_deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
      if (!m) continue;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      char value[256];
      int len = snprintf(value, sizeof value, "out-%.*s", (int)m->len, (const char*)m->payload);
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(output), RD_KAFKA_V_PARTITION(m->partition),
          RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(value, (size_t)len),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err) die("producev: %s", rd_kafka_err2str(err));
      rd_kafka_message_destroy(m);
      in_txn++;
    }
    if (in_txn == 0) {
      check(rd_kafka_abort_transaction(producer, 30000), "abort_transaction (empty)");
      continue;
    }
    rd_kafka_topic_partition_list_t* positions;
    if (rd_kafka_assignment(consumer, &positions)) die("assignment");
    if (rd_kafka_position(consumer, positions)) die("position");
    rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer);
    check(rd_kafka_send_offsets_to_transaction(producer, positions, cgmd, 30000),
          "send_offsets_to_transaction");
    rd_kafka_consumer_group_metadata_destroy(cgmd);
    rd_kafka_topic_partition_list_destroy(positions);
    txn_no++;
    if (abort_every > 0 && txn_no % abort_every == 0) {
      /* Make sure the records are in the log before aborting them. */
      if (rd_kafka_flush(producer, 30000)) die("flush before abort");
      check(rd_kafka_abort_transaction(producer, 30000), "abort_transaction");
      rewind_consumer(consumer);
      aborted_txns++;
      aborted_records += in_txn;
    } else {
      check(rd_kafka_commit_transaction(producer, 30000), "commit_transaction");
      committed_txns++;
      committed_records += in_txn;
    }
  }
  if (g_delivery_errors) die("%ld delivery errors", g_delivery_errors);
  rd_kafka_destroy(producer);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  printf("{\"committed_txns\":%ld,\"aborted_txns\":%ld,\"committed_records\":%ld,"
         "\"aborted_records\":%ld}\n",
         committed_txns, aborted_txns, committed_records, aborted_records);
  return 0;
}
