"""Topic and config administration through kafka-python 2.0.2's KafkaAdminClient, which
sends CreateTopics v3, DeleteTopics v3, CreatePartitions v1, DescribeConfigs v2 and
AlterConfigs v1 to the controller named in Metadata.
"""

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import (InvalidConfigurationError, InvalidPartitionsError,
                          InvalidReplicationFactorError, InvalidTopicError,
                          TopicAlreadyExistsError, UnknownTopicOrPartitionError)

DYNAMIC_TOPIC_CONFIG = 1
DEFAULT_CONFIG = 5


@pytest.fixture
def admin(broker):
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="gregor-it-kp",
                              request_timeout_ms=10000)
    yield client
    client.close()


def topic_configs(admin, name, synonyms=False):
    (resp,) = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)],
                                     include_synonyms=synonyms)
    (resource,) = resp.resources
    error_code, error_message, _type, resource_name, entries = resource
    assert error_code == 0, (error_code, error_message)
    assert resource_name == name
    # v2 entries: (name, value, read_only, source, is_sensitive, synonyms)
    return {e[0]: e for e in entries}


def test_create_list_describe_delete(admin, broker):
    admin.create_topics([NewTopic("kp.orders", 4, 1, topic_configs={"retention.ms": "60000"}),
                         NewTopic("kp.audit", 1, 1)])
    assert sorted(admin.list_topics()) == ["kp.audit", "kp.orders"]
    (desc,) = admin.describe_topics(["kp.orders"])
    assert len(desc["partitions"]) == 4

    configs = topic_configs(admin, "kp.orders", synonyms=True)
    name, value, read_only, source, sensitive, synonyms = configs["retention.ms"]
    assert (value, read_only, source, sensitive) == ("60000", False, DYNAMIC_TOPIC_CONFIG, False)
    assert [s[0] for s in synonyms] == ["retention.ms", "log.retention.ms"]
    assert configs["cleanup.policy"][1:4] == ("delete", False, DEFAULT_CONFIG)

    admin.delete_topics(["kp.orders"])
    assert admin.list_topics() == ["kp.audit"]


def test_create_errors_are_raised(admin):
    admin.create_topics([NewTopic("kp.exists", 1, 1)])
    with pytest.raises(TopicAlreadyExistsError):
        admin.create_topics([NewTopic("kp.exists", 1, 1)])
    with pytest.raises(InvalidTopicError):
        admin.create_topics([NewTopic("kp_exists", 1, 1)])  # '.'/'_' collision
    with pytest.raises(InvalidTopicError):
        admin.create_topics([NewTopic("no spaces", 1, 1)])
    with pytest.raises(InvalidReplicationFactorError):
        admin.create_topics([NewTopic("kp.rf3", 1, 3)])
    with pytest.raises(InvalidConfigurationError):
        admin.create_topics([NewTopic("kp.cfg", 1, 1, topic_configs={"retention.mss": "1"})])
    with pytest.raises(InvalidConfigurationError):
        admin.create_topics([NewTopic("kp.cfg", 1, 1,
                                      topic_configs={"message.timestamp.type": "Wall"})])
    with pytest.raises(InvalidPartitionsError):
        admin.create_topics([NewTopic("kp.zero", 0, 1)])
    assert admin.list_topics() == ["kp.exists"]


def test_validate_only(admin):
    admin.create_topics([NewTopic("kp.dry", 2, 1)], validate_only=True)
    assert admin.list_topics() == []


def test_create_partitions(admin):
    admin.create_topics([NewTopic("kp.grow", 1, 1)])
    admin.create_partitions({"kp.grow": NewPartitions(3)})
    (desc,) = admin.describe_topics(["kp.grow"])
    assert sorted(p["partition"] for p in desc["partitions"]) == [0, 1, 2]
    with pytest.raises(InvalidPartitionsError):
        admin.create_partitions({"kp.grow": NewPartitions(2)})
    with pytest.raises(UnknownTopicOrPartitionError):
        admin.create_partitions({"kp.missing": NewPartitions(2)})


def test_alter_configs(admin):
    admin.create_topics([NewTopic("kp.conf", 1, 1)])
    (resp,) = [admin.alter_configs([ConfigResource(
        ConfigResourceType.TOPIC, "kp.conf",
        configs={"cleanup.policy": "compact", "delete.retention.ms": "1000"})])]
    assert [r[0] for r in resp.resources] == [0], resp
    configs = topic_configs(admin, "kp.conf")
    assert configs["cleanup.policy"][1] == "compact"
    assert configs["cleanup.policy"][3] == DYNAMIC_TOPIC_CONFIG
    assert configs["delete.retention.ms"][1] == "1000"

    resp = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, "kp.conf",
                                               configs={"cleanup.policy": "sometimes"})])
    (error_code, message, _type, _name) = resp.resources[0]
    assert error_code == InvalidConfigurationError.errno, resp
    assert "cleanup.policy" in message


def test_describe_missing_topic(admin):
    (resp,) = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, "kp.none")])
    assert resp.resources[0][0] == UnknownTopicOrPartitionError.errno


def test_describe_broker(admin):
    (resp,) = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, "1")])
    error_code, _msg, _type, name, entries = resp.resources[0]
    assert error_code == 0 and name == "1"
    by_name = {e[0]: e for e in entries}
    assert by_name["auto.create.topics.enable"][1] == "true"
    # Only the broker defaults of topic configs change at run time.
    assert not by_name["log.retention.ms"][2] and not by_name["message.max.bytes"][2]
    assert by_name["num.partitions"][2] and by_name["listeners"][2]
