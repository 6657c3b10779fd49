// Topic and config administration through kafkajs's admin client (pinned in package.json).
//
// Usage: node kafkajs_admin.js BOOTSTRAP
// Runs a fixed scenario of admin calls and prints one JSON object on stdout: for each
// step, {"ok": <result>} or {"error": [<kafkajs error types>]}. kafkajs logs go to stderr.
'use strict'

const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs')

const [bootstrap] = process.argv.slice(2)
if (!bootstrap) {
  console.error('usage: node kafkajs_admin.js BOOTSTRAP')
  process.exit(2)
}

const kafka = new Kafka({
  clientId: 'gregor-it-kafkajs-admin',
  brokers: [bootstrap],
  logLevel: logLevel.NOTHING,
  retry: { retries: 0, initialRetryTime: 100 },
})

function errorTypes(e) {
  if (e.cause) return errorTypes(e.cause)
  if (e.originalError) return errorTypes(e.originalError)
  if (e.errors && e.errors.length) return e.errors.map(x => x.type || x.name)
  return [e.type || e.name]
}

async function step(fn) {
  try {
    const ok = await fn()
    return { ok: ok === undefined ? null : ok }
  } catch (e) {
    return { error: errorTypes(e) }
  }
}

function overrides(described) {
  const out = {}
  for (const r of described.resources) {
    for (const c of r.configEntries) {
      if (c.configSource === 1) out[c.configName] = c.configValue
    }
  }
  return out
}

async function main() {
  const admin = kafka.admin()
  await admin.connect()
  const out = {}
  try {
    out.create = await step(() => admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'js.bookings', numPartitions: 3, replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: '86400000' }] },
        { topic: 'js.replies', numPartitions: 1 },
      ],
    }))
    out.create_again = await step(() => admin.createTopics({
      topics: [{ topic: 'js.bookings', numPartitions: 3 }],
    }))
    out.create_rf3 = await step(() => admin.createTopics({
      topics: [{ topic: 'js.rf3', numPartitions: 1, replicationFactor: 3 }],
    }))
    out.create_bad_config = await step(() => admin.createTopics({
      topics: [{ topic: 'js.bad', numPartitions: 1,
                 configEntries: [{ name: 'retention.msec', value: '1' }] }],
    }))
    out.create_bad_name = await step(() => admin.createTopics({
      topics: [{ topic: 'js bad', numPartitions: 1 }],
    }))
    out.validate_only = await step(() => admin.createTopics({
      validateOnly: true, waitForLeaders: false, topics: [{ topic: 'js.dry', numPartitions: 1 }],
    }))
    out.grow = await step(() => admin.createPartitions({
      topicPartitions: [{ topic: 'js.bookings', count: 5 }],
    }))
    out.shrink = await step(() => admin.createPartitions({
      topicPartitions: [{ topic: 'js.bookings', count: 2 }],
    }))
    out.alter = await step(() => admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js.bookings',
                    configEntries: [{ name: 'cleanup.policy', value: 'compact' },
                                    { name: 'retention.ms', value: '3600000' }] }],
    }))
    out.alter_bad = await step(() => admin.alterConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js.bookings',
                    configEntries: [{ name: 'segment.bytes', value: 'big' }] }],
    }))
    out.overrides = await step(async () => overrides(await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js.bookings' }],
    })))
    out.describe_some = await step(async () => {
      const d = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'js.bookings',
                      configNames: ['retention.ms', 'segment.bytes'] }],
      })
      return d.resources[0].configEntries.map(c => ({
        name: c.configName, value: c.configValue, source: c.configSource,
        synonyms: c.configSynonyms.map(s => s.configName),
      }))
    })
    out.metadata = await step(async () => {
      const md = await admin.fetchTopicMetadata({ topics: ['js.bookings', 'js.replies'] })
      const counts = {}
      for (const t of md.topics) counts[t.name] = t.partitions.length
      return counts
    })
    out.delete = await step(() => admin.deleteTopics({ topics: ['js.replies'] }))
    out.listed = await step(async () => (await admin.listTopics()).sort())
    out.delete_missing = await step(() => admin.deleteTopics({ topics: ['js.none'] }))
  } finally {
    await admin.disconnect()
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
