//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of exactly the routes the server has
//! (a test holds the two equal), with every request and response schema. Written by hand from
//! the route list, so a route without its description fails at start-up in the tests rather
//! than going undocumented.

use serde_json::{Map, Value, json};

/// `#/components/schemas/NAME`.
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn int() -> Value {
    json!({ "type": "integer" })
}

fn text() -> Value {
    json!({ "type": "string" })
}

fn nullable(type_name: &str) -> Value {
    json!({ "type": [type_name, "null"] })
}

fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// An object with these properties, all required unless listed in `optional`.
fn object(props: &[(&str, Value)], optional: &[&str]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let required: Vec<&str> = props
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !optional.contains(k))
        .collect();
    json!({ "type": "object", "properties": properties, "required": required })
}

fn page_of(item: &str) -> Value {
    object(
        &[
            ("items", list(r(item))),
            ("next_cursor", nullable("string")),
        ],
        &[],
    )
}

fn schemas() -> Value {
    let field_error = object(
        &[("field", text()), ("message", text()), ("code", text())],
        &[],
    );
    let totals = object(
        &[
            ("lines", int()),
            ("claimed_won", int()),
            ("computed_won", int()),
            ("payable_won", int()),
            ("paid_won", int()),
            ("clawback_won", int()),
            ("recovered_won", int()),
            ("transfer_won", int()),
        ],
        &[],
    );
    let list: Vec<(&str, Value)> = vec![
        (
            "Error",
            object(
                &[
                    ("error", field_error.clone()),
                    ("errors", list(field_error)),
                ],
                &[],
            ),
        ),
        (
            "User",
            object(
                &[
                    ("user_id", int()),
                    ("name", text()),
                    ("role", text()),
                    ("bank_code", nullable("string")),
                    ("firm_id", nullable("integer")),
                    ("active", json!({ "type": "boolean" })),
                ],
                &["active"],
            ),
        ),
        ("UserPage", page_of("User")),
        (
            "Session",
            object(
                &[("user", r("User")), ("csrf_token", nullable("string"))],
                &[],
            ),
        ),
        (
            "Login",
            object(&[("name", text()), ("password", text())], &[]),
        ),
        (
            "PasswordChange",
            object(
                &[("current_password", text()), ("new_password", text())],
                &[],
            ),
        ),
        (
            "Registration",
            object(
                &[
                    ("business_no", text()),
                    ("corporate_no", nullable("string")),
                    ("firm_name", text()),
                    ("address", text()),
                    ("district", text()),
                    ("industry_code", text()),
                    ("user_name", text()),
                    ("password", text()),
                ],
                &["corporate_no"],
            ),
        ),
        (
            "Registered",
            object(
                &[("user_id", int()), ("active", json!({ "type": "boolean" }))],
                &[],
            ),
        ),
        (
            "NewUser",
            object(
                &[
                    ("name", text()),
                    ("role", text()),
                    ("bank_code", nullable("string")),
                    ("business_no", nullable("string")),
                ],
                &["bank_code", "business_no"],
            ),
        ),
        (
            "UserAdded",
            object(
                &[
                    ("user_id", int()),
                    ("name", text()),
                    ("role", text()),
                    ("active", json!({ "type": "boolean" })),
                    ("awaiting_confirmation", json!({ "type": "boolean" })),
                ],
                &[],
            ),
        ),
        (
            "UserConfirmed",
            object(
                &[
                    ("user_id", int()),
                    ("name", text()),
                    ("role", text()),
                    ("bank_code", nullable("string")),
                    ("firm_id", nullable("integer")),
                    ("active", json!({ "type": "boolean" })),
                    ("setup_code", text()),
                ],
                &[],
            ),
        ),
        (
            "Setup",
            object(
                &[
                    ("name", text()),
                    ("setup_code", text()),
                    ("new_password", text()),
                ],
                &[],
            ),
        ),
        (
            "Activation",
            object(&[("evidence", nullable("string"))], &["evidence"]),
        ),
        (
            "Bank",
            object(
                &[("bank_id", int()), ("code", text()), ("name", text())],
                &[],
            ),
        ),
        (
            "NewBank",
            object(&[("code", text()), ("name", text())], &[]),
        ),
        (
            "NewFirm",
            object(
                &[
                    ("business_no", text()),
                    ("corporate_no", nullable("string")),
                    ("name", text()),
                    ("address", text()),
                    ("district", text()),
                    ("industry_code", text()),
                ],
                &["corporate_no"],
            ),
        ),
        ("FirmAdded", object(&[("firm_id", int())], &[])),
        (
            "Firm",
            object(
                &[
                    ("firm_id", int()),
                    ("business_no", text()),
                    ("name", text()),
                    ("corporate_no", nullable("string")),
                    ("address", text()),
                    ("district", text()),
                    ("industry_code", text()),
                ],
                &["corporate_no", "address", "district", "industry_code"],
            ),
        ),
        ("FirmPage", page_of("Firm")),
        (
            "Program",
            object(
                &[
                    ("id", text()),
                    ("name_ko", text()),
                    ("name_en", text()),
                    ("versions", list(text())),
                    ("in_force_today", nullable("string")),
                ],
                &[],
            ),
        ),
        (
            "ImportedProgram",
            object(
                &[
                    ("program", text()),
                    (
                        "versions",
                        list(object(
                            &[
                                ("in_force_from", text()),
                                ("digest", text()),
                                ("stored", json!({ "type": "boolean" })),
                            ],
                            &[],
                        )),
                    ),
                ],
                &[],
            ),
        ),
        (
            "ApprovedVersion",
            object(
                &[
                    ("program", text()),
                    ("in_force_from", text()),
                    ("digest", text()),
                ],
                &[],
            ),
        ),
        (
            "QuoteRequest",
            json!({ "type": "object", "description": "A case as QUOTE.md's input defines it." }),
        ),
        (
            "Quote",
            object(
                &[
                    (
                        "program",
                        object(&[("id", text()), ("version", text())], &[]),
                    ),
                    ("guarantee", {
                        let mut g = object(
                            &[
                                ("coverage_pct", text()),
                                ("guaranteed_won", int()),
                                ("fees", list(json!({ "type": "object" }))),
                                ("fee_total_won", int()),
                                ("refund_won", int()),
                            ],
                            &[],
                        );
                        g["description"] = json!("QUOTE.md");
                        g
                    }),
                    (
                        "subsidy",
                        object(
                            &[
                                ("from", nullable("string")),
                                ("to", nullable("string")),
                                ("end_reason", text()),
                                ("periods", list(json!({ "type": "object" }))),
                                ("claim_total_won", int()),
                                ("payment_total_won", int()),
                                ("reservation_won", int()),
                            ],
                            &["from", "to"],
                        ),
                    ),
                    ("warnings", list(text())),
                ],
                &[],
            ),
        ),
        (
            "Case",
            object(
                &[
                    ("case_id", int()),
                    ("program", text()),
                    ("firm_id", int()),
                    ("state", text()),
                    ("requested_won", int()),
                    ("grade", nullable("string")),
                    ("coverage_pct", nullable("string")),
                    ("base_fee_rate_pct", nullable("string")),
                    ("approved_won", nullable("integer")),
                    ("bank", nullable("string")),
                    ("program_version_id", nullable("integer")),
                    ("decided_on", nullable("string")),
                    ("waitlist_seq", nullable("integer")),
                    ("guarantee_no", nullable("string")),
                ],
                &[],
            ),
        ),
        ("CasePage", page_of("Case")),
        (
            "NewCase",
            object(&[("program", text()), ("requested_won", int())], &[]),
        ),
        (
            "Step",
            json!({ "type": "object", "description": "The step's fields: none for submit, kibo-review, eligibility-review, approve, withdraw and expire; {grade, coverage_pct, base_fee_rate_pct, approved_won, bank_code} for select; {reason} for reject; {item, met, evidence} for check; {guarantee_no} for issue-guarantee." }),
        ),
        (
            "NewLoan",
            object(
                &[
                    ("loan_no", text()),
                    ("principal_won", int()),
                    ("annual_rate_pct", text()),
                    ("executed_on", text()),
                    ("maturity_on", text()),
                ],
                &[],
            ),
        ),
        (
            "NewEvent",
            object(
                &[
                    ("on", text()),
                    ("kind", text()),
                    ("amount_won", nullable("integer")),
                    ("annual_rate_pct", nullable("string")),
                ],
                &["amount_won", "annual_rate_pct"],
            ),
        ),
        (
            "EventReported",
            object(&[("loan_event_id", int()), ("case_id", int())], &[]),
        ),
        (
            "EventCancelled",
            object(
                &[
                    ("loan_event_id", int()),
                    ("case_id", int()),
                    ("cancelled", json!({ "type": "boolean" })),
                ],
                &[],
            ),
        ),
        ("Reason", object(&[("reason", text())], &[])),
        (
            "ImportReport",
            object(
                &[
                    ("stored", int()),
                    ("skipped", int()),
                    ("warnings", list(text())),
                    (
                        "errors",
                        list(object(
                            &[("row", int()), ("column", text()), ("message", text())],
                            &[],
                        )),
                    ),
                    ("errors_total", int()),
                ],
                &[],
            ),
        ),
        (
            "Loan",
            object(
                &[
                    ("loan_id", int()),
                    ("case_id", int()),
                    ("firm_id", int()),
                    ("bank_code", text()),
                    ("loan_no", text()),
                    ("principal_won", int()),
                    ("annual_rate_pct", text()),
                    ("executed_on", text()),
                    ("maturity_on", text()),
                    ("events", list(r("LoanEvent"))),
                ],
                &["events"],
            ),
        ),
        ("LoanPage", page_of("Loan")),
        (
            "LoanEvent",
            object(
                &[
                    ("loan_event_id", int()),
                    ("on", text()),
                    ("kind", text()),
                    ("seq", int()),
                    ("amount_won", nullable("integer")),
                    ("annual_rate_pct", nullable("string")),
                    ("reported_by", int()),
                    ("cancelled", json!({ "type": "boolean" })),
                ],
                &[],
            ),
        ),
        ("Prepare", object(&[("through", text())], &[])),
        (
            "BatchRecord",
            object(
                &[
                    ("batch_id", int()),
                    ("through", text()),
                    ("state", text()),
                    ("prepared_by", int()),
                    ("prepared_at", text()),
                    ("decided_by", nullable("integer")),
                    ("decided_at", nullable("string")),
                    ("reason", nullable("string")),
                ],
                &[],
            ),
        ),
        ("BatchPage", page_of("BatchRecord")),
        ("Totals", totals),
        (
            "Batch",
            object(
                &[
                    ("batch_id", int()),
                    ("state", text()),
                    ("through", text()),
                    ("totals", r("Totals")),
                    (
                        "by_status",
                        json!({ "type": "object", "additionalProperties": r("Totals") }),
                    ),
                    (
                        "by_bank",
                        json!({ "type": "object", "additionalProperties": r("Totals") }),
                    ),
                    ("audit_head", text()),
                    ("finished_cases", list(int())),
                ],
                &["audit_head", "finished_cases"],
            ),
        ),
        (
            "Verification",
            object(
                &[
                    ("batch_id", int()),
                    ("lines", int()),
                    ("differences", list(text())),
                ],
                &[],
            ),
        ),
        (
            "Budget",
            object(
                &[
                    ("program", text()),
                    (
                        "balances",
                        json!({ "type": "object", "additionalProperties": int() }),
                    ),
                    ("waitlist", list(int())),
                ],
                &[],
            ),
        ),
        (
            "TopUp",
            object(&[("amount_won", int()), ("reference", text())], &[]),
        ),
        (
            "TopUpResult",
            object(
                &[
                    ("program", text()),
                    ("amount_won", int()),
                    ("posted", json!({ "type": "boolean" })),
                ],
                &[],
            ),
        ),
        (
            "LedgerCheck",
            object(
                &[
                    ("ok", json!({ "type": "boolean" })),
                    (
                        "programs",
                        list(object(
                            &[
                                ("program", text()),
                                (
                                    "balances",
                                    json!({ "type": "object", "additionalProperties": int() }),
                                ),
                                ("violation", nullable("string")),
                            ],
                            &[],
                        )),
                    ),
                    (
                        "misplaced_reservations",
                        list(object(
                            &[
                                ("case_id", int()),
                                ("state", text()),
                                ("reserved_won", int()),
                            ],
                            &[],
                        )),
                    ),
                    ("inconsistent_postings", list(text())),
                    ("seals", r("SealCheck")),
                ],
                &[],
            ),
        ),
        (
            "AuditHead",
            object(&[("seq", int()), ("anchor", text())], &[]),
        ),
        (
            "AuditVerification",
            object(
                &[
                    ("intact", json!({ "type": "boolean" })),
                    ("entries", int()),
                    ("anchor", text()),
                    ("problem", text()),
                    ("seals", r("SealCheck")),
                ],
                &["entries", "anchor", "problem"],
            ),
        ),
        (
            "SealCheck",
            object(
                &[
                    ("ok", json!({ "type": "boolean" })),
                    (
                        "rows",
                        list(object(&[("table", text()), ("rows", int())], &[])),
                    ),
                    (
                        "problems",
                        list(object(
                            &[
                                ("code", text()),
                                ("table", text()),
                                ("row", nullable("string")),
                                ("audit_entry", nullable("integer")),
                                ("message", text()),
                            ],
                            &[],
                        )),
                    ),
                    ("problems_total", int()),
                ],
                &[],
            ),
        ),
        (
            "AuditEntry",
            object(
                &[
                    ("seq", int()),
                    ("at", text()),
                    ("actor", text()),
                    ("role", text()),
                    ("action", text()),
                    ("subject", text()),
                    ("before", text()),
                    ("after", text()),
                    ("reason", text()),
                    ("prev_hash", text()),
                    ("hash", text()),
                ],
                &[],
            ),
        ),
        ("AuditPage", page_of("AuditEntry")),
    ];
    Value::Object(list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// What one operation is: summary, who may call it, its request body, its success status and
/// what that returns (a schema name, or a file's media types).
struct Op {
    summary: &'static str,
    roles: &'static str,
    request: Option<&'static str>,
    status: u16,
    response: Response,
    query: &'static [&'static str],
}

enum Response {
    /// This document itself.
    Document,
    Json(&'static str),
    JsonList(&'static str),
    Empty,
    File,
}

#[rustfmt::skip]
fn op(method: &str, path: &str) -> Option<Op> {
    use Response::{Document, Empty, File, Json, JsonList};
    let o = |summary, roles, request, status, response, query| Some(Op { summary, roles, request, status, response, query });
    match (method, path) {
        ("POST", "/api/v1/session") => o("Sign in: a new session cookie (the id rotates) and its CSRF token", "anyone", Some("Login"), 200, Json("Session"), &[]),
        ("GET", "/api/v1/session") => o("Who is signed in, and the session's CSRF token", "any user", None, 200, Json("Session"), &[]),
        ("DELETE", "/api/v1/session") => o("Sign out", "any user with a session", None, 204, Empty, &[]),
        ("POST", "/api/v1/session/password") => o("Change one's own password; other sessions end", "any user", Some("PasswordChange"), 204, Empty, &[]),
        ("POST", "/api/v1/registrations") => o("A firm registers itself; the account waits for activation (a claim the Technopark checks when the firm is known; the answer is the same); throttled per client address", "anyone", Some("Registration"), 201, Json("Registered"), &[]),
        ("GET", "/api/v1/users") => o("Users", "admin", None, 200, Json("UserPage"), &["limit", "cursor"]),
        ("POST", "/api/v1/users") => o("Propose a user with one role: inactive, without a password, until a second person confirms it", "admin", Some("NewUser"), 201, Json("UserAdded"), &[]),
        ("POST", "/api/v1/users/{id}/activate") => o("Activate an account (one claiming a known firm with the evidence checked; one an administrator made only by its confirmation)", "tp (firms' accounts), admin", Some("Activation"), 200, Json("User"), &[]),
        ("POST", "/api/v1/users/{id}/confirm") => o("Confirm an account an administrator made: active, with a one-time setup code answered once", "city (officials' and administrators' accounts), tp (banks' and firms'); never its maker", None, 200, Json("UserConfirmed"), &[]),
        ("POST", "/api/v1/session/setup") => o("Set the password of a confirmed account with its setup code", "anyone", Some("Setup"), 200, Json("User"), &[]),
        ("POST", "/api/v1/users/{id}/deactivate") => o("Deactivate an account: its sessions end, its tokens are revoked", "tp (firms' accounts), admin; not one's own", None, 200, Json("User"), &[]),
        ("POST", "/api/v1/users/{id}/unlock") => o("Lift the account's sign-in locks and delays after failed sign-ins", "tp (firms' accounts), admin", None, 200, Json("User"), &[]),
        ("GET", "/api/v1/banks") => o("Partner banks", "any user", None, 200, JsonList("Bank"), &[]),
        ("POST", "/api/v1/banks") => o("Add a partner bank", "admin", Some("NewBank"), 201, Json("Bank"), &[]),
        ("POST", "/api/v1/firms") => o("Add a firm", "admin, tp", Some("NewFirm"), 201, Json("FirmAdded"), &[]),
        ("GET", "/api/v1/firms") => o("Firms (an admin sees names and numbers only); access-logged", "city, tp, kibo, auditor, admin; a firm its own", None, 200, Json("FirmPage"), &["limit", "cursor"]),
        ("GET", "/api/v1/firms/{id}") => o("A firm (an admin sees its name and number only); access-logged", "city, tp, kibo, auditor, admin, the firm", None, 200, Json("Firm"), &[]),
        ("GET", "/api/v1/programs") => o("Programmes and their approved versions", "any user", None, 200, JsonList("Program"), &[]),
        ("POST", "/api/v1/programs") => o("Import a programme file (TOML); its versions wait for a City approval", "admin", Some("Toml"), 201, Json("ImportedProgram"), &[]),
        ("POST", "/api/v1/programs/{program}/versions/{date}/approve") => o("Approve a programme version", "city", None, 200, Json("ApprovedVersion"), &[]),
        ("POST", "/api/v1/quotes") => o("QUOTE.md: what a loan gets (explain=true adds the working)", "any user", Some("QuoteRequest"), 200, Json("Quote"), &["explain"]),
        ("GET", "/api/v1/cases") => o("Cases the viewer may see; access-logged", "city, tp, kibo, auditor, a bank its own, a firm its own", None, 200, Json("CasePage"), &["state", "limit", "cursor"]),
        ("POST", "/api/v1/cases") => o("Apply: a draft case for the viewer's firm", "firm", Some("NewCase"), 201, Json("Case"), &[]),
        ("GET", "/api/v1/cases/{id}") => o("A case; access-logged", "as for the list", None, 200, Json("Case"), &[]),
        ("GET", "/api/v1/cases/{id}/loan") => o("The case's loan with every event reported on it, cancelled ones marked; access-logged", "as for the case", None, 200, Json("Loan"), &[]),
        ("GET", "/api/v1/cases/{id}/quote") => o("QUOTE.md's output for the case's loan and events under its pinned version; access-logged", "as for the case", None, 200, Json("Quote"), &["explain"]),
        ("GET", "/api/v1/loans") => o("Loans the viewer may see; access-logged", "city, tp, kibo, auditor, a bank its own, a firm its own", None, 200, Json("LoanPage"), &["limit", "cursor"]),
        ("POST", "/api/v1/cases/{id}/loan") => o("Execute the case's loan; the reservation is recomputed", "the lending bank", Some("NewLoan"), 200, Json("Case"), &[]),
        ("POST", "/api/v1/cases/{id}/events") => o("Report what happened to the loan (RULES.md 8 says who reports which kind)", "the lending bank, tp, kibo (defaults)", Some("NewEvent"), 201, Json("EventReported"), &[]),
        ("POST", "/api/v1/events/{id}/cancel") => o("Cancel a wrong event; settlement recomputes", "tp, the reporter", Some("Reason"), 200, Json("EventCancelled"), &[]),
        ("GET", "/api/v1/settlements") => o("Batches, without their lines", "tp, city, auditor", None, 200, Json("BatchPage"), &["limit", "cursor"]),
        ("POST", "/api/v1/settlements") => o("Prepare a batch of every pending claim through a date", "tp", Some("Prepare"), 201, Json("Batch"), &[]),
        ("GET", "/api/v1/settlements/{id}") => o("A batch's totals by status and bank", "tp, city, auditor", None, 200, Json("Batch"), &[]),
        ("POST", "/api/v1/settlements/{id}/approve") => o("Approve: post the batch to the ledger; carries the audit head", "city", None, 200, Json("Batch"), &[]),
        ("POST", "/api/v1/settlements/{id}/reject") => o("Reject or withdraw: its claims are pending again", "city, the preparer", Some("Reason"), 200, Json("Batch"), &[]),
        ("GET", "/api/v1/settlements/{id}/verify") => o("Recompute every line from stored data", "tp, city, auditor", None, 200, Json("Verification"), &[]),
        ("GET", "/api/v1/settlements/{id}/payments") => o("FILES.md payment file of an approved batch", "tp, city, auditor", None, 200, File, &["format"]),
        ("GET", "/api/v1/settlements/{id}/statement") => o("One bank's statement of an approved batch", "tp, city, auditor, the bank itself", None, 200, File, &["bank", "format"]),
        ("GET", "/api/v1/budgets") => o("Each programme's balances and waitlist", "city, tp, kibo, auditor", None, 200, JsonList("Budget"), &[]),
        ("POST", "/api/v1/budgets/{program}/top-ups") => o("A City top-up, idempotent by reference", "city", Some("TopUp"), 200, Json("TopUpResult"), &[]),
        ("GET", "/api/v1/ledger/check") => o("The trial balance and RULES.md 6.4's invariants", "city, tp, kibo, auditor", None, 200, Json("LedgerCheck"), &[]),
        ("GET", "/api/v1/audit/head") => o("The audit chain's head, to keep as an anchor", "city, auditor", None, 200, Json("AuditHead"), &[]),
        ("GET", "/api/v1/audit/verify") => o("Re-walk the audit chain, against an anchor if given", "city, auditor", None, 200, Json("AuditVerification"), &["anchor"]),
        ("GET", "/api/v1/audit/entries") => o("Audit entries in order, with their hashes", "city, auditor", None, 200, Json("AuditPage"), &["limit", "cursor"]),
        ("GET", "/api/v1/openapi.json") => o("This document", "anyone", None, 200, Document, &[]),
        (m, p) if m == "POST" && p.starts_with("/api/v1/uploads/") => o("A FILES.md file (CSV, or XLSX by content type), imported all or nothing; a refusal is 422 with the report's fields (the first 1,000 problems by row and errors_total); 503 with Retry-After while the server's job slots are taken", "cases: tp; loans and claims: tp, bank; events: tp, bank, kibo", Some("File"), 200, Json("ImportReport"), &[]),
        (m, p) if m == "POST" && p.starts_with("/api/v1/cases/{id}/") => o("One workflow step (RULES.md 8 says whose)", "per step: firm, kibo or tp", Some("Step"), 200, Json("Case"), &[]),
        _ => None,
    }
}

/// The document for `routes` (every `(method, path)` the router serves).
pub fn document(routes: &[(&'static str, String)]) -> Value {
    let mut paths = Map::new();
    for (method, path) in routes {
        let op = op(method, path)
            .unwrap_or_else(|| panic!("invariant: {method} {path} is described in openapi.rs"));
        let mut responses = Map::new();
        let ok = match op.response {
            Response::Document => {
                json!({ "description": "OK", "content": { "application/json": { "schema": { "type": "object" } } } })
            }
            Response::Json(name) => {
                json!({ "description": "OK", "content": { "application/json": { "schema": r(name) } } })
            }
            Response::JsonList(name) => {
                json!({ "description": "OK", "content": { "application/json": { "schema": list(r(name)) } } })
            }
            Response::Empty => json!({ "description": "Done" }),
            Response::File => json!({ "description": "The file", "content": {
                "text/csv": { "schema": { "type": "string" } },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } },
            } }),
        };
        responses.insert(op.status.to_string(), ok);
        responses.insert(
            "default".into(),
            json!({ "description": "401, 403, 404, 405, 409, 413, 422, 429 or 503 (with Retry-After), in the one error shape", "content": { "application/json": { "schema": r("Error") } } }),
        );
        let mut operation = json!({
            "summary": op.summary,
            "x-roles": op.roles,
            "responses": responses,
        });
        let mut parameters: Vec<Value> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": text() }))
            .collect();
        parameters.extend(op.query.iter().map(
            |name| json!({ "name": name, "in": "query", "required": false, "schema": text() }),
        ));
        if !parameters.is_empty() {
            operation["parameters"] = Value::from(parameters);
        }
        match op.request {
            Some("Toml") => {
                operation["requestBody"] = json!({ "required": true, "content": { "application/toml": { "schema": { "type": "string" } } } });
            }
            Some("File") => {
                operation["requestBody"] = json!({ "required": true, "content": {
                    "text/csv": { "schema": { "type": "string" } },
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } },
                } });
            }
            Some(name) => {
                operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": r(name) } } });
            }
            None => {}
        }
        if op.roles != "anyone" {
            operation["security"] = json!([{ "session": [] }, { "token": [] }]);
        }
        let entry = paths.entry(path.clone()).or_insert_with(|| json!({}));
        entry[method.to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Jump-Up API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Public SME-finance programmes, exact to the won. Every route but sign-in, registration and this document needs a session cookie (with X-CSRF-Token on changes) or an Authorization: Bearer token.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE },
                "token": { "type": "http", "scheme": "bearer" },
            },
        },
    })
}
