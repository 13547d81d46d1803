//! chatons-audit checks from the outside whether a member of the CHATONS collective keeps the
//! charter's promises, and publishes the evidence.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! declaration ─► probe::Plan ─► probe::run (net) ─► Observations ─► check::ALL ─► Finding
//!                                                                        │
//!                                     report ◄── score::evaluate ◄───────┘
//! ```
//!
//! - [`declaration`]: what members say about themselves (YAML, ChatonsInfos, librehost.json).
//! - [`net`]: the only code that opens connections, with limits and the private-address guard.
//! - [`probe`]: plans and runs the probes, recording facts into [`observation::Observations`].
//! - [`check`]: pure judgements, one file per check, listed in [`check::ALL`].
//! - [`catalogue`]: the bilingual texts, commitments and weights embedded from `checks/`.
//! - [`score`]: findings plus catalogue weights give scores; no check knows its weight.
//! - [`report`]: renderers over one results value.
//! - [`world`]: the loopback fixture world for the demo, tests and benchmarks.

pub mod audit;
pub mod catalogue;
pub mod check;
pub mod config;
pub mod declaration;
pub mod finding;
pub mod net;
pub mod observation;
pub mod plan;
pub mod probe;
pub mod report;
pub mod score;
pub mod waiver;
pub mod world;
