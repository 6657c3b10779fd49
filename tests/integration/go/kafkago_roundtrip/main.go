// Command kafkago_roundtrip drives segmentio/kafka-go 0.2.1 (Debian's
// golang-github-segmentio-kafka-go-dev) against Gregor for the integration tests and
// benchmarks. That version never negotiates: it produces with Produce v2 and magic-1
// message sets and fetches with Fetch v2, so it exercises up- and down-conversion.
//
//	kafkago_roundtrip -brokers HOST:PORT -topic T produce -n N [-prefix P] [-codec C]
//	kafkago_roundtrip -brokers HOST:PORT -topic T consume -n N [-group G]
//
// produce writes N messages, key "k<i>", value "<prefix><i>", with acks=all, then prints
// "produced N". consume reads N messages (with -group through a consumer group that
// commits each message before the next is read, else partition 0 from the start) and
// prints one line per message: offset, key and value, tab-separated, Go-quoted (with
// -quiet only "consumed N SECONDS FETCHES", for the benchmarks).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	kafka "github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/gzip"
	"github.com/segmentio/kafka-go/lz4"
	"github.com/segmentio/kafka-go/snappy"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "kafkago_roundtrip: "+format+"\n", args...)
	os.Exit(1)
}

func codec(name string) kafka.CompressionCodec {
	switch name {
	case "none":
		return nil
	case "gzip":
		return gzip.NewCompressionCodec()
	case "snappy":
		return snappy.NewCompressionCodec()
	case "lz4":
		return lz4.NewCompressionCodec()
	}
	fail("unknown codec %q", name)
	return nil
}

func produce(ctx context.Context, brokers []string, topic string, n int, prefix, codecName string, batch int) {
	w := kafka.NewWriter(kafka.WriterConfig{
		Brokers:          brokers,
		Topic:            topic,
		RequiredAcks:     -1,
		BatchSize:        batch,
		BatchTimeout:     10 * time.Millisecond,
		CompressionCodec: codec(codecName),
	})
	defer w.Close()
	msgs := make([]kafka.Message, 0, batch)
	for i := 0; i < n; i++ {
		msgs = append(msgs, kafka.Message{
			Key:   []byte(fmt.Sprintf("k%d", i)),
			Value: []byte(fmt.Sprintf("%s%d", prefix, i)),
		})
		if len(msgs) == batch || i == n-1 {
			if err := w.WriteMessages(ctx, msgs...); err != nil {
				fail("write: %v", err)
			}
			msgs = msgs[:0]
		}
	}
	fmt.Printf("produced %d\n", n)
}

func consume(ctx context.Context, brokers []string, topic, group string, n int, quiet bool, maxWait time.Duration) {
	cfg := kafka.ReaderConfig{
		Brokers:  brokers,
		Topic:    topic,
		MinBytes: 1,
		MaxBytes: 1 << 20,
		MaxWait:  maxWait,
	}
	if group != "" {
		cfg.GroupID = group
		cfg.SessionTimeout = 6 * time.Second
		cfg.HeartbeatInterval = time.Second
	}
	r := kafka.NewReader(cfg)
	defer r.Close()
	start := time.Now()
	for i := 0; i < n; i++ {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			fail("fetch after %d messages: %v", i, err)
		}
		if !quiet {
			fmt.Printf("%d\t%q\t%q\n", m.Offset, m.Key, m.Value)
		}
		if group != "" {
			if err := r.CommitMessages(ctx, m); err != nil {
				fail("commit: %v", err)
			}
		}
	}
	if quiet {
		fmt.Printf("consumed %d %.3f %d\n", n, time.Since(start).Seconds(), r.Stats().Fetches)
	}
}

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap brokers")
	topic := flag.String("topic", "", "topic")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() < 1 || *topic == "" {
		fail("usage: -brokers B -topic T produce|consume [flags]")
	}
	sub := flag.NewFlagSet(flag.Arg(0), flag.ExitOnError)
	n := sub.Int("n", 10, "number of messages")
	prefix := sub.String("prefix", "value-", "value prefix (produce)")
	codecName := sub.String("codec", "none", "none, gzip, snappy or lz4 (produce)")
	batch := sub.Int("batch", 100, "messages per WriteMessages call (produce)")
	group := sub.String("group", "", "consumer group (consume)")
	quiet := sub.Bool("quiet", false, "print only a count (consume)")
	maxWait := sub.Duration("maxwait", 100*time.Millisecond, "Fetch max wait (consume)")
	sub.Parse(flag.Args()[1:])
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	list := strings.Split(*brokers, ",")
	switch flag.Arg(0) {
	case "produce":
		produce(ctx, list, *topic, *n, *prefix, *codecName, *batch)
	case "consume":
		consume(ctx, list, *topic, *group, *n, *quiet, *maxWait)
	default:
		fail("unknown command %q", flag.Arg(0))
	}
}
