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
/// it touched with a digest of its rows in `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}
