#include "protocol/field_codec.h"

#include <string>

namespace gregor::protocol::internal {

void ReadString(Reader& r, bool compact, std::string& out) {
  out = compact ? r.ReadCompactString() : r.ReadString();
}

void ReadString(Reader& r, bool compact, bool nullable, std::optional<std::string>& out) {
  if (!nullable) {
    out = compact ? r.ReadCompactString() : r.ReadString();
    return;
  }
  out = compact ? r.ReadCompactNullableString() : r.ReadNullableString();
}

void WriteString(Writer& w, bool compact, const std::string& v) {
  if (compact) {
    w.WriteCompactString(v);
  } else {
    w.WriteString(v);
  }
}

void WriteString(Writer& w, bool compact, bool nullable, const std::optional<std::string>& v) {
  if (!v && nullable) {
    if (compact) {
      w.WriteUvarint(0);
    } else {
      w.WriteInt16(-1);
    }
    return;
  }
  const std::string_view s = v ? std::string_view(*v) : std::string_view();
  if (compact) {
    w.WriteCompactString(s);
  } else {
    w.WriteString(s);
  }
}

void ReadBytes(Reader& r, bool compact, std::vector<uint8_t>& out) {
  std::span<const uint8_t> b = compact ? r.ReadCompactBytes() : r.ReadBytes();
  out.assign(b.begin(), b.end());
}

void ReadBytes(Reader& r, bool compact, bool nullable, std::optional<std::vector<uint8_t>>& out) {
  if (!nullable) {
    ReadBytes(r, compact, out.emplace());
    return;
  }
  std::optional<std::span<const uint8_t>> b =
      compact ? r.ReadCompactNullableBytes() : r.ReadNullableBytes();
  if (b) {
    out.emplace(b->begin(), b->end());
  } else {
    out.reset();
  }
}

void WriteBytes(Writer& w, bool compact, const std::vector<uint8_t>& v) {
  if (compact) {
    w.WriteCompactBytes(v);
  } else {
    w.WriteBytes(v);
  }
}

void WriteBytes(Writer& w, bool compact, bool nullable,
                const std::optional<std::vector<uint8_t>>& v) {
  if (!v && nullable) {
    if (compact) {
      w.WriteUvarint(0);
    } else {
      w.WriteInt32(-1);
    }
    return;
  }
  std::span<const uint8_t> b;
  if (v) b = *v;
  if (compact) {
    w.WriteCompactBytes(b);
  } else {
    w.WriteBytes(b);
  }
}

void ReadRecords(Reader& r, bool compact, bool nullable, Records& out) {
  out = Records::Decode(r, compact);
  if (r.ok() && out.is_null() && !nullable) {
    r.Fail(ErrorCode::kInvalidRequest, "null records in a non-nullable field");
  }
}

void WriteRecords(Writer& w, bool compact, bool nullable, const Records& v) {
  if (v.is_null() && !nullable) {
    Records().Encode(w, compact);
    return;
  }
  v.Encode(w, compact);
}

int32_t ReadArrayCount(Reader& r, bool compact, bool nullable) {
  const int32_t n = compact ? r.ReadCompactArrayLength() : r.ReadArrayLength();
  if (n < 0 && !nullable) {
    r.Fail(ErrorCode::kInvalidRequest, "null array in a non-nullable field");
    return 0;
  }
  return n;
}

void WriteArrayCount(Writer& w, bool compact, int32_t n) {
  if (compact) {
    w.WriteCompactArrayLength(n);
  } else {
    w.WriteArrayLength(n);
  }
}

void SkipTaggedFields(Reader& r) {
  const uint32_t count = r.ReadUvarint();
  // Each tag takes at least two bytes, so a bogus count ends at the first failed read.
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    r.ReadUvarint();  // tag
    r.Skip(r.ReadUvarint());
  }
}

}  // namespace gregor::protocol::internal
