// AdminClient's consumer-group operations (declared in admin_client.h).

#include <fmt/format.h>

#include <algorithm>

#include "cli/admin_call.h"
#include "cli/admin_client.h"

namespace gregor::cli {
namespace {

std::vector<TopicPartitionRef> Partitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartitionRef> out;
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status ErrorOf(const rd_kafka_error_t* e) {
  if (e == nullptr) return Status::Ok();
  return RdkafkaStatus(rd_kafka_error_code(e), rd_kafka_error_string(e));
}

}  // namespace

Result<std::vector<GroupListing>> AdminClient::ListGroups() {
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, false);
  rd_kafka_ListConsumerGroups(handle_->get(), call.options(), call.queue());
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(ev);
  size_t n = 0;
  const rd_kafka_error_t** errors = rd_kafka_ListConsumerGroups_result_errors(result, &n);
  if (n > 0) return ErrorOf(errors[0]);
  const rd_kafka_ConsumerGroupListing_t** groups =
      rd_kafka_ListConsumerGroups_result_valid(result, &n);
  std::vector<GroupListing> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(
        {rd_kafka_ConsumerGroupListing_group_id(groups[i]),
         rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i])),
         rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]) != 0});
  }
  std::sort(out.begin(), out.end(),
            [](const GroupListing& a, const GroupListing& b) { return a.id < b.id; });
  return out;
}

Result<GroupDescription> AdminClient::DescribeGroup(const std::string& group) {
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, false);
  const char* ids[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(handle_->get(), ids, 1, call.options(), call.queue());
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** groups =
      rd_kafka_DescribeConsumerGroups_result_groups(
          rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
  if (n != 1) return Status(ErrorCode::kUnknownServerError, "no description for " + group);
  const rd_kafka_ConsumerGroupDescription_t* g = groups[0];
  GREGOR_RETURN_IF_ERROR(ErrorOf(rd_kafka_ConsumerGroupDescription_error(g)));
  GroupDescription out;
  out.id = group;
  out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g));
  if (const char* a = rd_kafka_ConsumerGroupDescription_partition_assignor(g)) out.assignor = a;
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(g); ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(g, i);
    GroupMember member;
    if (const char* v = rd_kafka_MemberDescription_consumer_id(m)) member.member_id = v;
    if (const char* v = rd_kafka_MemberDescription_group_instance_id(m)) member.instance_id = v;
    if (const char* v = rd_kafka_MemberDescription_client_id(m)) member.client_id = v;
    if (const char* v = rd_kafka_MemberDescription_host(m)) member.host = v;
    member.assignment =
        Partitions(rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m)));
    out.members.push_back(std::move(member));
  }
  std::sort(out.members.begin(), out.members.end(),
            [](const GroupMember& a, const GroupMember& b) { return a.member_id < b.member_id; });
  return out;
}

Result<std::vector<CommittedOffset>> AdminClient::GroupOffsets(const std::string& group) {
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, false);
  rd_kafka_ListConsumerGroupOffsets_t* req =
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr);
  rd_kafka_ListConsumerGroupOffsets(handle_->get(), &req, 1, call.options(), call.queue());
  rd_kafka_ListConsumerGroupOffsets_destroy(req);
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
      rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
  if (n != 1) return Status(ErrorCode::kUnknownServerError, "no offsets for " + group);
  GREGOR_RETURN_IF_ERROR(ErrorOf(rd_kafka_group_result_error(groups[0])));
  const rd_kafka_topic_partition_list_t* list = rd_kafka_group_result_partitions(groups[0]);
  std::vector<CommittedOffset> out;
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    out.push_back({{e.topic, e.partition}, e.offset, RdkafkaStatus(e.err)});
  }
  std::sort(out.begin(), out.end(),
            [](const CommittedOffset& a, const CommittedOffset& b) { return a.tp < b.tp; });
  return out;
}

Result<std::vector<Status>> AdminClient::CommitGroupOffsets(
    const std::string& group, const std::vector<CommittedOffset>& offsets) {
  std::vector<Status> out;
  if (offsets.empty()) return out;
  AdminCall call(*handle_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, false);
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const CommittedOffset& o : offsets) {
    rd_kafka_topic_partition_list_add(list, o.tp.topic.c_str(), o.tp.partition)->offset = o.offset;
  }
  rd_kafka_AlterConsumerGroupOffsets_t* req =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_AlterConsumerGroupOffsets(handle_->get(), &req, 1, call.options(), call.queue());
  rd_kafka_AlterConsumerGroupOffsets_destroy(req);
  GREGOR_ASSIGN_OR_RETURN(rd_kafka_event_t * ev, call.Wait());
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
  if (n != 1) return Status(ErrorCode::kUnknownServerError, "no result for " + group);
  Status group_error = ErrorOf(rd_kafka_group_result_error(groups[0]));
  const rd_kafka_topic_partition_list_t* result = rd_kafka_group_result_partitions(groups[0]);
  for (const CommittedOffset& o : offsets) {
    Status s = group_error;
    for (int i = 0; s.ok() && result != nullptr && i < result->cnt; ++i) {
      if (o.tp.topic == result->elems[i].topic && o.tp.partition == result->elems[i].partition) {
        s = RdkafkaStatus(result->elems[i].err);
      }
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace gregor::cli
