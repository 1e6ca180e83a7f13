//! Jump-Up's generator, benchmarks and demonstration story, over the services: the quote
//! benchmark and its case generator (`quotes`), the settlement-month benchmark (`settle`) and
//! the demo portfolio (`demo`), which writes only through the services. No command-line
//! library: the binary parses the arguments and hands over plain options.

pub mod demo;
pub mod quotes;
pub mod settle;
