//! The integration test binary: every module starts the real `hubspoke` binary on port 0 and talks HTTP to it.

mod support;
mod terraform;

mod authzen;
mod cli;
mod cli_commands;
mod console;
mod crash;
mod dns;
mod durability;
mod fuzz_smoke;
mod hostile;
mod identity;
mod isolation;
mod netns;
mod node_sdk;
mod observability;
mod openapi;
mod outage;
mod policies;
mod privacy;
mod propagation;
mod races;
mod readme;
mod replicas;
mod reset;
mod resource_bindings;
mod resource_groups;
mod roles;
mod sdk;
mod serve;
mod soak;
mod state;
mod transit_gateways;
mod user_suite;
mod vpc_rules;
