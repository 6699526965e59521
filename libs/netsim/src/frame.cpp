#include "voicelab/netsim/frame.hpp"

#include <algorithm>
#include <cstring>

namespace voicelab::netsim {

FrameRef FramePool::allocate() {
  if (free_ == nullptr) {
    // Default-initialised: the 1536-byte payloads are not zeroed, only the bookkeeping fields.
    auto chunk = std::make_unique_for_overwrite<FrameBuffer[]>(chunk_size);
    for (std::size_t i = chunk_size; i-- > 0;) {
      FrameBuffer& b = chunk[i];
      b.refs = 0;
      b.length = 0;
      b.pool = this;
      b.next_free = free_;
      free_ = &b;
    }
    chunks_.push_back(std::move(chunk));
  }
  FrameBuffer* b = free_;
  free_ = b->next_free;
  b->next_free = nullptr;
  b->refs = 1;
  b->length = 0;
  ++in_use_;
  return FrameRef(b);
}

FrameRef FramePool::copy_of(wire::Bytes bytes) {
  FrameRef frame = allocate();
  const std::size_t n = std::min(bytes.size(), frame_capacity);
  if (n != 0) std::memcpy(frame.storage().data(), bytes.data(), n);
  frame.resize(n);
  return frame;
}

void FramePool::give_back(FrameBuffer* buffer) noexcept {
  buffer->next_free = free_;
  free_ = buffer;
  --in_use_;
}

}  // namespace voicelab::netsim
