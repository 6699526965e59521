#pragma once
// Applying what DHCP gave a phone to its simulated IP stack: the driver hands the lease over in
// the client's lease_acquired / lease_renewed event, the phone's code (or a test) applies it.

#include "voicelab/dhcp/client.hpp"
#include "voicelab/netsim/host.hpp"

namespace voicelab::lab {

// Sets the interface's address and prefix (Lease::prefix()) and the host's default gateway
// (the first router of option 3; none when the lease has none).
void apply_lease(netsim::Host& host, netsim::InterfaceId interface, const dhcp::Lease& lease);
// Back to an unconfigured interface (0.0.0.0) without a default gateway: the lease expired,
// was released or NAKed.
void remove_lease(netsim::Host& host, netsim::InterfaceId interface);

}  // namespace voicelab::lab
