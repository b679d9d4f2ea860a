//! Black-box tests: the real application over HTTP (and the real binary for the CLI and the
//! crash test), each with a fresh database, on SQLite and again on PostgreSQL.

mod helpers;

mod cli;
mod durability;
mod intake;
mod limits;
mod pages;
mod privacy;
mod reference;
mod staff;
mod track;
