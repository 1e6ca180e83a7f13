//! Documents a firm uploads with its application (RULES.md 8: a firm uploads documents), stored
//! with the case: limited in size, their type told from their content (and agreeing with the
//! file's name), audited by id, type, size and digest, and read by those who review the case.

use jumpup_domain::ids::CaseId;
use jumpup_domain::workflow::{Actor, Role, State};
use jumpup_store::documents::{self, Document};
use jumpup_store::{StoreError, audit, cases as store};
use serde_json::json;

use super::{
    Field, Reason, Result, ServiceError, Services, actor, entry, in_write_tx, require_role,
};

/// The most a document may hold: 5 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// Who uploads documents: the firm, for its own case.
pub const DOCUMENT_UPLOADERS: &[Role] = &[Role::Firm];

/// Who reads a case's documents (within the case's scope): its firm and the officials who
/// review or audit it; banks do not.
pub const DOCUMENT_READERS: &[Role] =
    &[Role::Firm, Role::City, Role::Tp, Role::Kibo, Role::Auditor];

/// The states in which a case takes documents: until its decision.
const OPEN_STATES: [State; 5] = [
    State::Draft,
    State::Submitted,
    State::KiboReview,
    State::Selected,
    State::EligibilityReview,
];

/// Whether a case in `state` takes documents.
pub fn takes_documents(state: State) -> bool {
    OPEN_STATES.contains(&state)
}

/// The kinds accepted: content type, the bytes the content starts with, the file name endings.
const KINDS: [(&str, &[u8], &[&str]); 4] = [
    ("application/pdf", b"%PDF-", &["pdf"]),
    ("image/png", b"\x89PNG\r\n\x1a\n", &["png"]),
    ("image/jpeg", b"\xff\xd8\xff", &["jpg", "jpeg"]),
    (
        "application/x-hwp",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        &["hwp"],
    ),
];

/// A file name as stored: its last path part, without control characters, at most 200
/// characters.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    last.chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The content type of an accepted document, or why it is not accepted.
pub fn kind_of(file_name: &str, content: &[u8]) -> Result<&'static str> {
    let bad = |m: String| ServiceError::bad_input(Field::File, m);
    if content.is_empty() {
        return Err(bad("is empty".into()));
    }
    if content.len() > MAX_DOCUMENT_BYTES {
        return Err(bad(format!(
            "is larger than {} MiB",
            MAX_DOCUMENT_BYTES / 1024 / 1024
        )));
    }
    let ending = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    KINDS
        .iter()
        .find(|(_, magic, endings)| {
            content.starts_with(magic) && endings.contains(&ending.as_str())
        })
        .map(|(t, _, _)| *t)
        .ok_or_else(|| {
            bad(
                "must be a PDF, PNG, JPEG or HWP file (its content and its name's ending agree)"
                    .into(),
            )
        })
}

impl Services {
    /// Stores a document with a firm's own case while the case is undecided; its id.
    pub async fn add_document(
        &self,
        actor_name: &str,
        case_id: CaseId,
        file_name: &str,
        content: &[u8],
    ) -> Result<i64> {
        let name = clean_name(file_name);
        if name.is_empty() {
            return Err(ServiceError::bad_input(Field::File, "has no name"));
        }
        let content_type = kind_of(&name, content)?;
        let sha256 = jumpup_domain::digest::sha256_hex(content);
        in_write_tx!(self, |tx| {
            let (user, who) = actor(tx, actor_name).await?;
            require_role(&user, DOCUMENT_UPLOADERS, "upload documents")?;
            let row = store::get(tx, case_id).await?.ok_or(StoreError::NotFound)?;
            if !matches!(who, Actor::Firm(f) if f == row.firm_id) {
                return Err(ServiceError::refused(
                    Reason::UnknownCase,
                    format!("no case {case_id} that this user may see"),
                ));
            }
            if !takes_documents(row.state) {
                return Err(ServiceError::refused(
                    Reason::DocumentsClosed,
                    format!(
                        "case {case_id} is {}: documents are taken until the decision",
                        row.state.as_str()
                    ),
                ));
            }
            let at = self.clock.now();
            let id = documents::insert(
                tx,
                case_id,
                &name,
                content_type,
                &sha256,
                content,
                user.user_id,
                at,
            )
            .await?;
            // The file's name may name a person: the audit log keeps the id, type, size and digest.
            let after = json!({
                "document_id": id,
                "content_type": content_type,
                "size_bytes": content.len(),
                "sha256": sha256,
            });
            audit::append(
                tx,
                entry(
                    at,
                    Some(&user),
                    "case.document",
                    format!("case:{case_id}"),
                    "null".into(),
                    after.to_string(),
                ),
            )
            .await?;
            Ok(id)
        })
    }

    /// One document with its content (logged as `document.show`).
    pub async fn read_document(
        &self,
        actor_name: &str,
        case_id: CaseId,
        document_id: i64,
    ) -> Result<(Document, Vec<u8>)> {
        let user = self.reader(actor_name).await?;
        require_role(&user, DOCUMENT_READERS, "read documents")?;
        self.read_cases_logged(&user, Some(case_id), None, None, 0, 1, "document.show")
            .await?;
        documents::with_content(&self.db, document_id)
            .await?
            .filter(|(d, _)| d.case_id == case_id)
            .ok_or_else(|| {
                ServiceError::refused(
                    Reason::UnknownDocument,
                    format!("case {case_id} has no document {document_id}"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_taken_when_its_content_and_name_agree() {
        assert_eq!(
            kind_of("신청서.PDF", b"%PDF-1.7 ...").ok(),
            Some("application/pdf")
        );
        assert_eq!(
            kind_of("a.jpeg", b"\xff\xd8\xff\xe0").ok(),
            Some("image/jpeg")
        );
        assert!(kind_of("a.pdf", b"<html>").is_err(), "content not a PDF");
        assert!(
            kind_of("a.html", b"%PDF-1.7").is_err(),
            "a PDF named otherwise"
        );
        assert!(kind_of("a.pdf", b"").is_err());
        let big = [b"%PDF-".as_slice(), &vec![0u8; MAX_DOCUMENT_BYTES]].concat();
        assert!(kind_of("a.pdf", &big).is_err());
        assert_eq!(clean_name("C:\\Users\\x\\사업계획서.pdf"), "사업계획서.pdf");
        assert_eq!(clean_name("../../etc/\u{7}passwd"), "passwd");
        assert_eq!(clean_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
    }
}
