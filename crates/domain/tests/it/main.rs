//! The domain's integration tests: property tests of the engine's invariants and of the
//! registration-number checks. Worked examples and corner cases run through the quote
//! contract in the application's tests.

mod approval;
mod properties;
mod regno;
mod workflow;
