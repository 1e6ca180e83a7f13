//! Why the services refuse, typed: every reason with its stable code (what the API returns and
//! the command line prints), its kind (which says how each adapter answers it) and the field it
//! concerns, in the domain's terms. Adapters spell fields their own way (the command line as
//! its flags, the API as JSON field names) and match on [`Reason`], so a reason without a text
//! in a catalogue, or without an answer, does not compile.

use jumpup_domain::workflow::{self, CheckItem};

/// How a refusal is answered: the HTTP status and exit status follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nobody is signed in, or the credentials are wrong (HTTP 401).
    Unauthenticated,
    /// The actor may not do this, whatever the data (HTTP 403).
    Forbidden,
    /// What the request names does not exist, or not for this actor (HTTP 404).
    NotFound,
    /// Something the request must carry is missing or out of range (HTTP 422).
    Invalid,
    /// The rules or the records' present state refuse it (HTTP 409).
    Conflict,
    /// Too many attempts: wait and try again (HTTP 429 with `Retry-After`).
    Throttled,
}

/// A field a refusal or a bad input concerns, in the domain's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Actor,
    Address,
    Amount,
    Bank,
    CurrentPassword,
    District,
    Evidence,
    File,
    Firm,
    FirmName,
    GuaranteeNo,
    IndustryCode,
    LoanNo,
    Name,
    NewPassword,
    Password,
    Reason,
    Reference,
    Requested,
    Role,
    Through,
    UserName,
}

impl Field {
    /// The field's name in the API's JSON (and the pages' forms).
    pub fn json_name(self) -> &'static str {
        match self {
            Field::Actor => "actor",
            Field::Address => "address",
            Field::Amount => "amount_won",
            Field::Bank => "bank_code",
            Field::CurrentPassword => "current_password",
            Field::District => "district",
            Field::Evidence => "evidence",
            Field::File => "file",
            Field::Firm => "business_no",
            Field::FirmName => "firm_name",
            Field::GuaranteeNo => "guarantee_no",
            Field::IndustryCode => "industry_code",
            Field::LoanNo => "loan_no",
            Field::Name => "name",
            Field::NewPassword => "new_password",
            Field::Password => "password",
            Field::Reason => "reason",
            Field::Reference => "reference",
            Field::Requested => "requested_won",
            Field::Role => "role",
            Field::Through => "through",
            Field::UserName => "user_name",
        }
    }
}

macro_rules! reasons {
    ($($variant:ident => $code:literal, $kind:ident $(, $field:ident)?;)*) => {
        /// Every reason the services (and the workflow under them) refuse for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($variant,)*
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }

            pub fn kind(self) -> Kind {
                match self {
                    $(Reason::$variant => Kind::$kind,)*
                }
            }

            /// The field the refusal concerns, where it concerns one.
            pub fn field(self) -> Option<Field> {
                match self {
                    $(Reason::$variant => reasons!(@field $($field)?),)*
                }
            }
        }
    };
    (@field) => { None };
    (@field $field:ident) => { Some(Field::$field) };
}

reasons! {
    Unauthenticated => "unauthenticated", Unauthenticated;
    LoginFailed => "login_failed", Unauthenticated;
    SetupFailed => "setup_failed", Unauthenticated;
    RoleNotAllowed => "role_not_allowed", Forbidden;
    NotYourFirm => "not_your_firm", Forbidden;
    NotYourBank => "not_your_bank", Forbidden;
    InactiveActor => "inactive_actor", Forbidden;
    OwnAccount => "own_account", Forbidden;
    UnknownActor => "unknown_actor", NotFound, Actor;
    UnknownBank => "unknown_bank", NotFound, Bank;
    UnknownBatch => "unknown_batch", NotFound;
    UnknownCase => "unknown_case", NotFound;
    UnknownDocument => "unknown_document", NotFound;
    UnknownEvent => "unknown_event", NotFound;
    UnknownFirm => "unknown_firm", NotFound, Firm;
    UnknownProgram => "unknown_program", NotFound;
    UnknownUser => "unknown_user", NotFound;
    UnknownVersion => "unknown_version", NotFound;
    NoLoan => "no_loan", NotFound;
    ActorRequired => "actor_required", Invalid, Actor;
    AmountNotPositive => "amount_not_positive", Invalid, Amount;
    ClaimEvidenceRequired => "claim_evidence_required", Invalid, Evidence;
    ConfirmationRequired => "confirmation_required", Invalid;
    EvidenceRequired => "evidence_required", Invalid, Evidence;
    GuaranteeNoRequired => "guarantee_no_required", Invalid, GuaranteeNo;
    LoanNoRequired => "loan_no_required", Invalid, LoanNo;
    ReasonRequired => "reason_required", Invalid, Reason;
    WrongState => "wrong_state", Conflict;
    GradeIneligible => "grade_ineligible", Conflict;
    CoverageOutOfRange => "coverage_out_of_range", Conflict;
    LimitExceeded => "limit_exceeded", Conflict;
    EligibilityIncheonSite => "eligibility_incheon_site", Conflict;
    EligibilityNotClosed => "eligibility_not_closed", Conflict;
    EligibilityNoTaxArrears => "eligibility_no_tax_arrears", Conflict;
    EligibilityNotDelinquent => "eligibility_not_delinquent", Conflict;
    EligibilityNotListed => "eligibility_not_listed", Conflict;
    AboveApprovedAmount => "above_approved_amount", Conflict;
    ExecutedBeforeDecision => "executed_before_decision", Conflict;
    ExecutedInFuture => "executed_in_future", Conflict;
    LoanDeadlinePassed => "loan_deadline_passed", Conflict;
    DeadlineNotPassed => "deadline_not_passed", Conflict;
    AlreadyApproved => "already_approved", Conflict;
    BankExists => "bank_exists", Conflict, Bank;
    FirmExists => "firm_exists", Conflict, Firm;
    UserExists => "user_exists", Conflict, UserName;
    BatchApproved => "batch_approved", Conflict;
    BatchNotApproved => "batch_not_approved", Conflict;
    BatchOpen => "batch_open", Conflict;
    BatchRejected => "batch_rejected", Conflict;
    BatchStale => "batch_stale", Conflict;
    DatabaseInUse => "database_in_use", Conflict;
    DemoInterrupted => "demo_interrupted", Conflict;
    DemoStory => "demo_story", Conflict;
    DocumentsClosed => "documents_closed", Conflict;
    EventCancelled => "event_cancelled", Conflict;
    EventContradicts => "event_contradicts", Conflict;
    EventInFuture => "event_in_future", Conflict;
    EventInvalid => "event_invalid", Conflict;
    FirstUserAdmin => "first_user_admin", Conflict;
    GuaranteeNoExists => "guarantee_no_exists", Conflict, GuaranteeNo;
    LoanNoExists => "loan_no_exists", Conflict, LoanNo;
    NoVersionInForce => "no_version_in_force", Conflict;
    NotAwaitingConfirmation => "not_awaiting_confirmation", Conflict;
    NothingToSettle => "nothing_to_settle", Conflict;
    ReferenceReused => "reference_reused", Conflict, Reference;
    ThroughNotPast => "through_not_past", Conflict, Through;
    VersionConflict => "version_conflict", Conflict;
    TooManyFailures => "too_many_failures", Throttled;
    SlowDown => "slow_down", Throttled;
    TooManyRegistrations => "too_many_registrations", Throttled;
}

impl From<&workflow::Refusal> for Reason {
    fn from(r: &workflow::Refusal) -> Reason {
        use workflow::Refusal as W;
        match r {
            W::RoleNotAllowed { .. } => Reason::RoleNotAllowed,
            W::NotYourFirm => Reason::NotYourFirm,
            W::NotYourBank => Reason::NotYourBank,
            W::WrongState { .. } => Reason::WrongState,
            W::GradeIneligible => Reason::GradeIneligible,
            W::CoverageOutOfRange(_) => Reason::CoverageOutOfRange,
            W::AmountNotPositive => Reason::AmountNotPositive,
            W::LimitExceeded { .. } => Reason::LimitExceeded,
            W::EligibilityNotMet(item) => match item {
                CheckItem::IncheonSite => Reason::EligibilityIncheonSite,
                CheckItem::NotClosed => Reason::EligibilityNotClosed,
                CheckItem::NoTaxArrears => Reason::EligibilityNoTaxArrears,
                CheckItem::NotDelinquent => Reason::EligibilityNotDelinquent,
                CheckItem::NotListed => Reason::EligibilityNotListed,
            },
            W::ReasonRequired => Reason::ReasonRequired,
            W::EvidenceRequired => Reason::EvidenceRequired,
            W::GuaranteeNoRequired => Reason::GuaranteeNoRequired,
            W::LoanNoRequired => Reason::LoanNoRequired,
            W::AboveApprovedAmount { .. } => Reason::AboveApprovedAmount,
            W::ExecutedBeforeDecision => Reason::ExecutedBeforeDecision,
            W::ExecutedInFuture { .. } => Reason::ExecutedInFuture,
            W::LoanDeadlinePassed { .. } => Reason::LoanDeadlinePassed,
            W::DeadlineNotPassed { .. } => Reason::DeadlineNotPassed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case_words() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            let code = r.code();
            assert!(seen.insert(code), "{code} twice");
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }

    #[test]
    fn the_workflow_refusals_keep_their_codes() {
        use jumpup_domain::date::Date;
        let day = Date::from_ymd_opt(2026, 1, 1).expect("a day");
        let samples = [
            workflow::Refusal::NotYourFirm,
            workflow::Refusal::ReasonRequired,
            workflow::Refusal::EligibilityNotMet(CheckItem::NotListed),
            workflow::Refusal::LoanDeadlinePassed { deadline: day },
        ];
        for r in &samples {
            assert_eq!(Reason::from(r).code(), r.code());
        }
    }
}
