#include "voicelab/cucm/node.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace voicelab::cucm {

const char* to_string(Service service) {
  switch (service) {
    case Service::call_manager:
      return "Cisco CallManager";
    case Service::tftp:
      return "Cisco TFTP";
  }
  return "?";
}

const char* to_string(Component component) {
  switch (component) {
    case Component::tftp:
      return "tftp";
    case Component::http:
      return "http";
    case Component::sip:
      return "sip";
  }
  return "?";
}

NodeConfig node_config(const provisioning::Node& node) {
  NodeConfig config;
  config.name = node.name;
  config.address = node.address;
  config.services.call_manager = node.services.call_manager;
  config.services.tftp = node.services.tftp;
  config.sip_port = node.sip_port;
  return config;
}

std::string NodeEvent::describe() const {
  struct Visitor {
    const NodeEvent& e;
    std::string operator()(const ServiceChange& c) const {
      std::string out =
          e.node + ": " + to_string(c.service) + (c.running ? " started" : " stopped");
      if (!c.reason.empty()) out += " (" + c.reason + ")";
      return out;
    }
    std::string operator()(const tftp::ServerEvent& t) const {
      return e.node + ": " + t.describe();
    }
    std::string operator()(const http::ServerEvent& h) const {
      return e.node + ": " + h.describe();
    }
    std::string operator()(const RegistrarEvent& r) const { return r.describe(); }
    std::string operator()(const TraceLine& t) const {
      // A log line carries its own time stamp: drop the trace's clock and name the node the way
      // every other line does ("cucm1: SIP/TCP in  conn 7 ...").
      std::string text = t.to_string();
      const std::size_t clock_end = text.find(' ');
      if (clock_end == std::string::npos) return text;
      std::string_view rest = std::string_view(text).substr(clock_end + 1);
      if (rest.starts_with(t.node) && rest.substr(t.node.size()).starts_with(' ')) {
        rest.remove_prefix(t.node.size() + 1);
      }
      return e.node + ": " + std::string(rest);
    }
  };
  return std::visit(Visitor{*this}, detail);
}

NodeConfig Node::validated(NodeConfig config) {
  if (config.name.empty()) throw std::invalid_argument("cucm::Node: empty node name");
  if (config.sip_port == 0 || config.http_port == 0 || config.tftp.listen_port == 0) {
    throw std::invalid_argument("cucm::Node " + config.name + ": a port is 0");
  }
  if (config.sip_port == config.http_port) {
    throw std::invalid_argument("cucm::Node " + config.name + ": SIP and HTTP share TCP port " +
                                std::to_string(config.sip_port));
  }
  // UDP: the node routes datagrams by destination port, so SIP must not fall among TFTP's.
  if (config.sip_port == config.tftp.listen_port ||
      (config.sip_port >= config.tftp.first_transfer_port &&
       config.sip_port <= config.tftp.last_transfer_port)) {
    throw std::invalid_argument("cucm::Node " + config.name + ": SIP port " +
                                std::to_string(config.sip_port) + " clashes with TFTP's ports");
  }
  config.registrar.node_name = config.name;
  return config;
}

Node::Node(NodeConfig config, const provisioning::Database& db, Random& random)
    : Node(std::move(config), db, std::make_shared<provisioning::ConfigFiles>(db), random) {}

Node::Node(NodeConfig config, const provisioning::Database& db,
           std::shared_ptr<provisioning::ConfigFiles> files, Random& random)
    : config_(validated(std::move(config))),
      db_(db),
      random_(random),
      files_(files ? std::move(files)
                   : throw std::invalid_argument("cucm::Node: no ConfigFiles to serve from")),
      directory_(db),
      registrar_(config_.registrar, directory_, random),
      call_manager_active_(config_.services.call_manager),
      tftp_active_(config_.services.tftp) {
  if (tftp_active_) {
    tftp_.emplace(config_.tftp, *files_, random_);
    http_.emplace(config_.http, *files_);
  } else {
    // Only to check the configuration now rather than at the first start_service().
    tftp::Server check(config_.tftp, *files_, random_);
  }
  if (!call_manager_active_) {
    // Never started: what the registrar says about stopping is not news.
    registrar_.stop(Time{});
    while (registrar_.poll_event()) {
    }
    while (registrar_.poll_trace()) {
    }
  }
}

// --- input ---------------------------------------------------------------------------------------

bool Node::tftp_port(std::uint16_t port) const {
  return port == config_.tftp.listen_port ||
         (port >= config_.tftp.first_transfer_port && port <= config_.tftp.last_transfer_port);
}

void Node::handle_datagram(Time now, const tftp::Datagram& in) {
  ++counters_.datagrams;
  const std::uint16_t port = in.destination.port;
  if (port == config_.sip_port && service_running(Service::call_manager)) {
    registrar_.handle_datagram(now, in.source.address, in.source.port, in.payload);
  } else if (tftp_port(port) && tftp_) {
    tftp_->handle_datagram(now, in);
  } else {
    ++counters_.datagrams_dropped;
  }
}

void Node::handle_accepted(Time now, ConnectionId conn, std::uint16_t local_port,
                           tftp::Endpoint peer) {
  ++counters_.connections;
  // The driver reused an id without handle_closed(): the old connection is gone.
  if (connections_.contains(conn)) handle_closed(now, conn);
  if (local_port == config_.http_port && http_) {
    connections_.emplace(conn, Connection{Component::http});
    http_->handle_opened(now, conn, peer);
  } else if (local_port == config_.sip_port && service_running(Service::call_manager)) {
    connections_.emplace(conn, Connection{Component::sip});
    registrar_.handle_accepted(now, conn, peer.address, peer.port);
  } else {
    ++counters_.connections_refused;
    outputs_.emplace_back(CloseConnection{conn});
  }
}

void Node::handle_bytes(Time now, ConnectionId conn, wire::Bytes bytes) {
  const auto it = connections_.find(conn);
  if (it == connections_.end() || it->second.close_sent) {
    counters_.bytes_ignored += bytes.size();
    return;
  }
  if (it->second.component == Component::http) {
    http_->handle_bytes(now, conn, bytes);
  } else {
    registrar_.handle_bytes(now, conn, bytes);
  }
}

void Node::handle_closed(Time now, ConnectionId conn) {
  const auto it = connections_.find(conn);
  if (it == connections_.end()) return;
  const Connection c = it->second;
  connections_.erase(it);
  if (c.detached) return;
  // Both engines want to hear it even after their own close (http::Server frees the id then).
  if (c.component == Component::http) {
    http_->handle_closed(now, conn);
  } else {
    registrar_.handle_closed(now, conn);
  }
}

// --- time ----------------------------------------------------------------------------------------

void Node::handle_timeout(Time now) {
  const auto due = [now](std::optional<Time> t) { return t && *t <= now; };
  if (due(registrar_.next_timeout())) registrar_.handle_timeout(now);
  if (tftp_ && due(tftp_->next_timeout())) tftp_->handle_timeout(now);
  if (http_ && due(http_->next_timeout())) http_->handle_timeout(now);
}

std::optional<Time> Node::next_timeout() const {
  std::optional<Time> next = registrar_.next_timeout();
  const auto consider = [&next](std::optional<Time> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (tftp_) consider(tftp_->next_timeout());
  if (http_) consider(http_->next_timeout());
  return next;
}

// --- output --------------------------------------------------------------------------------------

void Node::note_close(ConnectionId conn) {
  if (const auto it = connections_.find(conn); it != connections_.end()) {
    it->second.close_sent = true;
  }
}

std::optional<NodeOutput> Node::poll_transmit() {
  if (!outputs_.empty()) {
    std::optional<NodeOutput> out(std::move(outputs_.front()));
    outputs_.pop_front();
    return out;
  }
  if (tftp_) {
    if (auto d = tftp_->poll_transmit()) return NodeOutput(std::move(*d));
  }
  // Output for a connection the driver already reported gone is dropped: the HTTP server
  // answers a peer's close with a close of its own, which must not reach a new connection that
  // was given the same id.
  if (http_) {
    while (auto s = http_->poll_transmit()) {
      if (!connections_.contains(s->connection)) continue;
      switch (s->kind) {
        case http::StreamOutput::Kind::send:
          return NodeOutput(SendBytes{s->connection, std::move(s->bytes)});
        case http::StreamOutput::Kind::close:
          note_close(s->connection);
          return NodeOutput(CloseConnection{s->connection});
        case http::StreamOutput::Kind::open:
          break;  // a server never opens connections
      }
    }
  }
  while (auto command = registrar_.poll_stream()) {
    if (auto* close = std::get_if<CloseConnection>(&*command)) {
      if (!connections_.contains(close->conn)) continue;
      note_close(close->conn);
      return NodeOutput(*close);
    }
    auto& send = std::get<SendBytes>(*command);
    if (!connections_.contains(send.conn)) continue;
    return NodeOutput(std::move(send));
  }
  if (auto d = registrar_.poll_datagram()) {
    tftp::OutgoingDatagram out;
    out.destination = {d->address, d->port};
    out.source_port = config_.sip_port;
    out.payload = std::move(d->payload);
    return NodeOutput(std::move(out));
  }
  return std::nullopt;
}

std::optional<NodeEvent> Node::poll_event() {
  if (events_.empty()) collect_events();
  if (events_.empty()) return std::nullopt;
  std::optional<NodeEvent> out(std::move(events_.front()));
  events_.pop_front();
  return out;
}

void Node::collect_events() {
  const auto push = [this](Time at, Component component, auto detail) {
    events_.push_back(NodeEvent{at, config_.name, component, std::move(detail)});
  };
  // Trace lines first: a message's "in" and "out" lines then come before what it caused.
  while (auto t = registrar_.poll_trace()) push(t->at, Component::sip, std::move(*t));
  while (auto e = registrar_.poll_event()) push(e->at, Component::sip, std::move(*e));
  if (tftp_) {
    while (auto e = tftp_->poll_event()) push(e->time, Component::tftp, std::move(*e));
  }
  if (http_) {
    while (auto e = http_->poll_event()) push(e->time, Component::http, std::move(*e));
  }
}

// --- services ------------------------------------------------------------------------------------

bool Node::service_active(Service service) const {
  return service == Service::call_manager ? call_manager_active_ : tftp_active_;
}

bool Node::service_running(Service service) const { return up_ && service_active(service); }

void Node::push_service_event(Time now, Service service, bool running, const std::string& reason) {
  ++counters_.service_changes;
  if (service == Service::call_manager) return;  // the registrar's node_stopped/started say it
  events_.push_back(
      NodeEvent{now, config_.name, Component::tftp, ServiceChange{service, running, reason}});
}

void Node::detach(Component component) {
  std::vector<ConnectionId> ids;
  for (auto& [id, c] : connections_) {
    if (c.component == component && !c.detached) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());  // a deterministic order, whatever the hash map's
  for (const ConnectionId id : ids) {
    Connection& c = connections_.at(id);
    c.detached = true;
    // The registrar closes its own connections when it stops; the HTTP server is simply gone.
    if (component == Component::http && !c.close_sent) outputs_.emplace_back(CloseConnection{id});
    c.close_sent = true;
  }
}

void Node::set_running(Time now, Service service, bool run, const std::string& reason) {
  // Whatever the engines reported before the change goes out before it, and nothing of an
  // engine about to be dropped is lost.
  collect_events();
  if (service == Service::call_manager) {
    if (run) {
      registrar_.start(now);
    } else {
      registrar_.stop(now);
      detach(Component::sip);
    }
  } else if (run) {
    tftp_.emplace(config_.tftp, *files_, random_);
    http_.emplace(config_.http, *files_);
  } else {
    // The service is gone: transfers stop where they are, nothing queued is sent.
    tftp_.reset();
    http_.reset();
    detach(Component::http);
  }
  collect_events();
  push_service_event(now, service, run, reason);
}

void Node::stop_service(Time now, Service service) {
  if (!service_active(service)) return;
  if (up_) set_running(now, service, false, "service stopped");
  (service == Service::call_manager ? call_manager_active_ : tftp_active_) = false;
}

void Node::start_service(Time now, Service service) {
  if (service_active(service)) return;
  (service == Service::call_manager ? call_manager_active_ : tftp_active_) = true;
  if (up_) set_running(now, service, true, "service started");
}

void Node::stop(Time now) {
  if (!up_) return;
  for (const Service s : {Service::call_manager, Service::tftp}) {
    if (service_active(s)) set_running(now, s, false, "node stopped");
  }
  up_ = false;
}

void Node::start(Time now) {
  if (up_) return;
  up_ = true;
  for (const Service s : {Service::call_manager, Service::tftp}) {
    if (service_active(s)) set_running(now, s, true, "node started");
  }
}

std::vector<std::uint16_t> Node::listening_udp_ports() const {
  std::vector<std::uint16_t> ports;
  if (service_running(Service::tftp)) ports.push_back(config_.tftp.listen_port);
  if (service_running(Service::call_manager)) ports.push_back(config_.sip_port);
  std::sort(ports.begin(), ports.end());
  return ports;
}

std::vector<std::uint16_t> Node::listening_tcp_ports() const {
  std::vector<std::uint16_t> ports;
  if (service_running(Service::tftp)) ports.push_back(config_.http_port);
  if (service_running(Service::call_manager)) ports.push_back(config_.sip_port);
  std::sort(ports.begin(), ports.end());
  return ports;
}

std::vector<std::uint16_t> Node::tftp_transfer_ports() const {
  return tftp_ ? tftp_->transfer_ports() : std::vector<std::uint16_t>{};
}

const tftp::Server* Node::tftp_server() const { return tftp_ ? &*tftp_ : nullptr; }
const http::Server* Node::http_server() const { return http_ ? &*http_ : nullptr; }

}  // namespace voicelab::cucm
