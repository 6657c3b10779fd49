#include "group/consumer_protocol.h"

#include "protocol/reader.h"

namespace gregor::group {

std::optional<std::set<std::string>> SubscribedTopics(const Group& group) {
  if (group.protocol_type() != kConsumerProtocolType || !group.protocol_name().has_value()) {
    return std::nullopt;
  }
  std::set<std::string> topics;
  for (const auto& [id, m] : group.members()) {
    const std::vector<uint8_t>* metadata = m.MetadataFor(*group.protocol_name());
    if (metadata == nullptr) return std::nullopt;
    protocol::Reader r(*metadata);
    int16_t version = r.ReadInt16();
    int32_t count = r.ReadArrayLength();
    if (!r.ok() || version < 0 || count < 0) return std::nullopt;
    for (int32_t i = 0; i < count; ++i) {
      std::string topic = r.ReadString();
      if (!r.ok()) return std::nullopt;
      topics.insert(std::move(topic));
    }
  }
  return topics;
}

}  // namespace gregor::group
