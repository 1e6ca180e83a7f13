//! Secrets handed out once (session cookies, account set-up codes): made from the operating
//! system's randomness, and kept in the database only as their digest.

/// A fresh random secret: 32 bytes from the operating system, in hex.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("invariant: the operating system provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the database keeps of a secret.
pub fn secret_hash(secret: &str) -> String {
    jumpup_domain::digest::sha256_hex(secret.as_bytes())
}
