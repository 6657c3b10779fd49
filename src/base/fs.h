#pragma once

// Small file-system helpers with Status errors (kKafkaStorageError and errno text).

#include <string>
#include <string_view>

#include "base/status.h"

namespace gregor {

// Writes `contents` to `path` crash-safely: write `path`.tmp, fsync it, rename it over
// `path`, fsync the directory. After a crash `path` holds the old or the new contents.
Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Reads a whole file. Errors: kKafkaStorageError (kUnknownServerError never).
Result<std::string> ReadFile(const std::string& path);

// fsync of a directory, so renames and creations in it are durable.
Status SyncDirectory(const std::string& dir);

// mkdir -p. Errors: kKafkaStorageError.
Status MakeDirectories(const std::string& dir);

}  // namespace gregor
