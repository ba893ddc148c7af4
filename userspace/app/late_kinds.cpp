#include "app/late_kinds.h"

#include <cstdio>
#include <string>
#include <utility>

#include "common/log.h"

namespace profbufd {
namespace {

std::string profile_of(std::string_view kind) { return "the " + std::string(kind) + " profile"; }

// A loading kind's links: its programs do not run, and there is nothing to
// hold (requests check unavailable() first, so none should ask).
class Loading final : public HoldSource {
 public:
  explicit Loading(std::string_view kind) : kind_(kind) {}
  Hold acquire() override {
    return Hold::refused(Hold::Refusal::kUnsupported,
                         make_error(ExitCode::kRuntime, profile_of(kind_),
                                    "its BPF programs are not loaded"));
  }
  bool active() const override { return false; }

 private:
  std::string kind_;
};

std::string seconds_since(std::chrono::steady_clock::time_point t0) {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", s);
  return buf;
}

}  // namespace

LateKinds::LateKinds(std::vector<Late> late, Add add) : add_(std::move(add)) {
  for (Late& l : late) {
    const kinds::Kind* kind = l.kind;
    auto stand_in = std::make_shared<Loading>(kind->name());
    kind->link_on_demand(stand_in);
    entries_.push_back(Entry{std::move(l), std::move(stand_in), State::kLoading, Error{}});
  }
}

LateKinds::~LateKinds() { stop(); }

void LateKinds::start() {
  if (thread_.joinable() || entries_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void LateKinds::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LateKinds::run() {
  const auto t0 = std::chrono::steady_clock::now();
  std::string ready, failed;
  for (Entry& e : entries_) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    load(e);
    std::lock_guard lock(mu_);
    std::string& list = e.state == State::kReady ? ready : failed;
    list += (list.empty() ? "" : ", ") + std::string(e.late.kind->name());
  }
  log::info("profiles served on request loaded in " + seconds_since(t0) +
            ": ready: " + (ready.empty() ? "none" : ready) +
            (failed.empty() ? "" : "; unavailable: " + failed));
}

// The attachment goes to the capture before the kind reads as ready, so that
// the capture's stop() detaches whatever a request could have used.
void LateKinds::load(Entry& e) {
  auto attached = e.late.attach();
  if (attached) {
    add_(std::move(attached).value());
    e.late.kind->unlink_on_demand(e.stand_in.get());
  } else {
    const Error& why = attached.error();
    log::warning(profile_of(e.late.kind->name()) + " is unavailable (its requests answer 501): " +
                 why.what + ": " + why.why);
  }
  {
    std::lock_guard lock(mu_);
    if (attached) {
      e.state = State::kReady;
    } else {
      e.state = State::kUnavailable;
      e.error = attached.error();
    }
  }
  cv_.notify_all();
}

const LateKinds::Entry* LateKinds::find(std::string_view kind) const {
  for (const Entry& e : entries_)
    if (e.late.kind->name() == kind) return &e;
  return nullptr;
}

void LateKinds::await(std::string_view kind, std::chrono::milliseconds timeout) const {
  const Entry* e = find(kind);
  if (e == nullptr) return;
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return stopping_ || e->state != State::kLoading; });
}

std::optional<Error> LateKinds::unavailable(std::string_view kind) const {
  const Entry* e = find(kind);
  if (e == nullptr) return std::nullopt;
  std::lock_guard lock(mu_);
  switch (e->state) {
    case State::kReady: return std::nullopt;
    case State::kUnavailable: return e->error;
    case State::kLoading: break;
  }
  if (stopping_)
    return make_error(ExitCode::kRuntime, profile_of(kind),
                      "sampling stopped before its BPF programs loaded");
  return make_error(ExitCode::kRuntime, profile_of(kind),
                    "its BPF programs are still loading (sampling started moments ago)",
                    "retry in a few seconds");
}

bool LateKinds::settled() const {
  std::lock_guard lock(mu_);
  for (const Entry& e : entries_)
    if (e.state == State::kLoading) return false;
  return true;
}

void LateKinds::write_metrics(metrics::MetricWriter& w) const {
  static constexpr std::pair<State, const char*> kStates[] = {
      {State::kLoading, "loading"}, {State::kReady, "ready"}, {State::kUnavailable, "unavailable"}};
  std::lock_guard lock(mu_);
  for (const Entry& e : entries_)
    for (const auto& [state, name] : kStates)
      w.gauge("profbufd_kind_state",
              "1 for the state of each kind HTTP serves beyond --profiles, whose BPF programs "
              "load after sampling starts: loading, ready, or unavailable (failed to load; "
              "its requests answer 501)",
              {{"kind", std::string(e.late.kind->name())}, {"state", name}},
              e.state == state ? 1 : 0);
}

}  // namespace profbufd
