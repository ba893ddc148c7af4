#include "http/request_head.h"

#include <algorithm>
#include <cctype>

namespace profbufd::http {
namespace {

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool name_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

std::optional<std::size_t> whole_number(std::string_view v) {
  if (v.empty() || v.size() > 18) return std::nullopt;
  std::size_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

// The offset just past the empty line that ends the head, or nullopt.
std::optional<std::size_t> head_end(std::string_view data) {
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;
    if (without_cr(data.substr(pos, nl - pos)).empty()) return nl + 1;
    pos = nl + 1;
  }
}

}  // namespace

std::optional<std::string_view> header_value(std::string_view head, std::string_view name) {
  std::size_t pos = head.find('\n');  // header lines follow the request line
  while (pos != std::string_view::npos && pos + 1 < head.size()) {
    std::size_t nl = head.find('\n', pos + 1);
    if (nl == std::string_view::npos) nl = head.size();
    const std::string_view line = without_cr(head.substr(pos + 1, nl - pos - 1));
    if (line.empty()) break;  // the end of the head
    if (name_is(line, name)) return trimmed(line.substr(name.size() + 1));
    pos = nl;
  }
  return std::nullopt;
}

std::optional<std::size_t> content_length(std::string_view head) {
  const auto v = header_value(head, "Content-Length");
  return v ? whole_number(*v) : std::nullopt;
}

bool body_within(std::string_view head, std::size_t max_body) {
  if (header_value(head, "Transfer-Encoding")) return false;
  if (!header_value(head, "Content-Length")) return true;
  const auto length = content_length(head);
  return length && *length <= max_body;
}

RequestLine request_line(std::string_view head) {
  const std::string_view line = without_cr(head.substr(0, head.find('\n')));
  const std::size_t sp = line.find(' ');
  RequestLine r;
  r.method = line.substr(0, sp);
  if (sp == std::string_view::npos) return r;
  std::string_view target = line.substr(sp + 1);
  target = target.substr(0, target.find(' '));
  r.path = target.substr(0, target.find('?'));
  return r;
}

HeadScan scan_request_head(std::string_view data, std::size_t max_head, std::size_t max_body) {
  const auto end = head_end(data.substr(0, std::min(data.size(), max_head)));
  if (!end) {
    return {data.size() >= max_head ? HeadScan::State::kTooLarge : HeadScan::State::kIncomplete, 0};
  }
  const auto body = content_length(data.substr(0, *end));
  // No body, or one cpp-httplib refuses (413) or reads chunk by chunk: the
  // head is enough to hand over.
  if (!body || *body == 0 || *body > max_body) return {HeadScan::State::kComplete, *end};
  if (data.size() - *end < *body) return {HeadScan::State::kIncomplete, 0};
  return {HeadScan::State::kComplete, *end + *body};
}

}  // namespace profbufd::http
