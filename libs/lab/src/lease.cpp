#include "voicelab/lab/lease.hpp"

namespace voicelab::lab {

void apply_lease(netsim::Host& host, netsim::InterfaceId interface, const dhcp::Lease& lease) {
  host.set_interface_address(interface, lease.prefix());
  host.set_default_gateway(lease.routers.empty()
                               ? std::nullopt
                               : std::optional<wire::Ipv4Address>(lease.routers.front()));
}

void remove_lease(netsim::Host& host, netsim::InterfaceId interface) {
  host.set_interface_address(interface, std::nullopt);
  host.set_default_gateway(std::nullopt);
}

}  // namespace voicelab::lab
