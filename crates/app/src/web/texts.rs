//! The portal's message catalogue, in Korean (the default) and English. A catalogue is a
//! struct, so a text missing in one language does not compile.

use jumpup_domain::ledger::Account;
use jumpup_domain::workflow::State;

use crate::i18n::Lang;

#[derive(Debug)]
pub struct Ui {
    pub lang_code: &'static str,
    /// The name of the other language, in that language (the switch's label).
    pub other_lang_name: &'static str,
    pub other_lang_code: &'static str,
    pub skip_to_content: &'static str,
    pub brand: &'static str,
    pub nav_label: &'static str,
    pub dashboard: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub user_name: &'static str,
    pub password: &'static str,
    pub sign_in_intro: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_failures: &'static str,
    pub session_over: &'static str,
    pub budget: &'static str,
    pub budget_chart: &'static str,
    pub programme: &'static str,
    pub account: &'static str,
    pub amount: &'static str,
    pub funded: &'static str,
    pub overrun: &'static str,
    pub available: &'static str,
    pub reserved: &'static str,
    pub paid: &'static str,
    pub receivable: &'static str,
    pub cases_by_state: &'static str,
    pub state: &'static str,
    pub cases: &'static str,
    pub no_cases: &'static str,
    pub won: &'static str,
    pub role: &'static str,
    pub case_list: &'static str,
    pub all_states: &'static str,
    pub filter: &'static str,
    pub case_no: &'static str,
    pub firm: &'static str,
    pub requested: &'static str,
    pub approved: &'static str,
    pub bank: &'static str,
    pub decided_on: &'static str,
    pub next_page: &'static str,
    pub not_a_state: &'static str,
    pub not_allowed: &'static str,
    pub not_found: &'static str,
    pub bad_request: &'static str,
}

pub const KO: Ui = Ui {
    lang_code: "ko",
    other_lang_name: "English",
    other_lang_code: "en",
    skip_to_content: "본문으로 건너뛰기",
    brand: "Jump-Up 기술혁신기업 지원",
    nav_label: "주 메뉴",
    dashboard: "현황판",
    sign_in: "로그인",
    sign_out: "로그아웃",
    signed_in_as: "로그인 사용자",
    user_name: "사용자 이름",
    password: "비밀번호",
    sign_in_intro: "발급받은 사용자 이름과 비밀번호로 로그인하세요.",
    wrong_credentials: "사용자 이름 또는 비밀번호가 맞지 않습니다.",
    too_many_failures: "로그인 실패가 너무 많습니다. 잠시 후 다시 시도하세요.",
    session_over: "로그인이 필요합니다.",
    budget: "예산",
    budget_chart: "예산 집행 현황: 지급, 예약, 가용",
    programme: "사업",
    account: "계정",
    amount: "금액",
    funded: "재원(본예산·증액)",
    overrun: "초과 예약",
    available: "가용",
    reserved: "예약",
    paid: "지급",
    receivable: "환수 예정",
    cases_by_state: "상태별 신청 건수",
    state: "상태",
    cases: "건수",
    no_cases: "아직 신청이 없습니다.",
    won: "원",
    role: "역할",
    case_list: "신청 목록",
    all_states: "전체 상태",
    filter: "조회",
    case_no: "신청 번호",
    firm: "기업",
    requested: "신청액",
    approved: "승인액",
    bank: "은행",
    decided_on: "결정일",
    next_page: "다음 쪽",
    not_a_state: "알 수 없는 상태입니다.",
    not_allowed: "이 화면을 볼 권한이 없습니다.",
    not_found: "찾는 화면이 없습니다.",
    bad_request: "요청이 올바르지 않습니다.",
};

pub const EN: Ui = Ui {
    lang_code: "en",
    other_lang_name: "한국어",
    other_lang_code: "ko",
    skip_to_content: "Skip to content",
    brand: "Jump-Up technology SME support",
    nav_label: "Main menu",
    dashboard: "Dashboard",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    user_name: "User name",
    password: "Password",
    sign_in_intro: "Sign in with the user name and password you were given.",
    wrong_credentials: "The user name or password is wrong.",
    too_many_failures: "Too many failed sign-ins. Try again in a while.",
    session_over: "Please sign in.",
    budget: "Budget",
    budget_chart: "The budget: paid, reserved, available",
    programme: "Programme",
    account: "Account",
    amount: "Amount",
    funded: "Funded (appropriation and top-ups)",
    overrun: "Overrun",
    available: "Available",
    reserved: "Reserved",
    paid: "Paid",
    receivable: "To be clawed back",
    cases_by_state: "Cases by state",
    state: "State",
    cases: "Cases",
    no_cases: "No cases yet.",
    won: "won",
    role: "Role",
    case_list: "Cases",
    all_states: "All states",
    filter: "Filter",
    case_no: "Case",
    firm: "Firm",
    requested: "Requested",
    approved: "Approved",
    bank: "Bank",
    decided_on: "Decided on",
    next_page: "Next page",
    not_a_state: "Not a state.",
    not_allowed: "You may not see this page.",
    not_found: "There is no such page.",
    bad_request: "The request is not valid.",
};

impl Ui {
    pub fn of(lang: Lang) -> &'static Ui {
        match lang {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }

    pub fn state(&self, state: State) -> &'static str {
        let ko = self.lang_code == "ko";
        let (k, e) = match state {
            State::Draft => ("작성 중", "Draft"),
            State::Submitted => ("제출", "Submitted"),
            State::KiboReview => ("기보 심사 중", "KIBO review"),
            State::Selected => ("기보 선정", "Selected by KIBO"),
            State::Rejected => ("부적격", "Rejected"),
            State::EligibilityReview => ("요건 검토 중", "Eligibility review"),
            State::Approved => ("승인", "Approved"),
            State::Waitlisted => ("예산 대기", "Waitlisted"),
            State::GuaranteeIssued => ("보증 발급", "Guarantee issued"),
            State::LoanExecuted => ("대출 실행", "Loan executed"),
            State::Completed => ("지원 완료", "Completed"),
            State::Terminated => ("지원 종료", "Terminated"),
            State::Withdrawn => ("철회", "Withdrawn"),
            State::Expired => ("기간 만료", "Expired"),
        };
        if ko { k } else { e }
    }

    pub fn account(&self, account: Account) -> &'static str {
        match account {
            Account::Funding => self.funded,
            Account::Overrun => self.overrun,
            Account::Available => self.available,
            Account::Reserved => self.reserved,
            Account::Paid => self.paid,
            Account::ClawbackReceivable => self.receivable,
        }
    }

    pub fn role(&self, role: jumpup_domain::workflow::Role) -> &'static str {
        use jumpup_domain::workflow::Role;
        let (k, e) = match role {
            Role::Firm => ("기업", "Firm"),
            Role::Bank => ("협약은행", "Partner bank"),
            Role::Kibo => ("기술보증기금", "KIBO"),
            Role::Tp => ("인천테크노파크", "Incheon Technopark"),
            Role::City => ("인천광역시", "Incheon City"),
            Role::Auditor => ("감사", "Auditor"),
            Role::Admin => ("관리자", "Administrator"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// A date as officials write it: `2025. 7. 22.` in Korean, `2025-07-22` in English.
    pub fn date(&self, d: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        if self.lang_code == "ko" {
            format!("{}. {}. {}.", d.year(), d.month(), d.day())
        } else {
            d.to_string()
        }
    }

    /// A sum of won as officials write it: `2,000,000,000원`, and in Korean a large sum also
    /// in 억 and 만 (`20억 원`; `약` when won below 만 are left out).
    pub fn won(&self, won: i64) -> String {
        let grouped = jumpup_domain::money::Won::new(won).grouped();
        if self.lang_code != "ko" {
            return format!("{grouped} {}", self.won);
        }
        let abs = won.unsigned_abs();
        if abs < 100_000_000 {
            return format!("{grouped}{}", self.won);
        }
        let (eok, man, rest) = (abs / 100_000_000, abs / 10_000 % 10_000, abs % 10_000);
        let sign = if won < 0 { "-" } else { "" };
        let about = if rest > 0 { "약 " } else { "" };
        let eok = jumpup_domain::money::Won::new(i64::try_from(eok).unwrap_or(i64::MAX)).grouped();
        let short = if man > 0 {
            format!("{about}{sign}{eok}억 {man}만 원")
        } else {
            format!("{about}{sign}{eok}억 원")
        };
        format!("{grouped}{} ({short})", self.won)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_sums_read_in_eok_and_man_in_korean_only() {
        assert_eq!(KO.won(2_000_000_000), "2,000,000,000원 (20억 원)");
        assert_eq!(
            KO.won(220_050_000_000),
            "220,050,000,000원 (2,200억 5000만 원)"
        );
        assert_eq!(KO.won(150_000_001), "150,000,001원 (약 1억 5000만 원)");
        assert_eq!(KO.won(99_999_999), "99,999,999원");
        assert_eq!(EN.won(2_000_000_000), "2,000,000,000 won");
    }

    #[test]
    fn dates_read_as_officials_write_them() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 7, 22).expect("a date");
        assert_eq!(KO.date(d), "2025. 7. 22.");
        assert_eq!(EN.date(d), "2025-07-22");
    }
}
