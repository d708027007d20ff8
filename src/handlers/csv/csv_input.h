// ReadCsvInput: streams the bytes of a CSV job's input_uri to a sink, chunk by chunk, so a
// file of any size costs one buffer of memory. Sources:
//   /absolute/path or file:///absolute/path   read() in 1 MiB chunks, only from the input
//                                              directories (csv_input_dirs.h)
//   http://… or https://…                      libcurl (outbound/http_client.h) under the URL
//                                              policy, checked again at connect time
// The sink gets each chunk and the total size (-1 when the server sent no Content-Length);
// a non-OK Status from the sink stops the read and is returned as is.
//
// Errors: FailedPrecondition when the file cannot be opened or the server answers 4xx (the
// input is wrong: retrying will not help); Unavailable for read errors, 5xx/408/429 answers and
// connection failures (worth a retry); Cancelled once `cancelled` returns true.
// Thread-safety: stateless; calls may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "handlers/csv/csv_input_dirs.h"
#include "outbound/url_policy.h"

namespace conveyor {

// Where a CSV job may read from: HTTP under the URL policy, local files from the input dirs.
struct CsvInputSources {
  UrlPolicy policy{.allow_private = true};
  CsvInputDirs dirs;
};

using CsvChunkSink = std::function<Status(std::string_view chunk, int64_t total_bytes)>;

// True for the forms above (checked at submit); `message` says what is wrong otherwise.
bool IsCsvInputUri(std::string_view uri, const CsvInputSources& sources, std::string* message);

Status ReadCsvInput(const std::string& uri, const CsvInputSources& sources,
                    const std::function<bool()>& cancelled, const CsvChunkSink& sink);

}  // namespace conveyor
