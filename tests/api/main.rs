//! Black-box tests: the real application over HTTP (and the real binary for the CLI and the
//! crash test), each with a fresh database, on SQLite and again on PostgreSQL.

mod helpers;
mod idempotency;
mod inspections;

mod blacklist;
mod cli;
mod durability;
mod enterprises;
mod evaluation;
mod explanations;
mod figures;
mod hardening;
mod hazards;
mod instances;
mod intake;
mod limits;
mod listed_supervision;
mod lists;
mod mail;
mod open311;
mod openapi;
mod oversight;
mod pages;
mod posters;
mod privacy;
mod public_cache;
mod reference;
mod reporter_side;
mod reports;
mod retention;
mod rewards;
mod signin;
mod sms;
mod sms_gateway;
mod smtp;
mod staff;
mod staff_pages;
mod stats;
mod supervision;
mod track;
mod triage;
mod upgrade;
