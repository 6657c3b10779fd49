#pragma once

// Field-level helpers shared by the generated message codecs (tools/gen_protocol.py).
// They pick the classic or compact form and enforce nullability, so each generated field
// is one call. `compact` = the field is in a flexible version; `nullable` = the schema's
// nullableVersions include this version. Not meant for use outside generated code.
//
// Decoding: a null where the version does not allow it fails the reader with
// kInvalidRequest. Encoding: a null (nullopt) value in a version that cannot carry null is
// written as empty, since Kafka's own encoders would refuse it and empty is the
// closest value a peer can read.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/reader.h"
#include "protocol/records.h"
#include "protocol/writer.h"

namespace gregor::protocol::internal {

void ReadString(Reader& r, bool compact, std::string& out);
void ReadString(Reader& r, bool compact, bool nullable, std::optional<std::string>& out);
void WriteString(Writer& w, bool compact, const std::string& v);
void WriteString(Writer& w, bool compact, bool nullable, const std::optional<std::string>& v);

void ReadBytes(Reader& r, bool compact, std::vector<uint8_t>& out);
void ReadBytes(Reader& r, bool compact, bool nullable, std::optional<std::vector<uint8_t>>& out);
void WriteBytes(Writer& w, bool compact, const std::vector<uint8_t>& v);
void WriteBytes(Writer& w, bool compact, bool nullable,
                const std::optional<std::vector<uint8_t>>& v);

void ReadRecords(Reader& r, bool compact, bool nullable, Records& out);
void WriteRecords(Writer& w, bool compact, bool nullable, const Records& v);

// Element count of an array: -1 (null) only when `nullable`, else 0..remaining().
int32_t ReadArrayCount(Reader& r, bool compact, bool nullable);
// `n` = -1 writes null; the caller passes 0 instead when the version is not nullable.
void WriteArrayCount(Writer& w, bool compact, int32_t n);

// Reads a tagged-field section and ignores every tag in it.
void SkipTaggedFields(Reader& r);

}  // namespace gregor::protocol::internal
