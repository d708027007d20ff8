// What an HTTP status code means to a caller that may try the request again: the one place that
// decides which answers are worth retrying, for every outgoing request (http.request,
// document.pipeline's delivery, webhook attempts).
//
// Pure function; thread-safe.
#pragma once

namespace conveyor {

// True for 408 Request Timeout, 429 Too Many Requests and every 5xx (and above): the receiver
// may answer differently later. False for everything else — 2xx, 3xx (redirects are not
// followed), every other 4xx: asking again would get the same answer.
bool IsRetryableHttpStatus(long status);

}  // namespace conveyor
