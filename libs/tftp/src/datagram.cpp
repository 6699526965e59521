#include "voicelab/tftp/datagram.hpp"

namespace voicelab::tftp {

std::string Endpoint::to_string() const { return address.to_string() + ":" + std::to_string(port); }

}  // namespace voicelab::tftp
