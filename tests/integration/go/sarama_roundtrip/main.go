// Command sarama_roundtrip drives Shopify/sarama 1.22.1 (Debian's
// golang-github-shopify-sarama-dev) against Gregor for the integration tests. sarama never
// negotiates: Config.Version picks every request version, so -version 0.10.2.0 produces
// with Produce v2 (magic-1 message sets) and fetches with Fetch v3 (down-converted), and
// -version 2.0.0 uses record batches (Produce v3, Fetch v4).
//
//	sarama_roundtrip -brokers HOST:PORT -topic T -version V produce -n N [-prefix P] [-codec C] [-headers]
//	sarama_roundtrip -brokers HOST:PORT -topic T -version V consume -n N -group G
//
// produce sends N messages with a SyncProducer (acks=all), key "k<i>", value "<prefix><i>",
// and with -headers a header "h" = "<i>" (only record batches can carry it), then prints
// "produced N". consume reads N messages through a ConsumerGroup that marks each one
// (offsets are committed on close) and prints one line per message: offset, key, value and
// headers ("k=v" joined by ","), tab-separated, Go-quoted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/Shopify/sarama"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "sarama_roundtrip: "+format+"\n", args...)
	os.Exit(1)
}

func codec(name string) sarama.CompressionCodec {
	switch name {
	case "none":
		return sarama.CompressionNone
	case "gzip":
		return sarama.CompressionGZIP
	case "snappy":
		return sarama.CompressionSnappy
	case "lz4":
		return sarama.CompressionLZ4
	}
	fail("unknown codec %q", name)
	return sarama.CompressionNone
}

func produce(cfg *sarama.Config, brokers []string, topic string, n int, prefix, codecName string, headers bool) {
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Compression = codec(codecName)
	p, err := sarama.NewSyncProducer(brokers, cfg)
	if err != nil {
		fail("producer: %v", err)
	}
	defer p.Close()
	for i := 0; i < n; i++ {
		m := &sarama.ProducerMessage{
			Topic: topic,
			Key:   sarama.StringEncoder(fmt.Sprintf("k%d", i)),
			Value: sarama.StringEncoder(fmt.Sprintf("%s%d", prefix, i)),
		}
		if headers {
			m.Headers = []sarama.RecordHeader{{Key: []byte("h"), Value: []byte(fmt.Sprint(i))}}
		}
		if _, _, err := p.SendMessage(m); err != nil {
			fail("send %d: %v", i, err)
		}
	}
	fmt.Printf("produced %d\n", n)
}

type handler struct {
	mu     sync.Mutex
	want   int
	got    int
	done   chan struct{}
	closed bool
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		h.mu.Lock()
		if h.got >= h.want {
			h.mu.Unlock()
			return nil
		}
		var hs []string
		for _, rh := range m.Headers {
			hs = append(hs, string(rh.Key)+"="+string(rh.Value))
		}
		fmt.Printf("%d\t%q\t%q\t%q\n", m.Offset, m.Key, m.Value, strings.Join(hs, ","))
		s.MarkMessage(m, "")
		h.got++
		if h.got == h.want && !h.closed {
			h.closed = true
			close(h.done)
		}
		h.mu.Unlock()
	}
	return nil
}

func consume(ctx context.Context, cfg *sarama.Config, brokers []string, topic, group string, n int) {
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	g, err := sarama.NewConsumerGroup(brokers, group, cfg)
	if err != nil {
		fail("consumer group: %v", err)
	}
	go func() {
		for err := range g.Errors() {
			fmt.Fprintf(os.Stderr, "sarama_roundtrip: consumer error: %v\n", err)
		}
	}()
	h := &handler{want: n, done: make(chan struct{})}
	cctx, cancel := context.WithCancel(ctx)
	finished := make(chan error, 1)
	go func() {
		for cctx.Err() == nil {
			if err := g.Consume(cctx, []string{topic}, h); err != nil {
				finished <- err
				return
			}
		}
		finished <- nil
	}()
	select {
	case <-h.done:
	case <-ctx.Done():
		fail("consumed %d of %d before the timeout", h.got, n)
	case err := <-finished:
		fail("consume: %v", err)
	}
	cancel()
	<-finished
	// Close commits the marked offsets.
	if err := g.Close(); err != nil {
		fail("close: %v", err)
	}
}

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap brokers")
	topic := flag.String("topic", "", "topic")
	version := flag.String("version", "0.10.2.0", "sarama Config.Version")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() < 1 || *topic == "" {
		fail("usage: -brokers B -topic T -version V produce|consume [flags]")
	}
	sub := flag.NewFlagSet(flag.Arg(0), flag.ExitOnError)
	n := sub.Int("n", 10, "number of messages")
	prefix := sub.String("prefix", "value-", "value prefix (produce)")
	codecName := sub.String("codec", "none", "none, gzip, snappy or lz4 (produce)")
	headers := sub.Bool("headers", false, "add a header to each message (produce)")
	group := sub.String("group", "", "consumer group (consume)")
	sub.Parse(flag.Args()[1:])
	v, err := sarama.ParseKafkaVersion(*version)
	if err != nil {
		fail("version: %v", err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = v
	cfg.ClientID = "gregor-it-sarama"
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	list := strings.Split(*brokers, ",")
	switch flag.Arg(0) {
	case "produce":
		produce(cfg, list, *topic, *n, *prefix, *codecName, *headers)
	case "consume":
		if *group == "" {
			fail("consume needs -group")
		}
		consume(ctx, cfg, list, *topic, *group, *n)
	default:
		fail("unknown command %q", flag.Arg(0))
	}
}
