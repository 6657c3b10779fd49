#include "broker/handlers/fetch.h"

#include "broker/broker.h"
#include "broker/handlers/fetch_legacy.h"
#include "net/asio.h"
#include "protocol/messages/fetch_request.h"
#include "protocol/messages/fetch_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;
using PartitionData = FetchResponse::PartitionData;

constexpr int16_t kMinVersion = 0;
// Fetch v0-v3 predate record batches: they are served down-converted (fetch_legacy.h).
constexpr int16_t kFirstRecordBatchVersion = 4;
constexpr int16_t kMaxVersion = 16;
constexpr int8_t kReadCommitted = 1;

// One fetch request from arrival to answer. Lives on its connection's loop; append
// listeners (called on appending threads) only post a retry to that loop.
class FetchOperation : public std::enable_shared_from_this<FetchOperation> {
 public:
  FetchOperation(RequestContext ctx, FetchRequest request)
      : ctx_(std::move(ctx)), request_(std::move(request)), timer_(ctx_.conn->executor()) {}

  ~FetchOperation() { RemoveListeners(); }

  void Start() {
    if (request_.session_id != 0) {
      FetchResponse response;
      response.error_code = static_cast<int16_t>(ErrorCode::kFetchSessionIdNotFound);
      response.session_id = 0;
      SendResponse(ctx_, response);
      return;
    }
    Attempt(/*final=*/request_.max_wait_ms <= 0);
  }

 private:
  // Reads every partition; answers when enough is ready (or `final`), else waits.
  void Attempt(bool final) {
    if (done_ || ctx_.conn->closed()) return;
    FetchResponse response;
    int64_t bytes = 0;
    bool error = false;
    std::vector<storage::PartitionLog*> logs;
    Read(response, bytes, error, logs);
    if (final || error || bytes >= request_.min_bytes || logs.empty()) {
      done_ = true;
      timer_.cancel();
      RemoveListeners();
      SendResponse(ctx_, response);
      return;
    }
    if (!waiting_) {
      waiting_ = true;
      std::weak_ptr<FetchOperation> weak = weak_from_this();
      auto executor = ctx_.conn->executor();
      // The listener runs on the appending thread under the log's listener lock: it must
      // never own the operation, or dropping the last reference there would run the
      // destructor, whose RemoveAppendListener takes that lock again (a self-deadlock that
      // stalls the appending connection's loop). It only posts; the loop takes ownership.
      std::shared_ptr<std::atomic<bool>> posted = wake_posted_;
      for (storage::PartitionLog* log : logs) {
        uint64_t id = log->AddAppendListener([weak, executor, posted] {
          if (posted->exchange(true)) return;
          boost::asio::post(executor, [weak, posted] {
            posted->store(false);
            if (auto self = weak.lock()) self->Attempt(false);
          });
        });
        listeners_.emplace_back(log, id);
      }
      timer_.expires_after(std::chrono::milliseconds(request_.max_wait_ms));
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->Attempt(true);
      });
      // Data may have arrived between the read and the registration.
      Attempt(false);
    }
  }

  void Read(FetchResponse& response, int64_t& bytes, bool& error,
            std::vector<storage::PartitionLog*>& logs) {
    Broker& broker = *ctx_.broker;
    int16_t version = ctx_.api_version;
    bool read_committed = request_.isolation_level == kReadCommitted;
    int64_t budget = request_.max_bytes;
    response.session_id = 0;
    response.responses.reserve(request_.topics.size());
    for (const auto& t : request_.topics) {
      auto& rt = response.responses.emplace_back();
      rt.topic = t.topic;
      rt.topic_id = t.topic_id;
      std::shared_ptr<const cluster::TopicInfo> topic =
          version >= 13 ? broker.metadata().FindById(t.topic_id) : broker.metadata().Find(t.topic);
      ErrorCode missing =
          version >= 13 ? ErrorCode::kUnknownTopicId : ErrorCode::kUnknownTopicOrPartition;
      rt.partitions.reserve(t.partitions.size());
      for (const auto& p : t.partitions) {
        PartitionData& out = rt.partitions.emplace_back();
        out.partition_index = p.partition;
        out.records = protocol::Records::Owned({});
        if (read_committed) out.aborted_transactions.emplace();
        if (!cluster::HasPartition(topic.get(), p.partition)) {
          out.error_code = static_cast<int16_t>(missing);
          error = true;
          continue;
        }
        auto log = broker.GetPartition(*topic, PartitionId(p.partition));
        if (!log.ok()) {
          out.error_code = static_cast<int16_t>(log.status().code());
          error = true;
          continue;
        }
        logs.push_back(*log);
        int64_t limit = std::min<int64_t>(p.partition_max_bytes, std::max<int64_t>(budget, 0));
        if (version < kFirstRecordBatchVersion) {
          int64_t n = ReadDownConverted(**log, version, p.fetch_offset, limit,
                                        /*min_one=*/bytes == 0, out);
          if (out.error_code != 0) error = true;
          bytes += n;
          budget -= n;
          continue;
        }
        auto read = (*log)->Read(Offset(p.fetch_offset), limit, /*min_one_batch=*/bytes == 0,
                                 read_committed);
        out.high_watermark = (*log)->high_watermark().value();
        out.last_stable_offset = (*log)->last_stable_offset().value();
        out.log_start_offset = (*log)->log_start_offset().value();
        if (!read.ok()) {
          out.error_code = static_cast<int16_t>(read.status().code());
          error = true;
          continue;
        }
        out.high_watermark = read->high_watermark.value();
        // Kafka reports the last stable offset at either isolation level; read_committed
        // reads stop there and get the aborted transactions to drop.
        out.last_stable_offset = read->last_stable_offset.value();
        for (const storage::AbortedTxn& a : read->aborted) {
          auto& at = out.aborted_transactions->emplace_back();
          at.producer_id = a.producer_id.value();
          at.first_offset = a.first_offset.value();
        }
        out.log_start_offset = read->log_start_offset.value();
        for (const FileRegion& region : read->regions) out.records.AddFileRegion(region);
        bytes += read->bytes;
        budget -= read->bytes;
      }
    }
  }

  void RemoveListeners() {
    for (auto& [log, id] : listeners_) log->RemoveAppendListener(id);
    listeners_.clear();
  }

  RequestContext ctx_;
  FetchRequest request_;
  boost::asio::steady_timer timer_;
  std::vector<std::pair<storage::PartitionLog*, uint64_t>> listeners_;
  // Set while a wake-up is posted, so a burst of appends posts one. Shared with the
  // listeners, which may outlive the operation by a moment.
  std::shared_ptr<std::atomic<bool>> wake_posted_ = std::make_shared<std::atomic<bool>>(false);
  bool waiting_ = false;
  bool done_ = false;
};

void Handle(RequestContext ctx, FetchRequest request) {
  std::make_shared<FetchOperation>(std::move(ctx), std::move(request))->Start();
}

}  // namespace

HandlerEntry FetchHandler() {
  return {FetchRequest::kApiKey, kMinVersion, kMaxVersion, &DecodeAndHandle<FetchRequest, &Handle>};
}

}  // namespace gregor::broker
