//! Tipline: a work-safety hazard tip-off portal (安全生产隐患举报平台).
//!
//! Layers, and what may import what (see README "Code layout"):
//! `domain` (pure rules, no I/O) ← `db` (diesel, both backends) ← `services` (use cases, one
//! transaction each) ← `web` (actix handlers). `secrets` holds the key material and the slow or
//! cryptographic primitives that `services` use; `mail` and `sms` send what `services` queued
//! (after commit). `config` and `i18n` (the languages and their texts) are leaves anyone may
//! read, and so is `metrics` (counters anyone may record into). Only `startup` sees everything.

pub mod config;
pub mod db;
pub mod domain;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod secrets;
pub mod services;
pub mod sms;
pub mod startup;
pub mod telemetry;
pub mod web;
