// DeleteRecords through kafkajs's admin client (admin.deleteTopicRecords).
//
// Usage: node kafkajs_delete_records.js BOOTSTRAP TOPIC
// TOPIC must exist with two partitions. Writes ten records to each, deletes partition 0
// below offset 4 and partition 1 up to its high watermark (-1), asks for an offset past
// the end, then reads partition 0 from the earliest offset. Prints one JSON object.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topic] = process.argv.slice(2)
if (!bootstrap || !topic) {
  console.error('usage: node kafkajs_delete_records.js BOOTSTRAP TOPIC')
  process.exit(2)
}

const kafka = new Kafka({
  clientId: 'gregor-it-kafkajs-delete-records',
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  retry: { retries: 0, initialRetryTime: 100 },
})

function errorTypes(e) {
  // KafkaJSDeleteTopicRecordsError carries each partition's broker error.
  if (e.partitions && e.partitions.length) return e.partitions.map(p => p.error.type || p.error.name)
  if (e.cause) return errorTypes(e.cause)
  if (e.originalError) return errorTypes(e.originalError)
  if (e.errors && e.errors.length) return e.errors.map(x => x.type || x.name)
  return [e.type || e.name]
}

async function main() {
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  const out = {}
  try {
    for (const partition of [0, 1]) {
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `v${i}` })),
      })
    }
    // kafkajs's admin looks partition leaders up in metadata it has loaded for the topic.
    await admin.fetchTopicMetadata({ topics: [topic] })
    await admin.deleteTopicRecords({
      topic,
      partitions: [{ partition: 0, offset: '4' }, { partition: 1, offset: '-1' }],
    })
    out.offsets = (await admin.fetchTopicOffsets(topic))
      .map(o => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition)
    try {
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '100' }] })
      out.past_end = { ok: null }
    } catch (e) {
      out.past_end = { error: errorTypes(e) }
    }
    const consumer = kafka.consumer({ groupId: `${topic}-reader` })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const seen = []
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out reading partition 0')), 30000)
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (partition !== 0) return
          seen.push([Number(message.offset), message.value.toString()])
          if (seen.length === 6) {
            clearTimeout(timer)
            resolve()
          }
        },
      }).catch(reject)
    })
    await consumer.disconnect()
    out.read = seen
  } finally {
    await producer.disconnect()
    await admin.disconnect()
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
