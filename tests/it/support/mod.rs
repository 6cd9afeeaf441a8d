//! Helpers shared by the integration tests: the hook scripts and their control files
//! (`hooks`), plan fixtures (`plan`), a served policy on a free port (`server`), the
//! market calendar facts (`market`), a fake GitHub API (`github`), the iCalendar
//! fixtures (`ics`), load errors asserted by the text they underline
//! (`diagnostic`), a real Prometheus with backfilled samples (`prometheus`), test certificates and an HTTPS client (`tls`), a router at a
//! fixed time with the `deploy/` manifests read as YAML (`k8s`), and the CI
//! runners in miniature that run the GitHub Action (`github_runner`) and the
//! GitLab component (`gitlab_runner`), with what they share (`ci`).

pub mod ci;
pub mod diagnostic;
pub mod github;
pub mod github_runner;
pub mod gitlab_runner;
pub mod hooks;
pub mod ics;
pub mod k8s;
pub mod market;
pub mod plan;
pub mod postgres;
pub mod prometheus;
pub mod server;
pub mod tls;
