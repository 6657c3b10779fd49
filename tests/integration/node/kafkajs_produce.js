// Produce through kafkajs (pinned in package.json) with a compression codec.
//
// Usage: node kafkajs_produce.js BOOTSTRAP TOPIC CODEC COUNT PARTITIONS BASE_TIMESTAMP
//   CODEC  none | gzip | snappy | lz4 | zstd
// Record i (0 <= i < COUNT) goes to partition p = i % PARTITIONS as sequence s = i / PARTITIONS,
// with key "js-k<i>", value "js-<codec>-p<p>-s<s>-" padded to 64 bytes with a repeating
// pattern, header h = "v<i>" and timestamp BASE_TIMESTAMP + i. Records are sent with acks=-1 in
// requests of 250 records (one batch per partition per request).
// Codecs: gzip is built into kafkajs; snappy is kafkajs-snappy (snappyjs, pure JS); lz4 is
// kafkajs-lz4 2.0.0-beta.0 (lz4-asm, no native build); zstd has no kafkajs codec package that
// installs without a native build (@kafkajs/zstd needs node-gyp), so a small codec over
// @bokuweb/zstd-wasm (WebAssembly) is registered here.
// Prints one JSON object on stdout: {"codec", "count", "sends": [[{partition, baseOffset,
// errorCode}, ...], ...]}. kafkajs logs go to stderr. Exit 1 on any error.
'use strict'

const { Kafka, logLevel, CompressionTypes, CompressionCodecs } = require('kafkajs')

// lz4-asm's Emscripten loader fetch()es its .wasm file when a global fetch exists, which
// fails for a file path under Node 18+; without fetch it reads the file from disk.
function requireWithoutFetch(name) {
  const saved = globalThis.fetch
  globalThis.fetch = undefined
  try {
    return require(name)
  } finally {
    globalThis.fetch = saved
  }
}

const SnappyCodec = require('kafkajs-snappy')
const LZ4Codec = requireWithoutFetch('kafkajs-lz4')
const zstd = require('@bokuweb/zstd-wasm')

let zstdReady = null
const ZstdCodec = () => ({
  async compress(encoder) {
    await (zstdReady = zstdReady || zstd.init())
    return Buffer.from(zstd.compress(encoder.buffer, 3))
  },
  async decompress(buffer) {
    await (zstdReady = zstdReady || zstd.init())
    return Buffer.from(zstd.decompress(buffer))
  },
})

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
CompressionCodecs[CompressionTypes.ZSTD] = ZstdCodec

const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}
const VALUE_SIZE = 64
const PER_REQUEST = 250

const [bootstrap, topic, codec, countArg, partitionsArg, baseArg] = process.argv.slice(2)
if (!baseArg || !(codec in CODECS)) {
  console.error('usage: node kafkajs_produce.js BOOTSTRAP TOPIC CODEC COUNT PARTITIONS BASE_TS')
  process.exit(2)
}
const count = Number(countArg)
const partitions = Number(partitionsArg)
const baseTimestamp = Number(baseArg)

function value(p, s) {
  const pattern = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let v = `js-${codec}-p${p}-s${s}-`
  while (v.length < VALUE_SIZE) v += pattern[(v.length + s) % pattern.length]
  return v
}

const stderrLogger = () => ({ namespace, label, log }) => {
  process.stderr.write(`${label} [${namespace}] ${JSON.stringify(log)}\n`)
}

async function main() {
  const kafka = new Kafka({
    clientId: 'gregor-it-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator: stderrLogger,
    retry: { retries: 5, initialRetryTime: 100 },
  })
  const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false })
  await producer.connect()
  const sends = []
  try {
    for (let start = 0; start < count; start += PER_REQUEST) {
      const messages = []
      for (let i = start; i < Math.min(count, start + PER_REQUEST); i++) {
        const p = i % partitions
        const s = Math.floor(i / partitions)
        messages.push({
          partition: p,
          key: `js-k${i}`,
          value: value(p, s),
          headers: { h: `v${i}` },
          timestamp: String(baseTimestamp + i),
        })
      }
      const meta = await producer.send({ topic, messages, acks: -1, compression: CODECS[codec] })
      sends.push(meta.map(m => ({
        partition: m.partition,
        baseOffset: m.baseOffset,
        errorCode: m.errorCode,
      })))
    }
  } finally {
    await producer.disconnect()
  }
  process.stdout.write(JSON.stringify({ codec, count, sends }) + '\n')
}

main().catch(e => {
  console.error(`kafkajs_produce failed: ${e && e.stack ? e.stack : e}`)
  process.exit(1)
})
