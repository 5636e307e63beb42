//! meldpunt: the Dutch national reporting facility for online calls to public disorder.
//!
//! See ARCHITECTURE.md for the map: `domain` (pure rules), `store` (all SQL),
//! `service` (use cases: a transaction, a rule, an audit entry), `web` (pages and API)
//! and `cli` (commands).

#![recursion_limit = "512"]

pub mod cli;
pub mod config;
pub mod domain;
pub mod logging;
pub mod mail;
pub mod objects;
pub mod service;
pub mod store;
pub mod web;
