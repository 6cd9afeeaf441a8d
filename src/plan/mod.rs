//! A strategy's plan: the timeline of every step from a start time —
//! what each step does, how long it takes, the capacity kept and the extra
//! capacity it needs, and the share of users on the new version — then the
//! monitoring period, and the §4 decision for the whole plan. Pure: the runner
//! executes these steps; `plan` and `check --strategy` only show or time them.
//!
//! `model` holds the plan's types, `strategy` finds the strategy to plan,
//! `timeline` lays out its steps and decides them, and `compare` sets the
//! strategies for one service and env side by side.

pub mod compare;
mod model;
mod strategy;
mod timeline;

pub use model::{Color, Plan, PlanStep, StepAction};
pub use strategy::{UnknownStrategy, find};
pub use timeline::{deploy_length, monitoring, plan, request};
