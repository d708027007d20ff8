// Structured logging: one JSON object per line on stderr (spdlog underneath).
// Every line has ts, level, event; callers add fields such as job_id and correlation_id.
// Every field value passes through RedactSecrets (core/secret_redaction.h). Thread-safe. Debug lines are dropped unless SetDebug(true) (DEBUG=1 / --debug).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace conveyor::log {

using Field = std::pair<std::string_view, std::string_view>;

void Init(bool debug);
bool DebugEnabled();
void Debug(std::string_view event, std::initializer_list<Field> fields = {});
void Info(std::string_view event, std::initializer_list<Field> fields = {});
void Warn(std::string_view event, std::initializer_list<Field> fields = {});
void Error(std::string_view event, std::initializer_list<Field> fields = {});

}  // namespace conveyor::log
