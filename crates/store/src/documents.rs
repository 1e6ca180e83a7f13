//! Documents stored with a case: their facts in lists, their content only when fetched.

use chrono::{DateTime, Utc};

use jumpup_domain::ids::{CaseId, UserId};

use crate::{Result, Tx, with_tx};

/// A stored document's facts (not its content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub document_id: i64,
    pub case_id: CaseId,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

type Row = (i64, i64, String, String, i64, String, DateTime<Utc>);

fn document(
    (document_id, case_id, file_name, content_type, size_bytes, sha256, uploaded_at): Row,
) -> Document {
    Document {
        document_id,
        case_id: CaseId(case_id),
        file_name,
        content_type,
        size_bytes,
        sha256,
        uploaded_at,
    }
}

const COLUMNS: &str =
    "document_id, case_id, file_name, content_type, size_bytes, sha256, uploaded_at";

/// A new document of a case; its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    case_id: CaseId,
    file_name: &str,
    content_type: &str,
    sha256: &str,
    content: &[u8],
    uploaded_by: UserId,
    at: DateTime<Utc>,
) -> Result<i64> {
    let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
    let id: i64 = with_tx!(tx, c => {
        sqlx::query_scalar(
            "insert into case_document (case_id, file_name, content_type, size_bytes, sha256, content, uploaded_by, uploaded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning document_id",
        )
        .bind(case_id.0)
        .bind(file_name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(content)
        .bind(uploaded_by.0)
        .bind(at)
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

/// A case's documents, oldest first.
pub async fn of_case(db: &crate::Db, case_id: CaseId) -> Result<Vec<Document>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from case_document where case_id = $1 order by document_id"
    ));
    let rows: Vec<Row> = crate::with_db!(db, p => {
        sqlx::query_as(sql).bind(case_id.0).fetch_all(p).await?
    });
    Ok(rows.into_iter().map(document).collect())
}

/// One document with its content.
pub async fn with_content(db: &crate::Db, document_id: i64) -> Result<Option<(Document, Vec<u8>)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {COLUMNS}, content from case_document where document_id = $1"
    ));
    type Full = (
        i64,
        i64,
        String,
        String,
        i64,
        String,
        DateTime<Utc>,
        Vec<u8>,
    );
    let row: Option<Full> = crate::with_db!(db, p => {
        sqlx::query_as(sql).bind(document_id).fetch_optional(p).await?
    });
    Ok(row.map(|(a, b, c, d, e, f, g, content)| (document((a, b, c, d, e, f, g)), content)))
}
