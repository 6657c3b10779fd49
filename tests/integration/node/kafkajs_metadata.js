// Metadata through kafkajs (pinned in package.json), as an application sees it.
//
// Usage: node kafkajs_metadata.js BOOTSTRAP TOPICS MISSING
//   TOPICS   comma-separated existing topics (may be empty)
//   MISSING  a topic that does not exist (may be empty)
// Prints one JSON object on stdout with the results of admin.describeCluster(),
// admin.fetchTopicMetadata({topics: TOPICS}), admin.fetchTopicMetadata() (all topics),
// admin.listTopics(), and the error type kafkajs reports for fetchTopicMetadata of MISSING
// (the kafkajs admin sends allow_auto_topic_creation = false, so it must not be created).
// kafkajs logs go to stderr. Exit 1 on any unexpected error.
'use strict'

const { Kafka, logLevel } = require('kafkajs')

const [bootstrap, topicList = '', missing = ''] = process.argv.slice(2)
if (!bootstrap) {
  console.error('usage: node kafkajs_metadata.js BOOTSTRAP TOPICS MISSING')
  process.exit(2)
}
const topics = topicList.split(',').filter(t => t)

const stderrLogger = () => ({ namespace, label, log }) => {
  process.stderr.write(`${label} [${namespace}] ${JSON.stringify(log)}\n`)
}

function client(retries) {
  return new Kafka({
    clientId: 'gregor-it-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    logCreator: stderrLogger,
    retry: { retries, initialRetryTime: 100 },
  })
}

async function withAdmin(kafka, fn) {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}

async function main() {
  const out = await withAdmin(client(5), async admin => ({
    cluster: await admin.describeCluster(),
    requested: (await admin.fetchTopicMetadata({ topics })).topics,
    all: (await admin.fetchTopicMetadata()).topics,
    listed: await admin.listTopics(),
  }))
  out.missing_error = null
  if (missing) {
    out.missing_error = await withAdmin(client(0), async admin => {
      try {
        await admin.fetchTopicMetadata({ topics: [missing] })
        return 'NO_ERROR'
      } catch (e) {
        return e.type || e.name
      }
    })
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch(e => {
  console.error(`kafkajs_metadata failed: ${e && e.stack ? e.stack : e}`)
  process.exit(1)
})
