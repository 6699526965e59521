#pragma once
// Boost.Beast used as a codec only (buffer-mode parsers, the serializer): no Asio I/O object, no
// socket, no timer. Not installed; Beast never appears in the public headers.

#include <cstdint>
#include <vector>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>

namespace voicelab::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// The whole message (start line, fields and body) as bytes, through Beast's serializer.
template <bool isRequest, class Body, class Fields>
std::vector<std::uint8_t> serialize(bhttp::message<isRequest, Body, Fields>& message) {
  bhttp::serializer<isRequest, Body, Fields> serializer{message};
  std::vector<std::uint8_t> out;
  beast::error_code ec;
  while (!ec && !serializer.is_done()) {
    serializer.next(ec, [&](beast::error_code&, const auto& buffers) {
      std::size_t used = 0;
      for (const auto buffer : beast::buffers_range_ref(buffers)) {
        const auto* p = static_cast<const std::uint8_t*>(buffer.data());
        out.insert(out.end(), p, p + buffer.size());
        used += buffer.size();
      }
      serializer.consume(used);
    });
  }
  return out;
}

// A view of bytes as the buffer type Beast's parsers take.
inline beast::net::const_buffer buffer_of(const void* data, std::size_t size) {
  return {data, size};
}

}  // namespace voicelab::http::detail
