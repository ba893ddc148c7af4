#include "app/file_windows.h"

namespace profbufd {

FileWindows::FileWindows(Reader& reader, Publisher& publisher,
                         std::vector<const kinds::Kind*> kinds, Publisher::Sinks sinks,
                         std::size_t ncpu_slots)
    : reader_(reader), publisher_(publisher), kinds_(std::move(kinds)),
      sinks_(std::move(sinks)), nslots_(ncpu_slots) {}

std::shared_ptr<Window> FileWindows::make(const kinds::Kind& kind, std::uint64_t start_ns,
                                          std::int64_t start_unix_ns) const {
  auto w = std::make_shared<Window>(kind.id(), kind.accumulators().size(), start_ns, kOpenEnded,
                                    nslots_);
  w->start_unix_ns = start_unix_ns;
  w->books = kind.open_books(*w);
  return w;
}

Reader::OnClosed FileWindows::on_closed() const {
  Publisher& publisher = publisher_;
  Publisher::Sinks sinks = sinks_;
  return [&publisher, sinks](std::shared_ptr<Window> w) {
    // A run stopped between booking a rotation and its boundary leaves a next
    // window of no time at all: not worth a file unless late records landed.
    if (w->end_ns <= w->start_ns && w->stacks.size() == 0 && w->lost() == 0) return;
    publisher.push(std::move(w), sinks);
  };
}

void FileWindows::open(std::uint64_t start_ns, std::int64_t start_unix_ns) {
  start_ns_ = start_ns;
  start_unix_ns_ = start_unix_ns;
  for (const kinds::Kind* kind : kinds_) {
    auto w = make(*kind, start_ns, start_unix_ns);
    w->absorb_earlier = true;
    if (w->books) w->books->begin();
    reader_.open_window(w, on_closed());
    current_.push_back(std::move(w));
  }
}

void FileWindows::book(std::uint64_t at_ns) {
  // Wall-clock labels tile as the windows do.
  const std::int64_t at_unix = start_unix_ns_ + static_cast<std::int64_t>(at_ns - start_ns_);
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
    auto next = make(*kinds_[i], at_ns, at_unix);
    reader_.rotate(current_[i], next, at_ns, on_closed());
    ended_.push_back(std::exchange(current_[i], std::move(next)));
  }
}

void FileWindows::end_books(std::vector<std::shared_ptr<Window>>& windows) {
  for (auto& w : windows)
    if (w->books) w->books->end();
}

void FileWindows::boundary() {
  end_books(ended_);
  ended_.clear();
  for (auto& w : current_)
    if (w->books) w->books->begin();
}

void FileWindows::end() {
  end_books(ended_);
  ended_.clear();
  end_books(current_);
}

}  // namespace profbufd
