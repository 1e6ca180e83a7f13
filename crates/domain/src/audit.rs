//! The tamper-evident audit log (issue 3): every entry is hash-chained to the one before it,
//! `hash = SHA-256(domain tag, previous hash, each field length-prefixed)`. Re-walking the
//! chain names the first entry that was edited, deleted or reordered; an anchor (a sequence
//! and hash kept outside the database) also catches a truncated or wholly rewritten tail.
//! Entries carry ids, never personal data.

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The "previous hash" of the first entry.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn parse_hex(text: &str) -> Option<Hash> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Hash(out))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

/// The content of one audit entry. `at` is the caller's timestamp (RFC 3339); `before` and
/// `after` are canonical JSON texts of the subject's state; a bulk change lists the records
/// it touched with a digest of its rows in `after`. `seals` commits to the money rows the
/// change wrote ([`Seals`]); it is empty for a change that wrote none, and such an entry hashes
/// exactly as entries did before seals existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
    pub reason: String,
    pub seals: String,
}

impl Entry {
    /// This entry's hash, chained to `prev`.
    pub fn hash(&self, prev: &Hash) -> Hash {
        let mut h = Sha256::new();
        h.update(b"jumpup-audit-v1");
        h.update(prev.0);
        h.update(self.seq.to_be_bytes());
        for field in [
            &self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.subject,
            &self.before,
            &self.after,
            &self.reason,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        if !self.seals.is_empty() {
            h.update((self.seals.len() as u64).to_be_bytes());
            h.update(self.seals.as_bytes());
        }
        Hash(h.finalize().into())
    }
}

/// An entry as stored: its content, the previous hash it claims and its own hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub entry: Entry,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// The end of the chain: what `jumpup audit head` prints and an anchor records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Hash,
}

impl Head {
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: Hash::GENESIS,
    };

    /// Parses `SEQ:HASH`.
    pub fn parse(text: &str) -> Option<Head> {
        let (seq, hash) = text.split_once(':')?;
        Some(Head {
            seq: seq.parse().ok().filter(|s| *s >= 0)?,
            hash: Hash::parse_hex(hash)?,
        })
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// The first break found in the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Tamper {
    #[error("entry {seq} was edited: its content does not match its hash")]
    Edited { seq: i64 },
    #[error("entry {expected} is missing: deleted, or the entries were reordered")]
    Missing { expected: i64 },
    #[error("entry {seq} is out of order: reordered or duplicated")]
    OutOfOrder { seq: i64 },
    #[error(
        "entry {seq} does not follow the entry before it: an earlier entry was deleted, reordered or rewritten"
    )]
    Unlinked { seq: i64 },
    #[error(
        "the log ends at entry {last} but the anchor names entry {anchor}: the tail was truncated"
    )]
    Truncated { last: i64, anchor: i64 },
    #[error("entry {seq} does not match the anchor: the chain was rewritten")]
    AnchorMismatch { seq: i64 },
}

/// Appends: the stored form of the next entry after `head`.
pub fn chain(head: Head, mut entry: Entry) -> Stored {
    entry.seq = head.seq + 1;
    let hash = entry.hash(&head.hash);
    Stored {
        entry,
        prev_hash: head.hash,
        hash,
    }
}

/// Walks the chain in stored order (by sequence) and returns its head, or the first break.
/// With an anchor, the entry at the anchor's sequence must exist with the anchor's hash.
pub fn verify(
    entries: impl IntoIterator<Item = Stored>,
    anchor: Option<Head>,
) -> Result<Head, Tamper> {
    let mut head = Head::EMPTY;
    let mut anchor_seen = anchor.is_none_or(|a| a.seq == 0 && a.hash == Hash::GENESIS);
    for stored in entries {
        let seq = stored.entry.seq;
        let expected = head.seq + 1;
        if seq > expected {
            return Err(Tamper::Missing { expected });
        }
        if seq < expected {
            return Err(Tamper::OutOfOrder { seq });
        }
        if stored.prev_hash != head.hash {
            return Err(Tamper::Unlinked { seq });
        }
        if stored.entry.hash(&stored.prev_hash) != stored.hash {
            return Err(Tamper::Edited { seq });
        }
        head = Head {
            seq,
            hash: stored.hash,
        };
        if let Some(a) = anchor.filter(|a| a.seq == seq) {
            if a.hash != stored.hash {
                return Err(Tamper::AnchorMismatch { seq });
            }
            anchor_seen = true;
        }
    }
    match anchor {
        Some(a) if !anchor_seen => Err(Tamper::Truncated {
            last: head.seq,
            anchor: a.seq,
        }),
        _ => Ok(head),
    }
}

/// One field of a money row, as a seal reads it: dates are `YYYY-MM-DD` text, amounts and ids
/// integers, absent values `Null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<Option<i64>> for Cell<'_> {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Cell::Null, Cell::Int)
    }
}

impl From<crate::money::Won> for Cell<'_> {
    fn from(v: crate::money::Won) -> Self {
        Cell::Int(v.get())
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Self {
        Cell::Text(v)
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Cell::Null, Cell::Text)
    }
}

/// A money row's fingerprint: the first 16 bytes of SHA-256 over its table's name and its
/// fields, each tagged and length-prefixed, so no two different rows share an encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowHash(pub [u8; 16]);

impl RowHash {
    pub fn of(table: &str, cells: &[Cell<'_>]) -> RowHash {
        let mut h = Sha256::new();
        h.update(b"jumpup-row-v1");
        h.update((table.len() as u64).to_be_bytes());
        h.update(table.as_bytes());
        for cell in cells {
            match cell {
                Cell::Null => h.update([0u8]),
                Cell::Int(v) => {
                    h.update([1u8]);
                    h.update(v.to_be_bytes());
                }
                Cell::Text(t) => {
                    h.update([2u8]);
                    h.update((t.len() as u64).to_be_bytes());
                    h.update(t.as_bytes());
                }
            }
        }
        let full: [u8; 32] = h.finalize().into();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        RowHash(out)
    }

    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for RowHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RowHash({})", self.hex())
    }
}

/// What one audited change wrote to one table: how many rows, and the digest of their
/// fingerprints taken in sorted order (so the order rows were written or are read in does not
/// matter, and no row can be swapped for another without changing it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub table: String,
    pub rows: u64,
    pub digest: Hash,
}

impl Seal {
    /// The seal of `table`'s rows with these fingerprints (sorted in place).
    pub fn of(table: &str, hashes: &mut [RowHash]) -> Seal {
        hashes.sort_unstable();
        let mut h = Sha256::new();
        h.update(b"jumpup-seal-v1");
        h.update((hashes.len() as u64).to_be_bytes());
        for r in hashes.iter() {
            h.update(r.0);
        }
        Seal {
            table: table.to_owned(),
            rows: hashes.len() as u64,
            digest: Hash(h.finalize().into()),
        }
    }
}

/// An entry's seals as stored in it: one `table rows digest` line per table, in table order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seals(pub Vec<Seal>);

impl Seals {
    pub fn parse(text: &str) -> Option<Seals> {
        let mut out = Vec::new();
        for line in text.lines() {
            let mut parts = line.split(' ');
            let table = parts.next().filter(|t| !t.is_empty())?;
            let rows = parts.next()?.parse().ok()?;
            let digest = Hash::parse_hex(parts.next()?)?;
            if parts.next().is_some() {
                return None;
            }
            out.push(Seal {
                table: table.to_owned(),
                rows,
                digest,
            });
        }
        Some(Seals(out))
    }

    pub fn get(&self, table: &str) -> Option<&Seal> {
        self.0.iter().find(|s| s.table == table)
    }
}

impl fmt::Display for Seals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{} {} {}", s.table, s.rows, s.digest)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: i64) -> Vec<Stored> {
        let mut head = Head::EMPTY;
        (0..n)
            .map(|i| {
                let s = chain(
                    head,
                    Entry {
                        seq: 0,
                        at: format!("2026-01-01T00:00:{i:02}Z"),
                        actor: "user:3".into(),
                        role: "tp".into(),
                        action: "case.approve".into(),
                        subject: format!("case:{i}"),
                        before: "{\"state\":\"eligibility_review\"}".into(),
                        after: "{\"state\":\"approved\"}".into(),
                        reason: String::new(),
                        seals: String::new(),
                    },
                );
                head = Head {
                    seq: s.entry.seq,
                    hash: s.hash,
                };
                s
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_every_kind_of_tampering_is_named() {
        let good = log(5);
        let head = verify(good.clone(), None).expect("intact");
        assert_eq!(head.seq, 5);
        assert_eq!(Head::parse(&head.to_string()), Some(head));

        let mut edited = good.clone();
        edited[2].entry.after = "{\"state\":\"rejected\"}".into();
        assert_eq!(verify(edited, None), Err(Tamper::Edited { seq: 3 }));

        let mut deleted = good.clone();
        deleted.remove(1);
        assert_eq!(verify(deleted, None), Err(Tamper::Missing { expected: 2 }));

        let mut swapped = good.clone();
        swapped.swap(1, 2);
        assert_eq!(verify(swapped, None), Err(Tamper::Missing { expected: 2 }));

        // Renumbered after a deletion: the link to the previous hash breaks.
        let mut renumbered = good.clone();
        renumbered.remove(1);
        for s in renumbered.iter_mut().skip(1) {
            s.entry.seq -= 1;
        }
        assert_eq!(verify(renumbered, None), Err(Tamper::Unlinked { seq: 2 }));

        let anchor = Head {
            seq: 5,
            hash: good[4].hash,
        };
        let truncated: Vec<_> = good[..3].to_vec();
        assert_eq!(
            verify(truncated, Some(anchor)),
            Err(Tamper::Truncated { last: 3, anchor: 5 })
        );

        // Edited and the rest of the chain recomputed: only the anchor catches it.
        let mut rewritten: Vec<_> = good[..2].to_vec();
        let mut h = Head {
            seq: 2,
            hash: good[1].hash,
        };
        for s in &good[2..] {
            let mut e = s.entry.clone();
            e.reason = "quietly changed".into();
            let again = chain(h, e);
            h = Head {
                seq: again.entry.seq,
                hash: again.hash,
            };
            rewritten.push(again);
        }
        assert!(verify(rewritten.clone(), None).is_ok());
        assert_eq!(
            verify(rewritten, Some(anchor)),
            Err(Tamper::AnchorMismatch { seq: 5 })
        );
    }

    #[test]
    fn seals_do_not_depend_on_row_order_and_name_any_changed_row_set() {
        let rows: Vec<RowHash> = (0..5)
            .map(|i| {
                RowHash::of(
                    "budget_posting",
                    &[Cell::Int(i), Cell::Text("reserve"), Cell::Null],
                )
            })
            .collect();
        let mut forward = rows.clone();
        let mut backward: Vec<RowHash> = rows.iter().rev().copied().collect();
        let seal = Seal::of("budget_posting", &mut forward);
        assert_eq!(seal, Seal::of("budget_posting", &mut backward));
        assert_eq!(seal.rows, 5);
        let mut fewer = rows[..4].to_vec();
        assert_ne!(Seal::of("budget_posting", &mut fewer).digest, seal.digest);
        // Null and empty text, and the table, are told apart.
        assert_ne!(
            RowHash::of("t", &[Cell::Null]),
            RowHash::of("t", &[Cell::Text("")])
        );
        assert_ne!(
            RowHash::of("t", &[Cell::Int(1)]),
            RowHash::of("u", &[Cell::Int(1)])
        );

        let seals = Seals(vec![
            seal.clone(),
            Seal::of("loan", &mut rows[..1].to_vec()),
        ]);
        assert_eq!(Seals::parse(&seals.to_string()), Some(seals.clone()));
        assert_eq!(seals.get("loan").map(|s| s.rows), Some(1));
        assert_eq!(Seals::parse("loan x 00"), None);

        // Seals are bound into the entry's hash.
        let mut e = log(1)[0].entry.clone();
        let plain = e.hash(&Hash::GENESIS);
        e.seals = seals.to_string();
        assert_ne!(e.hash(&Hash::GENESIS), plain);
    }
}
