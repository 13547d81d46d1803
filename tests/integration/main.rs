//! The one integration test binary: the CLI end to end, and each capability against the
//! loopback fixture world.

mod common;
// Declarations: YAML members files, ChatonsInfos properties, librehost.json.
mod declaration;
// The network layer and the basic probes, against local servers.
mod net;
// The fixture world itself.
mod world;
// The CLI end to end: validate, audit, replay, exit codes.
mod cli;
// Encryption checks against the world.
mod encryption;
// Third parties and trackers.
mod third_party;
// Free-software disclosure.
mod software;
// Transparency documents.
mod transparency;
// Report formats and the scorecard site.
mod reports;
// Verdicts of every profile of the fixture world, end to end through the CLI.
mod world_verdicts;
// Agreement with a peer tool (sslyze) on the world's TLS profiles.
mod peers;
