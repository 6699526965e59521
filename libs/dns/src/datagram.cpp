#include "voicelab/dns/datagram.hpp"

namespace voicelab::dns {

std::string Endpoint::to_string() const { return address.to_string() + ":" + std::to_string(port); }

}  // namespace voicelab::dns
