//! Helpers shared by the integration tests: the hook scripts and their control files
//! (`hooks`), plan fixtures (`plan`), a served policy on a free port (`server`), the
//! market calendar facts (`market`), a fake GitHub API (`github`), the iCalendar fixtures (`ics`) and load
//! errors asserted by the text they underline (`diagnostic`).

pub mod diagnostic;
pub mod github;
pub mod hooks;
pub mod ics;
pub mod market;
pub mod plan;
pub mod server;
