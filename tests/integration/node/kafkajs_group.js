// A kafkajs group consumer subscribed to several topics, as a notification service is.
//
// Usage: node kafkajs_group.js BOOTSTRAP GROUP TOPICS COUNT [TIMEOUT_MS]
//   TOPICS  comma-separated topics to subscribe to
//   COUNT   stop once this many messages arrived (offsets are committed on the way and
//           on disconnect)
// Prints one JSON object: {"messages": [[topic, partition, offset, value], ...],
// "described": <admin.describeGroups of GROUP while the consumer was running>,
// "committed": <admin.fetchOffsets per topic after the consumer stopped>}.
// kafkajs logs go to stderr. Exit 1 on an error or when COUNT is not reached in time.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, groupId, topicList, countArg, timeoutArg = '30000'] = process.argv.slice(2)
if (!bootstrap || !groupId || !topicList || !countArg) {
  console.error('usage: node kafkajs_group.js BOOTSTRAP GROUP TOPICS COUNT [TIMEOUT_MS]')
  process.exit(2)
}
const topics = topicList.split(',')
const count = Number(countArg)

const kafka = new Kafka({
  clientId: 'gregor-it-kafkajs-group',
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  logCreator: () => ({ namespace, label, log }) => {
    process.stderr.write(`${label} [${namespace}] ${JSON.stringify(log)}\n`)
  },
  retry: { retries: 10, initialRetryTime: 100 },
})

async function main() {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 })
  const admin = kafka.admin()
  const messages = []
  let described = null
  await consumer.connect()
  await admin.connect()
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true })
  let finish
  const done = new Promise(resolve => { finish = resolve })
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      messages.push([topic, partition, Number(message.offset), message.value.toString()])
      if (messages.length === count) finish()
    },
  })
  const timer = setTimeout(finish, Number(timeoutArg))
  await done
  clearTimeout(timer)
  described = (await admin.describeGroups([groupId])).groups[0]
  await consumer.disconnect()
  const committed = {}
  for (const topic of topics) {
    committed[topic] = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions
  }
  await admin.disconnect()
  for (const m of described.members) {
    m.memberMetadata = m.memberMetadata.length
    m.memberAssignment = m.memberAssignment.length
  }
  process.stdout.write(JSON.stringify({ messages, described, committed }) + '\n')
  if (messages.length < count) {
    console.error(`only ${messages.length} of ${count} messages arrived`)
    process.exit(1)
  }
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
