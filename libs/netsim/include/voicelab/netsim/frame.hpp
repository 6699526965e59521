#pragma once
// Frames in flight: fixed-size buffers from a pool, shared by reference count so a switch that
// floods a frame to 47 ports copies nothing and the packet path never calls malloc in steady state.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "voicelab/wire/bytes.hpp"

namespace voicelab::netsim {

inline constexpr std::size_t frame_capacity = 1536;  // a tagged 1518-byte frame, with room

class FramePool;

struct FrameBuffer {
  std::uint32_t refs = 0;
  std::uint16_t length = 0;
  FramePool* pool = nullptr;
  FrameBuffer* next_free = nullptr;
  alignas(8) std::uint8_t data[frame_capacity];
};

// A counted reference to a pooled frame. Copying shares the bytes; write only to a frame you
// just allocated (use_count() == 1).
class FrameRef {
 public:
  FrameRef() noexcept = default;
  FrameRef(const FrameRef& other) noexcept : buffer_(other.buffer_) {
    if (buffer_) ++buffer_->refs;
  }
  FrameRef(FrameRef&& other) noexcept : buffer_(other.buffer_) { other.buffer_ = nullptr; }
  FrameRef& operator=(FrameRef other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  ~FrameRef() { release(); }

  explicit operator bool() const noexcept { return buffer_ != nullptr; }
  [[nodiscard]] wire::Bytes bytes() const noexcept { return {buffer_->data, buffer_->length}; }
  [[nodiscard]] std::size_t size() const noexcept { return buffer_->length; }
  // The whole buffer, for encoding into; then set the length with resize().
  [[nodiscard]] wire::MutableBytes storage() noexcept { return {buffer_->data, frame_capacity}; }
  void resize(std::size_t length) noexcept { buffer_->length = static_cast<std::uint16_t>(length); }
  [[nodiscard]] std::uint32_t use_count() const noexcept { return buffer_ ? buffer_->refs : 0; }

 private:
  friend class FramePool;
  explicit FrameRef(FrameBuffer* buffer) noexcept : buffer_(buffer) {}
  void release() noexcept;
  FrameBuffer* buffer_ = nullptr;
};

class FramePool {
 public:
  FramePool() = default;
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // An empty frame (length 0). Grows the pool in chunks when it runs dry.
  FrameRef allocate();
  // A frame holding a copy of `bytes` (at most frame_capacity bytes are copied).
  FrameRef copy_of(wire::Bytes bytes);

  [[nodiscard]] std::size_t capacity() const { return chunks_.size() * chunk_size; }
  [[nodiscard]] std::size_t in_use() const { return in_use_; }

 private:
  friend class FrameRef;
  void give_back(FrameBuffer* buffer) noexcept;
  static constexpr std::size_t chunk_size = 256;
  std::vector<std::unique_ptr<FrameBuffer[]>> chunks_;
  FrameBuffer* free_ = nullptr;
  std::size_t in_use_ = 0;
};

inline void FrameRef::release() noexcept {
  if (buffer_ && --buffer_->refs == 0) buffer_->pool->give_back(buffer_);
  buffer_ = nullptr;
}

}  // namespace voicelab::netsim
