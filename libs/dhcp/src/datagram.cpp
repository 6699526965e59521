#include "voicelab/dhcp/datagram.hpp"

namespace voicelab::dhcp {

std::string Endpoint::to_string() const { return address.to_string() + ":" + std::to_string(port); }

}  // namespace voicelab::dhcp
