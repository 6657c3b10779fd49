/* Consumer-group benchmarks driven by librdkafka, run against Gregor and against
 * librdkafka's mock cluster in the same run (bench/groups.py).
 *
 *   groups_bench rebalance BOOTSTRAP TOPIC PARTITIONS MEMBERS ROUNDS
 *       -> "rebalance <median_ms> <min_ms> <max_ms> <timeouts>"
 *     Each round forms a fresh group of MEMBERS consumers, waits until it is settled and
 *     quiet, then starts one more member and measures the time from its rd_kafka_subscribe
 *     until every member holds its new assignment (each one's rebalance callback assigned
 *     after the subscribe, and together they own every partition exactly once). A round
 *     that does not settle within 60 s counts as a timeout and is left out of the times.
 *   groups_bench commit BOOTSTRAP TOPIC SLICES [DISK_DIR]
 *       -> "commit1 <commits_per_s> <p50_us> <p99_us> <exhausted>"
 *          "commit10 <commits_per_s> <p50_us> <p99_us> <exhausted>"
 *          "disk <fdatasync_per_s> <preallocated_fdatasync_per_s>" (only with DISK_DIR)
 *     Two groups on TOPIC: one with a single consumer, one with ten. Each consumer
 *     consumes and commits every message synchronously (rd_kafka_commit_message,
 *     async=0). The groups take turns in 0.5 s slices, and with DISK_DIR a third slice
 *     measures the disk: 128-byte appends to a file there, each followed by fdatasync,
 *     for half the slice; for the other half the same writes go into a file allocated
 *     beforehand (fallocate), as Gregor's preallocated segments are, which the file
 *     system syncs faster (no new size or block allocation to journal).
 *     SLICES rounds of (1 committer, 10 committers, disk) after one unmeasured warm-up
 *     round. Interleaving matters on a shared disk, whose fdatasync rate can drift by 10x
 *     within a minute: the three rates come from the same minutes. Consumers of the group
 *     whose turn it is not do not poll; a commit counts if it completes inside its group's
 *     slice. exhausted = 1 when a consumer reached the end of a partition while measured
 *     (pre-produce more: the rate is then a lower bound).
 *
 * Every consumer has its own rd_kafka_t and poll thread. Heartbeats every 100 ms so that
 * members notice a rebalance quickly on both targets. GROUPS_BENCH_DEBUG=<member index>
 * turns on librdkafka's cgrp debug log for that member. */
#define _GNU_SOURCE /* fallocate */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_MEMBERS 64
#define MAX_PARTITIONS 256
#define MAX_LATENCIES (1 << 16) /* per member; later commits are counted, not sampled */
#define SETTLE_TIMEOUT_US (60 * 1000000LL)

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define SLICE_US 500000

/* Commit mode: whose turn it is. */
enum turn { kNobody = -1, kSingle = 0, kTen = 1, kDisk = 2 };

typedef struct {
  rd_kafka_t* rk;
  pthread_t thread;
  atomic_int stop;
  int index;
  int set;     /* commit mode: kSingle or kTen */
  int running; /* main thread only */
  /* Assignment as of the last rebalance callback, under mu. */
  int owned[MAX_PARTITIONS];
  int owned_cnt;
  int64_t last_assign_us;
  /* Commit mode: written by the poll thread, read by main after the thread is joined. */
  long commits;
  int exhausted;
  int64_t* latencies;
  long latency_cnt;
} member_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *g_bootstrap, *g_topic, *g_group;
static int g_commit_mode;
static atomic_int g_turn = kNobody; /* commit mode */
static atomic_int g_started;        /* commit mode: the first turn began */
static atomic_int g_counting;       /* commit mode: past the warm-up round */

static void set(rd_kafka_conf_t* conf, const char* k, const char* v) {
  char errstr[256];
  if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s=%s: %s\n", k, v, errstr);
    exit(2);
  }
}

static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t* parts, void* opaque) {
  member_t* m = opaque;
  int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  rd_kafka_assign(rk, assign ? parts : NULL);
  /* Commit mode: nothing is consumed before the run starts. */
  if (assign && g_commit_mode && !atomic_load(&g_started)) {
    rd_kafka_pause_partitions(rk, parts);
  }
  pthread_mutex_lock(&mu);
  m->owned_cnt = 0;
  if (assign) {
    for (int i = 0; i < parts->cnt; i++) {
      int p = parts->elems[i].partition;
      if (p >= 0 && p < MAX_PARTITIONS && m->owned_cnt < MAX_PARTITIONS) {
        m->owned[m->owned_cnt++] = p;
      }
    }
    m->last_assign_us = now_us();
  }
  pthread_mutex_unlock(&mu);
}

static void commit_one(member_t* m, const rd_kafka_message_t* msg) {
  int64_t t0 = now_us();
  rd_kafka_resp_err_t err = rd_kafka_commit_message(m->rk, msg, 0 /* synchronous */);
  int64_t t1 = now_us();
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (getenv("GROUPS_BENCH_DEBUG")) {
      fprintf(stderr, "member %d: commit: %s\n", m->index, rd_kafka_err2name(err));
    }
    return;
  }
  /* Count commits that completed inside their group's measured slice. */
  if (!atomic_load(&g_counting) || atomic_load(&g_turn) != m->set) return;
  m->commits++;
  if (m->latency_cnt < MAX_LATENCIES) m->latencies[m->latency_cnt++] = t1 - t0;
}

static void* poll_loop(void* arg) {
  member_t* m = arg;
  int resumed = 0;
  while (!atomic_load(&m->stop)) {
    if (g_commit_mode && atomic_load(&g_started)) {
      if (atomic_load(&g_turn) != m->set) {
        usleep(1000); /* not this group's turn: no polls, no commits */
        continue;
      }
      if (!resumed) {
        rd_kafka_topic_partition_list_t* parts = NULL;
        if (rd_kafka_assignment(m->rk, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          rd_kafka_resume_partitions(m->rk, parts);
          rd_kafka_topic_partition_list_destroy(parts);
        }
        resumed = 1;
      }
    }
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(m->rk, g_commit_mode ? 10 : 50);
    if (!msg) continue;
    if (msg->err) {
      if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && atomic_load(&g_counting)) {
        m->exhausted = 1;
      }
    } else if (g_commit_mode) {
      commit_one(m, msg);
    }
    rd_kafka_message_destroy(msg);
  }
  return NULL;
}

static rd_kafka_t* new_consumer(member_t* m) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", g_bootstrap);
  set(conf, "group.id", g_group);
  set(conf, "enable.auto.commit", "false");
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "enable.partition.eof", "true");
  set(conf, "session.timeout.ms", "6000");
  set(conf, "heartbeat.interval.ms", "100");
  set(conf, "partition.assignment.strategy", "range");
  const char* debug = getenv("GROUPS_BENCH_DEBUG");
  if (debug && m->index == atoi(debug)) set(conf, "debug", "cgrp");
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_opaque(conf, m);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    exit(1);
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

/* Creates the consumer, subscribes it and starts its poll thread; returns the time just
 * before rd_kafka_subscribe. */
static int64_t start_member(member_t* m, int index) {
  memset(m, 0, sizeof(*m));
  m->index = index;
  if (g_commit_mode) {
    m->latencies = malloc(sizeof(int64_t) * MAX_LATENCIES);
    if (!m->latencies) exit(1);
  }
  m->rk = new_consumer(m);
  rd_kafka_topic_partition_list_t* t = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(t, g_topic, RD_KAFKA_PARTITION_UA);
  int64_t subscribed = now_us();
  rd_kafka_resp_err_t err = rd_kafka_subscribe(m->rk, t);
  rd_kafka_topic_partition_list_destroy(t);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "subscribe: %s\n", rd_kafka_err2str(err));
    exit(1);
  }
  m->running = 1;
  if (pthread_create(&m->thread, NULL, poll_loop, m) != 0) exit(1);
  return subscribed;
}

static void stop_polling(member_t* m) {
  atomic_store(&m->stop, 1);
  pthread_join(m->thread, NULL);
}

static void* close_thread(void* arg) {
  member_t* m = arg;
  rd_kafka_consumer_close(m->rk);
  rd_kafka_destroy(m->rk);
  return NULL;
}

/* Stops and closes members [0, n) in parallel (each close leaves the group). */
static void stop_members(member_t* members, int n) {
  pthread_t closers[MAX_MEMBERS];
  for (int i = 0; i < n; i++) {
    if (members[i].running) stop_polling(&members[i]);
  }
  for (int i = 0; i < n; i++) {
    if (members[i].running) pthread_create(&closers[i], NULL, close_thread, &members[i]);
  }
  for (int i = 0; i < n; i++) {
    if (!members[i].running) continue;
    pthread_join(closers[i], NULL);
    free(members[i].latencies);
    members[i].latencies = NULL;
    members[i].running = 0;
  }
}

/* Every running member got an assignment after `since`, and together they own each of
 * the `partitions` partitions exactly once. Returns the latest assignment time, or 0. */
static int64_t settled(member_t* members, int n, int partitions, int64_t since) {
  int count[MAX_PARTITIONS] = {0};
  int total = 0;
  int64_t last = 0;
  pthread_mutex_lock(&mu);
  for (int i = 0; i < n && last >= 0; i++) {
    if (!members[i].running) continue;
    if (members[i].last_assign_us <= since) last = -1;
    if (members[i].last_assign_us > last) last = members[i].last_assign_us;
    for (int p = 0; p < members[i].owned_cnt; p++) {
      count[members[i].owned[p]]++;
      total++;
    }
  }
  pthread_mutex_unlock(&mu);
  if (last <= 0 || total != partitions) return 0;
  for (int p = 0; p < partitions; p++) {
    if (count[p] != 1) return 0;
  }
  return last;
}

/* The time at which the group settled (see settled()), or 0 after SETTLE_TIMEOUT_US. */
static int64_t wait_settled(member_t* members, int n, int partitions, int64_t since) {
  int64_t deadline = now_us() + SETTLE_TIMEOUT_US;
  while (now_us() < deadline) {
    int64_t at = settled(members, n, partitions, since);
    if (at > 0) return at;
    usleep(1000);
  }
  if (getenv("GROUPS_BENCH_DEBUG")) {
    pthread_mutex_lock(&mu);
    for (int i = 0; i < n; i++) {
      fprintf(stderr, "member %d: running %d, assigned at %+lld ms, owns %d\n", i,
              members[i].running, (long long)(members[i].last_assign_us - since) / 1000,
              members[i].owned_cnt);
    }
    pthread_mutex_unlock(&mu);
  }
  return 0;
}

static int cmp_i64(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x > y) - (x < y);
}

static int rebalance(int partitions, int n, int rounds) {
  static member_t members[MAX_MEMBERS];
  static char group[64];
  int64_t* samples = calloc((size_t)rounds, sizeof(int64_t));
  int measured = 0, timeouts = 0;
  for (int r = 0; r < rounds; r++) {
    /* A fresh group per round: one round's leftovers (a member still leaving, a rebalance
     * in progress) cannot leak into the next. */
    snprintf(group, sizeof(group), "rebalance-bench-%d-%d", (int)getpid(), r);
    g_group = group;
    for (int i = 0; i < n; i++) start_member(&members[i], i);
    if (wait_settled(members, n, partitions, 0) == 0) {
      fprintf(stderr, "round %d: the %d-member group did not form within 60 s\n", r, n);
      timeouts++;
      stop_members(members, n);
      continue;
    }
    usleep(500000); /* a quiet, stable group */
    int64_t t0 = start_member(&members[n], n);
    int64_t at = wait_settled(members, n + 1, partitions, t0);
    if (at > 0) {
      samples[measured++] = at - t0;
    } else {
      fprintf(stderr, "round %d: no settled assignment within 60 s of the join\n", r);
      timeouts++;
    }
    stop_members(members, n + 1);
  }
  if (measured == 0) {
    fprintf(stderr, "no round settled\n");
    return 1;
  }
  qsort(samples, (size_t)measured, sizeof(int64_t), cmp_i64);
  printf("rebalance %.1f %.1f %.1f %d\n", samples[measured / 2] / 1000.0, samples[0] / 1000.0,
         samples[measured - 1] / 1000.0, timeouts);
  free(samples);
  return 0;
}

/* fdatasync after 128-byte writes at *pos, for `us` microseconds; returns the count. */
static long disk_slice(int fd, off_t* pos, int64_t us) {
  static const char block[128] = {0};
  long n = 0;
  int64_t end = now_us() + us;
  while (now_us() < end) {
    ssize_t w = pwrite(fd, block, sizeof(block), *pos);
    *pos += (off_t)sizeof(block);
    if (w != (ssize_t)sizeof(block) || fdatasync(fd) != 0) {
      perror("disk baseline");
      exit(1);
    }
    n++;
  }
  return n;
}

static void report(const char* label, member_t* members, int from, int to, double seconds) {
  long total = 0, samples = 0;
  int exhausted = 0;
  for (int i = from; i < to; i++) {
    total += members[i].commits;
    samples += members[i].latency_cnt;
    exhausted |= members[i].exhausted;
  }
  int64_t* all = malloc(sizeof(int64_t) * (size_t)(samples ? samples : 1));
  long k = 0;
  for (int i = from; i < to; i++) {
    memcpy(all + k, members[i].latencies, sizeof(int64_t) * (size_t)members[i].latency_cnt);
    k += members[i].latency_cnt;
  }
  qsort(all, (size_t)samples, sizeof(int64_t), cmp_i64);
  printf("%s %.1f %lld %lld %d\n", label, total / seconds,
         (long long)(samples ? all[samples / 2] : 0),
         (long long)(samples ? all[samples * 99 / 100] : 0), exhausted);
  free(all);
}

static int commit(int slices, const char* disk_dir) {
  enum { kMembers = 11 }; /* members[0]: the single committer; 1..10: the group of ten */
  static member_t members[kMembers];
  static char groups[2][64];
  g_commit_mode = 1;
  int fd = -1, pre_fd = -1;
  off_t pos = 0, pre_pos = 0;
  char path[4096], pre_path[4200];
  if (disk_dir) {
    snprintf(path, sizeof(path), "%s/groups-bench-fdatasync-%d", disk_dir, (int)getpid());
    snprintf(pre_path, sizeof(pre_path), "%s.preallocated", path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pre_fd = open(pre_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    /* 64 MiB: far more than 11 half-slices of 128-byte writes can fill. */
    if (fd < 0 || pre_fd < 0 || fallocate(pre_fd, 0, 0, 64 << 20) != 0 || fsync(pre_fd) != 0) {
      perror(path);
      return 1;
    }
  }
  snprintf(groups[0], sizeof(groups[0]), "commit-bench-1-%d", (int)getpid());
  snprintf(groups[1], sizeof(groups[1]), "commit-bench-10-%d", (int)getpid());
  for (int i = 0; i < kMembers; i++) {
    g_group = groups[i == 0 ? 0 : 1];
    start_member(&members[i], i);
    members[i].set = i == 0 ? kSingle : kTen;
  }
  /* Every member owns partitions (range: topic partitions >= members per group). */
  int64_t deadline = now_us() + SETTLE_TIMEOUT_US;
  for (;;) {
    int ready = 0;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < kMembers; i++) ready += members[i].owned_cnt > 0;
    pthread_mutex_unlock(&mu);
    if (ready == kMembers) break;
    if (now_us() > deadline) {
      fprintf(stderr, "consumers not assigned within 60 s\n");
      return 1;
    }
    usleep(1000);
  }
  usleep(500000);
  atomic_store(&g_started, 1);
  int64_t spent[3] = {0, 0, 0};
  long syncs = 0, pre_syncs = 0;
  for (int round = 0; round <= slices; round++) {
    if (round == 1) atomic_store(&g_counting, 1); /* round 0 warms up */
    for (int turn = kSingle; turn <= kDisk; turn++) {
      /* Let the commits of the previous turn finish before the next one starts. */
      atomic_store(&g_turn, kNobody);
      usleep(20000);
      int64_t t0 = now_us();
      atomic_store(&g_turn, turn);
      if (turn == kDisk) {
        if (fd >= 0) {
          syncs += disk_slice(fd, &pos, SLICE_US / 2) * (round > 0);
          pre_syncs += disk_slice(pre_fd, &pre_pos, SLICE_US / 2) * (round > 0);
        }
      } else {
        usleep(SLICE_US);
      }
      if (round > 0) spent[turn] += now_us() - t0;
    }
  }
  atomic_store(&g_turn, kNobody);
  atomic_store(&g_counting, 0);
  /* The poll threads are joined before their counters are read. */
  for (int i = 0; i < kMembers; i++) stop_polling(&members[i]);
  report("commit1", members, 0, 1, spent[kSingle] / 1e6);
  report("commit10", members, 1, kMembers, spent[kTen] / 1e6);
  if (fd >= 0) {
    double half = spent[kDisk] / 2e6;
    printf("disk %.1f %.1f\n", syncs / half, pre_syncs / half);
    close(fd);
    close(pre_fd);
    unlink(path);
    unlink(pre_path);
  }
  fflush(stdout);
  for (int i = 0; i < kMembers; i++) {
    rd_kafka_consumer_close(members[i].rk);
    rd_kafka_destroy(members[i].rk);
    free(members[i].latencies);
    members[i].running = 0;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 7 && strcmp(argv[1], "rebalance") == 0) {
    g_bootstrap = argv[2];
    g_topic = argv[3];
    int partitions = atoi(argv[4]);
    int n = atoi(argv[5]);
    int rounds = atoi(argv[6]);
    if (n < 1 || n >= MAX_MEMBERS || partitions < 1 || partitions > MAX_PARTITIONS ||
        rounds < 1) {
      return 2;
    }
    return rebalance(partitions, n, rounds);
  }
  if (argc >= 5 && strcmp(argv[1], "commit") == 0) {
    g_bootstrap = argv[2];
    g_topic = argv[3];
    int slices = atoi(argv[4]);
    if (slices < 1) return 2;
    return commit(slices, argc >= 6 ? argv[5] : NULL);
  }
  fprintf(stderr,
          "usage: %s rebalance BOOTSTRAP TOPIC PARTITIONS MEMBERS ROUNDS\n"
          "       %s commit BOOTSTRAP TOPIC SLICES [DISK_DIR]\n",
          argv[0], argv[0]);
  return 2;
}
