// Consume-transform-produce with kafkajs transactions (pinned in package.json), aborts
// injected.
//
// Usage: node kafkajs_txn.js BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID EXPECTED ABORT_EVERY
//
// A kafkajs consumer in GROUP (autoCommit off, read_committed) reads INPUT; every CHUNK
// records of a fetched batch make one transaction that sends "js-out-<value>" for each to
// OUTPUT (same partition and key) and the next input offset with sendOffsets. Every
// ABORT_EVERY-th transaction is aborted after its records and offsets reached the broker,
// and the consumer seeks back to the chunk's first offset, so the input is processed again. Stops
// once EXPECTED input records were committed.
// Prints one JSON object on stdout: {committedTxns, abortedTxns, committedRecords,
// abortedRecords}. kafkajs logs go to stderr. Exit 1 on any error or after 90 s.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const CHUNK = 20  // input records per transaction

async function main() {
  const [bootstrap, input, output, groupId, transactionalId, expectedArg, abortArg] =
    process.argv.slice(2)
  const expected = Number(expectedArg)
  const abortEvery = Number(abortArg)
  const kafka = new Kafka({
    clientId: 'gregor-it-kafkajs-txn',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, log }) =>
      process.stderr.write(`${namespace} ${log.message} ${JSON.stringify(log)}\n`),
    retry: { retries: 10, initialRetryTime: 50 },
  })
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 })
  await producer.connect()
  await consumer.connect()
  await consumer.subscribe({ topic: input, fromBeginning: true })

  const stats = { committedTxns: 0, abortedTxns: 0, committedRecords: 0, abortedRecords: 0 }
  let txnNo = 0
  let finish
  const done = new Promise((resolve) => (finish = resolve))

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
      const partition = batch.partition
      for (let i = 0; i < batch.messages.length; i += CHUNK) {
        if (!isRunning() || isStale() || stats.committedRecords >= expected) return
        const chunk = batch.messages.slice(i, i + CHUNK)
        const txn = await producer.transaction()
        await txn.send({
          topic: output,
          messages: chunk.map((m) => ({
            key: m.key,
            value: `js-out-${m.value.toString()}`,
            partition,
          })),
        })
        const last = chunk[chunk.length - 1].offset
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic: input, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }],
        })
        txnNo++
        if (abortEvery > 0 && txnNo % abortEvery === 0) {
          await txn.abort()
          stats.abortedTxns++
          stats.abortedRecords += chunk.length
          // Process the chunk again: back to its first offset, the rest of the batch dropped.
          consumer.seek({ topic: input, partition, offset: chunk[0].offset })
          return
        }
        await txn.commit()
        stats.committedTxns++
        stats.committedRecords += chunk.length
        resolveOffset(last)
      }
      if (stats.committedRecords >= expected) finish()
    },
  })
  const timer = setTimeout(() => {
    process.stderr.write(`timed out: ${JSON.stringify(stats)}\n`)
    process.exit(1)
  }, 90000)
  await done
  clearTimeout(timer)
  await consumer.disconnect()
  await producer.disconnect()
  process.stdout.write(JSON.stringify(stats) + '\n')
}

main().catch((e) => {
  process.stderr.write(`FAIL: ${e.stack || e}\n`)
  process.exit(1)
})
