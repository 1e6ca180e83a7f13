//! SHA-256 in lower-case hex: of a programme version's content (its digest), of a file as
//! received, of a batch's lines, of a list of ids in an audit entry.

use sha2::{Digest, Sha256};

/// The SHA-256 of bytes, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_parts(std::iter::once(bytes))
}

/// The SHA-256 of the parts one after another, in hex, without joining them first.
pub fn sha256_hex_parts<T: AsRef<[u8]>>(parts: impl IntoIterator<Item = T>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_ref());
    }
    hasher
        .finalize()
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
            out
        })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex_parts(["a", "bc"]), sha256_hex(b"abc"));
    }
}
