// ToJsonText: a Boost.JSON value as JSON text, with numbers as people write them. Boost.JSON 1.81
// prints every double in exponent form (6.25 → "6.25E0"); here a double is its shortest form
// that reads back to the same value ("6.25", "0.1", "1e+300"), and an integral double keeps a
// ".0" ("14.0") so it stays a float to a client that reads types. Everything else — strings and
// their escapes, integers, booleans, null, key order — is exactly boost::json::serialize's.
// Used wherever Conveyor turns a value into text it stores or answers with (payloads, results,
// event bodies).
#pragma once

#include <boost/json/value.hpp>
#include <string>

namespace conveyor {

std::string ToJsonText(const boost::json::value& value);
std::string ToJsonText(const boost::json::object& object);

// Appends `value`'s text to `out`.
void AppendJsonText(std::string& out, const boost::json::value& value);

}  // namespace conveyor
