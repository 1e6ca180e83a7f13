//! Record ids, one type per kind of record, so a case's id cannot be passed where a loan's or
//! a batch's is wanted. The store assigns them; the domain only carries them.

use std::fmt;

use crate::audit::Cell;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// An id is written as its integer (the API's JSON).
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.0)
            }
        }

        /// An id is read as its integer (an address's path, a form).
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                i64::deserialize(d).map($name)
            }
        }

        /// A seal reads an id as the integer it is.
        impl From<$name> for Cell<'_> {
            fn from(id: $name) -> Self {
                Cell::Int(id.0)
            }
        }

        impl From<Option<$name>> for Cell<'_> {
            fn from(id: Option<$name>) -> Self {
                id.map_or(Cell::Null, |id| Cell::Int(id.0))
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            /// The id as written on a command line or in an address.
            fn from_str(text: &str) -> Result<$name, Self::Err> {
                text.parse().map($name)
            }
        }
    )*};
}

ids! {
    /// A support case (지원 건).
    CaseId;
    /// An executed loan.
    LoanId;
    /// A settlement batch (정산 회차).
    BatchId;
    /// A partner bank's record (its code is [`crate::workflow::BankCode`]).
    BankId;
    /// A firm's record.
    FirmId;
    /// A user account.
    UserId;
}
