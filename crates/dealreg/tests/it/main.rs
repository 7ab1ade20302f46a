//! Every integration test of dealreg in one test binary, one module per area (eight binaries, each
//! linking the whole server, took eight links on every change). nextest still runs each test in its
//! own process.

mod api;
mod bench;
mod browser;
mod cli;
mod crash;
mod pages;
mod scale_out;
mod server;
mod smtp;
