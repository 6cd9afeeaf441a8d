//! Helpers shared by the integration tests: the hook scripts and their control files
//! (`hooks`), plan fixtures (`plan`), a served policy on a free port (`server`), the
//! market calendar facts (`market`), the iCalendar fixtures (`ics`) and load
//! errors asserted by the text they underline (`diagnostic`), and a router at a
//! fixed time with the `deploy/` manifests read as YAML (`k8s`).

pub mod diagnostic;
pub mod hooks;
pub mod ics;
pub mod k8s;
pub mod market;
pub mod plan;
pub mod server;
