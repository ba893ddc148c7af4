// The kinds a run loads after sampling starts: those HTTP serves beyond the
// CPU kind and --profiles (app/capture_setup.h KindNeeds::optional).
//
// Loading a kind's BPF programs takes the verifier's time: on a 2-CPU VM the
// heap kind's uprobe programs take ~0.8 s, block ~0.45 s, all of them ~2 s.
// Were they loaded before sampling starts, the run's first window would hold
// the CPU samples of those seconds too (the CPU kind samples from its attach
// on) and every scrape, push and file would wait for them. So sampling starts
// with the kinds the run writes files of, and a thread then loads the others
// one by one, handing each attachment to the capture (Capture::add).
//
// Until a kind is loaded it reads as not running (a stand-in for its links,
// Kind::link_on_demand), and a request for it waits for it (await(), bounded);
// one that still finds it loading answers 503, and one for a kind that failed
// to load answers 501 with why (unavailable()).
//
// Threads: start() and stop() on the run's thread; await(), unavailable() and
// write_metrics() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "capture/attachment.h"
#include "common/error.h"
#include "common/hold.h"
#include "kinds/kind.h"
#include "metrics/metric_writer.h"

namespace profbufd {

class LateKinds {
 public:
  // How long a request waits for its kind to load before it answers 503.
  static constexpr std::chrono::seconds kRequestWait{30};

  using Attach = std::function<Result<std::unique_ptr<capture::Attachment>>()>;
  struct Late {
    const kinds::Kind* kind = nullptr;  // must outlive this object
    Attach attach;                      // loads it (on the loading thread)
  };
  // Takes a loaded kind's attachment (Capture::add).
  using Add = std::function<void(std::unique_ptr<capture::Attachment>)>;

  // Every kind reads as loading from now on, until start() has loaded it.
  LateKinds(std::vector<Late> late, Add add);
  ~LateKinds();  // stop()
  LateKinds(const LateKinds&) = delete;
  LateKinds& operator=(const LateKinds&) = delete;

  // Loads the kinds in order on a thread of its own. Once.
  void start();
  // Loads no kind after the one being loaded, waits for that one, and wakes
  // every await(). Idempotent.
  void stop();

  // Returns once `kind` has loaded or failed, stop() has run, or `timeout` has
  // passed; at once for a kind not loaded late.
  void await(std::string_view kind, std::chrono::milliseconds timeout) const;
  // Why `kind` cannot be collected now: the error its loading failed with
  // (kBpfLoad, kNoPrivilege...), or kRuntime while it still loads (or when
  // stop() came first). nullopt once loaded, and for a kind not loaded late.
  std::optional<Error> unavailable(std::string_view kind) const;
  // True once every kind has loaded or failed.
  bool settled() const;

  // profbufd_kind_state{kind,state}: 1 for the state each kind is in.
  void write_metrics(metrics::MetricWriter& w) const;

 private:
  enum class State { kLoading, kReady, kUnavailable };
  struct Entry {
    Late late;
    std::shared_ptr<HoldSource> stand_in;  // its links while it loads
    State state = State::kLoading;         // guarded by mu_
    Error error;                           // set with kUnavailable
  };

  void run();
  void load(Entry& e);
  const Entry* find(std::string_view kind) const;

  std::vector<Entry> entries_;
  const Add add_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace profbufd
