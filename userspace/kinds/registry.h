// Every profile kind profbufd has, in one table (registry.cpp): how to make
// one from the command line and how to attach its BPF program. The app wires
// the kinds it needs from here; nothing else refers to a kind by name.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "capture/attachment.h"
#include "cli/options.h"
#include "common/error.h"
#include "kinds/kind.h"

namespace profbufd::kinds {

struct Registration {
  std::string_view name;  // Kind::name() of what make() returns
  std::unique_ptr<Kind> (*make)(const cli::Options& options);
  // `kind` is what make() returned.
  Result<std::unique_ptr<capture::Attachment>> (*attach)(const Kind& kind,
                                                          const capture::AttachContext& ctx);
  // For a kind that records only on request (heap: probes per process;
  // goroutine: a snapshot): why --profiles refuses it (its file windows would
  // be empty), and what to ask instead. Empty for the kinds a file window can
  // take. Every kind left out of --profiles loads with --http-listen.
  std::string_view request_only_why = {};
  std::string_view request_only_hint = {};

  bool request_only() const { return !request_only_why.empty(); }
};

std::span<const Registration* const> registered();
const Registration* find(std::string_view name);

}  // namespace profbufd::kinds
