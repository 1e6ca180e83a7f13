//! The portal's message catalogue, in Korean (the default) and English. A catalogue is a
//! struct, so a text missing in one language does not compile.

use jumpup_domain::ledger::Account;
use jumpup_domain::settlement::{BatchState, Status};
use jumpup_domain::workflow::State;

use jumpup_service::Reason;
use jumpup_service::i18n::Lang;

#[derive(Debug)]
pub struct Ui {
    pub lang_code: &'static str,
    /// The name of the other language, in that language (the switch's label).
    pub other_lang_name: &'static str,
    pub other_lang_code: &'static str,
    pub skip_to_content: &'static str,
    pub demo_banner: &'static str,
    pub brand: &'static str,
    /// KRDS's masthead: the official government website line.
    pub masthead: &'static str,
    /// KRDS's identifier: who runs this website.
    pub identifier: &'static str,
    /// The footer: who to ask.
    pub footer_operator: &'static str,
    pub footer_contact: &'static str,
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
    pub slow_down: &'static str,
    pub lockouts: &'static str,
    pub no_lockouts: &'static str,
    pub lockout_times: &'static str,
    pub lockout_last: &'static str,
    pub unlock: &'static str,
    pub proposed_accounts: &'static str,
    pub proposed_by: &'static str,
    pub confirm_account: &'static str,
    pub setup_code_title: &'static str,
    pub setup_code_help: &'static str,
    pub firm_claim: &'static str,
    pub evidence_checked: &'static str,
    pub setup: &'static str,
    pub setup_code: &'static str,
    pub setup_done: &'static str,
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
    pub uploads: &'static str,
    pub uploads_intro: &'static str,
    pub file_kind: &'static str,
    pub file: &'static str,
    pub upload: &'static str,
    pub import_report: &'static str,
    pub stored: &'static str,
    pub skipped: &'static str,
    pub warnings: &'static str,
    pub file_refused: &'static str,
    /// A refused file's problem count, and how many of them the report lists.
    pub errors_total: &'static str,
    pub errors_listed: &'static str,
    pub row: &'static str,
    pub column: &'static str,
    pub problem: &'static str,
    pub kind_cases: &'static str,
    pub kind_loans: &'static str,
    pub kind_events: &'static str,
    pub kind_claims: &'static str,
    pub settlements: &'static str,
    pub through: &'static str,
    pub prepare: &'static str,
    pub no_batches: &'static str,
    pub batch: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub reason: &'static str,
    pub downloads: &'static str,
    pub payments_file: &'static str,
    pub statement: &'static str,
    pub totals: &'static str,
    pub lines: &'static str,
    pub claimed: &'static str,
    pub computed: &'static str,
    pub payable: &'static str,
    pub paid_before: &'static str,
    pub all: &'static str,
    pub status: &'static str,
    pub loan_no: &'static str,
    pub refused: &'static str,
    pub quote_calculator: &'static str,
    pub quote_intro: &'static str,
    pub compute: &'static str,
    pub result: &'static str,
    pub guarantee_fees: &'static str,
    pub fee_year: &'static str,
    pub period: &'static str,
    pub days: &'static str,
    pub rate: &'static str,
    pub fee: &'static str,
    pub claim_periods: &'static str,
    pub claim: &'static str,
    pub payment: &'static str,
    pub working: &'static str,
    pub f_program: &'static str,
    pub f_decided_on: &'static str,
    pub f_kibo_grade: &'static str,
    pub f_principal: &'static str,
    pub f_rate: &'static str,
    pub f_executed_on: &'static str,
    pub f_maturity_on: &'static str,
    pub f_coverage: &'static str,
    pub f_base_fee: &'static str,
    pub no_grade: &'static str,
    pub guaranteed: &'static str,
    pub fee_total: &'static str,
    pub refund: &'static str,
    pub subsidy_span: &'static str,
    pub end_reason: &'static str,
    pub claim_total: &'static str,
    pub payment_total: &'static str,
    pub reservation: &'static str,
    pub no_subsidy: &'static str,
    pub balance: &'static str,
    pub effective_rate: &'static str,
    pub in_arrears: &'static str,
    pub exact_sum: &'static str,
    pub truncated: &'static str,
    pub forfeited: &'static str,
    pub payment_unit: &'static str,
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
    pub too_large: &'static str,
    pub method_not_allowed: &'static str,
    pub busy: &'static str,
    pub case_title: &'static str,
    pub actions: &'static str,
    pub no_actions: &'static str,
    pub done: &'static str,
    pub checklist: &'static str,
    pub check_item: &'static str,
    pub check_result: &'static str,
    pub met: &'static str,
    pub not_met: &'static str,
    pub not_checked: &'static str,
    pub evidence: &'static str,
    pub timeline: &'static str,
    pub when: &'static str,
    pub by: &'static str,
    pub what: &'static str,
    pub loan: &'static str,
    pub events: &'static str,
    pub event_kind: &'static str,
    pub event_on: &'static str,
    pub cancelled: &'static str,
    pub no_events: &'static str,
    pub claims_payments: &'static str,
    pub no_lines: &'static str,
    pub subsidy_quote: &'static str,
    pub business_no: &'static str,
    pub district: &'static str,
    pub industry: &'static str,
    pub address: &'static str,
    pub coverage: &'static str,
    pub base_fee: &'static str,
    pub guarantee_no: &'static str,
    pub waitlist_seq: &'static str,
    pub approved_amount: &'static str,
    pub state_after: &'static str,
    pub details: &'static str,
    pub confirm_approval: &'static str,
    pub confirm_needed: &'static str,
    pub programme_figures: &'static str,
    pub firms_supported: &'static str,
    pub guarantees: &'static str,
    pub guarantee_volume: &'static str,
    pub subsidy_paid: &'static str,
    pub latest_settlement: &'static str,
    pub loans: &'static str,
    pub lent: &'static str,
    pub claims: &'static str,
    pub paid_to_bank: &'static str,
    pub my_bank: &'static str,
    pub statements: &'static str,
    pub my_cases: &'static str,
    pub new_application: &'static str,
    pub documents: &'static str,
    pub no_documents: &'static str,
    pub upload_document: &'static str,
    pub document_rules: &'static str,
    pub file_name: &'static str,
    pub size: &'static str,
    pub uploaded_at: &'static str,
    pub register_title: &'static str,
    pub register_intro: &'static str,
    pub registered: &'static str,
    pub register: &'static str,
    pub corporate_no: &'static str,
    pub firm_name: &'static str,
    pub industry_code: &'static str,
    pub password_again: &'static str,
    pub passwords_differ: &'static str,
    pub required_field: &'static str,
    pub no_account: &'static str,
    pub accounts: &'static str,
    pub pending_accounts: &'static str,
    pub no_pending: &'static str,
    pub activate: &'static str,
    pub deactivate: &'static str,
    pub is_active: &'static str,
    pub is_inactive: &'static str,
    pub all_users: &'static str,
    pub add_user: &'static str,
    pub banks_title: &'static str,
    pub add_bank: &'static str,
    pub bank_code: &'static str,
    pub bank_name: &'static str,
    pub apply: &'static str,
    pub apply_intro: &'static str,
    pub requested_won: &'static str,
    pub scope: &'static str,
    pub create_application: &'static str,
}

pub const KO: Ui = Ui {
    lang_code: "ko",
    other_lang_name: "English",
    other_lang_code: "en",
    skip_to_content: "본문으로 건너뛰기",
    demo_banner: "시연용 자료입니다: 기업, 금액과 사용자는 모두 가상으로 만든 것입니다.",
    brand: "Jump-Up 기술혁신기업 지원",
    masthead: "이 누리집은 대한민국 공식 전자정부 누리집입니다.",
    identifier: "이 누리집은 인천테크노파크가 운영하는 인천광역시 누리집입니다.",
    footer_operator: "운영: 인천테크노파크 · 인천광역시 (기술혁신기업 Jump-Up 지원사업)",
    footer_contact: "문의: 사업 담당 부서 (평일 09:00~18:00)",
    nav_label: "주 메뉴",
    dashboard: "현황판",
    sign_in: "로그인",
    sign_out: "로그아웃",
    signed_in_as: "로그인 사용자",
    user_name: "사용자 이름",
    password: "비밀번호",
    sign_in_intro: "발급받은 사용자 이름과 비밀번호로 로그인하세요.",
    wrong_credentials: "사용자 이름 또는 비밀번호가 맞지 않습니다.",
    too_many_failures: "이 주소에서 로그인에 5번 실패하여 이 이름은 15분 동안 잠겼습니다. 기다리거나 관리자(기업 사용자는 인천테크노파크)에게 잠금 해제를 요청하세요.",
    slow_down: "로그인 실패가 많아 잠시 기다려야 합니다. 조금 뒤 다시 시도하세요.",
    lockouts: "로그인 잠금(최근 7일)",
    no_lockouts: "최근 7일 동안 잠긴 계정이 없습니다.",
    lockout_times: "잠긴 횟수",
    lockout_last: "마지막 잠금",
    unlock: "잠금 해제",
    proposed_accounts: "확인을 기다리는 계정(관리자가 만든 계정)",
    proposed_by: "만든 관리자",
    confirm_account: "확인",
    setup_code_title: "비밀번호 설정 코드",
    setup_code_help: "이 코드는 지금 한 번만 보입니다. 계정 사용자 본인에게만 직접 전달하세요. 사용자는 7일 안에 ‘비밀번호 설정’ 화면에서 이 코드로 비밀번호를 정합니다.",
    firm_claim: "이미 등록된 기업에 대한 계정 신청입니다. 사업자등록증 등 증빙을 확인한 뒤 활성화하세요.",
    evidence_checked: "확인한 증빙",
    setup: "비밀번호 설정",
    setup_code: "설정 코드",
    setup_done: "비밀번호를 설정했습니다. 이제 로그인하세요.",
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
    uploads: "파일 올리기",
    uploads_intro: "FILES.md 형식의 CSV 또는 XLSX 파일을 올리면 모든 행을 검사하고, 문제가 하나라도 있으면 아무것도 저장하지 않습니다.",
    file_kind: "파일 종류",
    file: "파일",
    upload: "올리기",
    import_report: "처리 결과",
    stored: "저장",
    skipped: "이미 있음",
    warnings: "경고",
    file_refused: "파일을 받지 않았습니다. 아래 행을 고쳐 다시 올리세요",
    errors_total: "오류 전체",
    errors_listed: "표시한 오류(행 순서로 처음부터)",
    row: "행",
    column: "열",
    problem: "문제",
    kind_cases: "보증 결정(cases)",
    kind_loans: "대출 실행(loans)",
    kind_events: "대출 변동(events)",
    kind_claims: "이차보전 청구(claims)",
    settlements: "정산",
    through: "정산 기준일",
    prepare: "정산 준비",
    no_batches: "정산 내역이 없습니다.",
    batch: "정산",
    approve: "승인",
    reject: "반려",
    reason: "사유",
    downloads: "내려받기",
    payments_file: "지급 명세",
    statement: "은행별 명세",
    totals: "합계",
    lines: "명세",
    claimed: "청구액",
    computed: "재계산액",
    payable: "지급액",
    paid_before: "기지급액",
    all: "전체",
    status: "판정",
    loan_no: "대출 번호",
    refused: "처리할 수 없습니다",
    quote_calculator: "보증·이차보전 계산기",
    quote_intro: "대출 조건을 넣으면 보증료와 이차보전 청구액을 원 단위까지 계산합니다.",
    compute: "계산",
    result: "계산 결과",
    guarantee_fees: "보증료",
    fee_year: "보증 연차",
    period: "기간",
    days: "일수",
    rate: "요율",
    fee: "보증료",
    claim_periods: "이차보전 청구 기간",
    claim: "청구액",
    payment: "지급액",
    working: "계산 근거",
    f_program: "사업",
    f_decided_on: "결정일(선택)",
    f_kibo_grade: "기보 등급(선택)",
    f_principal: "대출 원금(원)",
    f_rate: "대출 금리(연 %)",
    f_executed_on: "대출 실행일",
    f_maturity_on: "만기일",
    f_coverage: "보증 비율(%)",
    f_base_fee: "기본 보증료율(연 %)",
    no_grade: "선택 안 함",
    guaranteed: "보증 금액",
    fee_total: "보증료 합계",
    refund: "보증료 환급",
    subsidy_span: "이차보전 기간",
    end_reason: "종료 사유",
    claim_total: "청구액 합계",
    payment_total: "지급액 합계",
    reservation: "예산 예약액",
    no_subsidy: "이차보전 없음",
    balance: "잔액",
    effective_rate: "실효 금리",
    in_arrears: "연체",
    exact_sum: "정확한 합",
    truncated: "원 미만 절사",
    forfeited: "지원 중단으로 미지급",
    payment_unit: "지급 단위",
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
    too_large: "보낸 자료가 너무 큽니다. 파일 크기 제한을 확인하십시오.",
    method_not_allowed: "이 화면은 이 방식의 요청을 받지 않습니다.",
    busy: "다른 파일 처리나 정산이 진행 중입니다. 30초쯤 뒤 다시 시도하세요.",
    case_title: "지원 사례",
    actions: "처리",
    no_actions: "지금 단계에서 할 수 있는 처리가 없습니다.",
    done: "처리되었습니다",
    checklist: "자격 요건 확인",
    check_item: "확인 항목",
    check_result: "결과",
    met: "충족",
    not_met: "미충족",
    not_checked: "미확인",
    evidence: "근거",
    timeline: "처리 이력",
    when: "일시",
    by: "처리자",
    what: "처리 내용",
    loan: "대출",
    events: "사건",
    event_kind: "구분",
    event_on: "발생일",
    cancelled: "취소됨",
    no_events: "보고된 사건이 없습니다.",
    claims_payments: "청구와 지급",
    no_lines: "아직 정산된 청구가 없습니다.",
    subsidy_quote: "보증료와 이차보전 계산",
    business_no: "사업자등록번호",
    district: "구군",
    industry: "업종",
    address: "주소",
    coverage: "보증비율",
    base_fee: "기본보증료율",
    guarantee_no: "보증번호",
    waitlist_seq: "대기 순번",
    approved_amount: "승인금액",
    state_after: "변경 후 상태",
    details: "세부 사항",
    confirm_approval: "합계와 은행별 금액을 확인했으며, 이 정산의 지급을 승인합니다",
    confirm_needed: "승인하려면 확인란에 표시하세요",
    programme_figures: "사업 실적",
    firms_supported: "지원 기업 수",
    guarantees: "보증 건수",
    guarantee_volume: "보증 공급액",
    subsidy_paid: "이차보전 지급액",
    latest_settlement: "최근 정산",
    loans: "대출 건수",
    lent: "대출 실행액",
    claims: "청구 건수",
    paid_to_bank: "지급받은 금액 (환수 차감)",
    my_bank: "소속 은행 현황",
    statements: "은행별 정산 명세",
    my_cases: "우리 기업 신청",
    new_application: "새 신청서 작성",
    documents: "제출 서류",
    no_documents: "제출한 서류가 없습니다.",
    upload_document: "서류 올리기",
    document_rules: "PDF, PNG, JPEG 또는 HWP 파일, 최대",
    file_name: "파일 이름",
    size: "크기",
    uploaded_at: "올린 일시",
    register_title: "기업 회원가입",
    register_intro: "사업자등록번호로 기업과 담당자 계정을 등록합니다. 인천테크노파크가 확인하고 계정을 활성화하면 로그인할 수 있습니다.",
    registered: "등록되었습니다. 인천테크노파크가 계정을 활성화하면 로그인할 수 있습니다.",
    register: "등록",
    corporate_no: "법인등록번호 (선택)",
    firm_name: "기업명",
    industry_code: "업종 코드 (예: C26)",
    password_again: "비밀번호 확인",
    passwords_differ: "비밀번호가 서로 다릅니다",
    required_field: "필수 항목입니다",
    no_account: "계정이 없으신가요?",
    accounts: "계정 관리",
    pending_accounts: "활성화를 기다리는 기업 계정",
    no_pending: "기다리는 계정이 없습니다.",
    activate: "활성화",
    deactivate: "비활성화",
    is_active: "사용 중",
    is_inactive: "중지",
    all_users: "모든 사용자",
    add_user: "사용자 추가",
    banks_title: "협약은행",
    add_bank: "은행 추가",
    bank_code: "은행코드",
    bank_name: "은행명",
    apply: "지원 신청",
    apply_intro: "신청 금액을 적어 신청서를 만든 뒤, 사례 화면에서 서류를 올리고 제출합니다.",
    requested_won: "신청 금액 (원)",
    scope: "소속",
    create_application: "신청서 만들기",
};

pub const EN: Ui = Ui {
    lang_code: "en",
    other_lang_name: "한국어",
    other_lang_code: "ko",
    skip_to_content: "Skip to content",
    demo_banner: "Demonstration data: every firm, amount and user here is invented.",
    brand: "Jump-Up technology SME support",
    masthead: "An official website of the Government of the Republic of Korea.",
    identifier: "This website of Incheon Metropolitan City is run by Incheon Technopark.",
    footer_operator: "Run by Incheon Technopark and Incheon Metropolitan City (Technology-Innovation Company Jump-Up)",
    footer_contact: "Questions: the programme office (weekdays 09:00 to 18:00)",
    nav_label: "Main menu",
    dashboard: "Dashboard",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    user_name: "User name",
    password: "Password",
    sign_in_intro: "Sign in with the user name and password you were given.",
    wrong_credentials: "The user name or password is wrong.",
    too_many_failures: "After 5 failed sign-ins from this address the name is locked for 15 minutes. Wait, or ask an administrator (firms: the Technopark) to unlock it.",
    slow_down: "Too many failed sign-ins: wait a moment and try again.",
    lockouts: "Sign-in lockouts (last 7 days)",
    no_lockouts: "No account was locked in the last 7 days.",
    lockout_times: "Times locked",
    lockout_last: "Last locked",
    unlock: "Unlock",
    proposed_accounts: "Accounts awaiting confirmation (made by an administrator)",
    proposed_by: "Made by",
    confirm_account: "Confirm",
    setup_code_title: "Password setup code",
    setup_code_help: "This code is shown once, now. Hand it to the account's user in person only; within 7 days they set their password with it on the 'Set password' page.",
    firm_claim: "This account claims a firm already registered. Check evidence (the business registration certificate) before activating it.",
    evidence_checked: "Evidence checked",
    setup: "Set password",
    setup_code: "Setup code",
    setup_done: "Your password is set. Sign in now.",
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
    uploads: "Uploads",
    uploads_intro: "Upload a FILES.md file (CSV or XLSX): every row is checked, and with any problem nothing is stored.",
    file_kind: "File kind",
    file: "File",
    upload: "Upload",
    import_report: "Import report",
    stored: "Stored",
    skipped: "Skipped",
    warnings: "Warnings",
    file_refused: "The file was refused: correct these rows and upload it again",
    errors_total: "Problems in all",
    errors_listed: "Listed (the first by row)",
    row: "Row",
    column: "Column",
    problem: "Problem",
    kind_cases: "Decided cases (cases)",
    kind_loans: "Loans (loans)",
    kind_events: "Loan events (events)",
    kind_claims: "Subsidy claims (claims)",
    settlements: "Settlements",
    through: "Through",
    prepare: "Prepare",
    no_batches: "No settlements yet.",
    batch: "Batch",
    approve: "Approve",
    reject: "Reject",
    reason: "Reason",
    downloads: "Downloads",
    payments_file: "Payment file",
    statement: "Statement",
    totals: "Totals",
    lines: "Lines",
    claimed: "Claimed",
    computed: "Computed",
    payable: "Payable",
    paid_before: "Paid before",
    all: "All",
    status: "Status",
    loan_no: "Loan",
    refused: "Refused",
    quote_calculator: "Guarantee and subsidy calculator",
    quote_intro: "Enter a loan's terms for its guarantee fees and subsidy claims, to the won.",
    compute: "Compute",
    result: "Result",
    guarantee_fees: "Guarantee fees",
    fee_year: "Year",
    period: "Period",
    days: "Days",
    rate: "Rate",
    fee: "Fee",
    claim_periods: "Subsidy claim periods",
    claim: "Claim",
    payment: "Payment",
    working: "Working",
    f_program: "Programme",
    f_decided_on: "Decided on (optional)",
    f_kibo_grade: "KIBO grade (optional)",
    f_principal: "Principal (won)",
    f_rate: "Loan rate (% a year)",
    f_executed_on: "Executed on",
    f_maturity_on: "Matures on",
    f_coverage: "Coverage (%)",
    f_base_fee: "Base fee rate (% a year)",
    no_grade: "None",
    guaranteed: "Guaranteed",
    fee_total: "Fee total",
    refund: "Fee refund",
    subsidy_span: "Subsidy span",
    end_reason: "End reason",
    claim_total: "Claims in total",
    payment_total: "Payments in total",
    reservation: "Budget reservation",
    no_subsidy: "No subsidy",
    balance: "balance",
    effective_rate: "effective rate",
    in_arrears: "in arrears",
    exact_sum: "exact sum",
    truncated: "truncated to the won",
    forfeited: "forfeited",
    payment_unit: "payment unit",
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
    too_large: "What was sent is too large. Check the file size limit.",
    method_not_allowed: "This page does not take this kind of request.",
    busy: "Other imports or settlements are running. Try again in about 30 seconds.",
    case_title: "Case",
    actions: "Actions",
    no_actions: "There is nothing for you to do at this step.",
    done: "Done",
    checklist: "Eligibility checklist",
    check_item: "Item",
    check_result: "Result",
    met: "Met",
    not_met: "Not met",
    not_checked: "Not checked",
    evidence: "Evidence",
    timeline: "Timeline",
    when: "When",
    by: "By",
    what: "What",
    loan: "Loan",
    events: "Events",
    event_kind: "Kind",
    event_on: "Date",
    cancelled: "Cancelled",
    no_events: "No events reported.",
    claims_payments: "Claims and payments",
    no_lines: "No claim has been settled yet.",
    subsidy_quote: "Guarantee fees and subsidy",
    business_no: "Business registration number",
    district: "District",
    industry: "Industry",
    address: "Address",
    coverage: "Coverage",
    base_fee: "Base fee rate",
    guarantee_no: "Guarantee number",
    waitlist_seq: "Waitlist position",
    approved_amount: "Approved amount",
    state_after: "State after",
    details: "Details",
    confirm_approval: "I have checked the totals and each bank's amounts, and approve paying this batch",
    confirm_needed: "Tick the box to approve",
    programme_figures: "Programme figures",
    firms_supported: "Firms supported",
    guarantees: "Guarantees",
    guarantee_volume: "Guarantee volume",
    subsidy_paid: "Subsidy paid",
    latest_settlement: "Latest settlement",
    loans: "Loans",
    lent: "Amount lent",
    claims: "Claims",
    paid_to_bank: "Paid to the bank (net of clawbacks)",
    my_bank: "Your bank",
    statements: "Statements",
    my_cases: "Our applications",
    new_application: "Draft a new application",
    documents: "Documents",
    no_documents: "No document uploaded yet.",
    upload_document: "Upload a document",
    document_rules: "A PDF, PNG, JPEG or HWP file of at most",
    file_name: "File name",
    size: "Size",
    uploaded_at: "Uploaded",
    register_title: "Register your firm",
    register_intro: "Register your firm and your own account with its business registration number. You can sign in once Incheon Technopark has checked and activated the account.",
    registered: "Registered. You can sign in once Incheon Technopark has activated the account.",
    register: "Register",
    corporate_no: "Corporate registration number (optional)",
    firm_name: "Firm name",
    industry_code: "Industry code (for example C26)",
    password_again: "Password again",
    passwords_differ: "the passwords differ",
    required_field: "is required",
    no_account: "No account yet?",
    accounts: "Accounts",
    pending_accounts: "Firm accounts waiting for activation",
    no_pending: "No account is waiting.",
    activate: "Activate",
    deactivate: "Deactivate",
    is_active: "Active",
    is_inactive: "Inactive",
    all_users: "All users",
    add_user: "Add a user",
    banks_title: "Partner banks",
    add_bank: "Add a bank",
    bank_code: "Bank code",
    bank_name: "Bank name",
    apply: "Apply",
    apply_intro: "Draft an application with the amount you ask for; then upload its documents and submit it on its case page.",
    requested_won: "Amount requested (won)",
    scope: "Bank or firm",
    create_application: "Draft the application",
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

    /// A batch's state.
    pub fn batch_state(&self, state: BatchState) -> &'static str {
        let (k, e) = match state {
            BatchState::Prepared => ("승인 대기", "Prepared"),
            BatchState::Approved => ("승인", "Approved"),
            BatchState::Rejected => ("반려", "Rejected"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// A settlement line's status (FILES.md).
    pub fn line_status(&self, status: Status) -> &'static str {
        let (k, e) = match status {
            Status::Match => ("일치", "Match"),
            Status::Reduced => ("감액", "Reduced"),
            Status::UnderClaimed => ("과소 청구", "Under-claimed"),
            Status::Adjustment => ("추가 지급", "Adjustment"),
            Status::Clawback => ("환수", "Clawback"),
            Status::Rejected => ("지급 불가", "Rejected"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// Why a subsidy ends (QUOTE.md's `end_reason`).
    pub fn end_reason(&self, reason: &str) -> &'static str {
        let (k, e) = match reason {
            "term" => ("지원 기간 종료", "End of term"),
            "maturity" => ("대출 만기", "Maturity"),
            "repaid" => ("전액 상환", "Repaid in full"),
            "relocation" => ("관외 이전", "Relocation"),
            "closure" => ("폐업", "Closure"),
            "default" => ("부실", "Default"),
            "ineligible" => ("지원 제외", "Ineligible"),
            _ => ("", ""),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// What a refusal means, said to the person who was refused (every reason has its text:
    /// a missing one does not compile).
    pub fn refusal(&self, reason: Reason) -> &'static str {
        let (k, e) = match reason {
            Reason::RoleNotAllowed => (
                "이 역할로는 할 수 없는 처리입니다.",
                "Your role may not do this.",
            ),
            Reason::NotYourFirm => ("다른 기업의 신청입니다.", "This is another firm's case."),
            Reason::NotYourBank => ("다른 은행의 대출입니다.", "This is another bank's loan."),
            Reason::WrongState => (
                "지금 상태에서는 할 수 없는 처리입니다.",
                "This cannot be done in the case's present state.",
            ),
            Reason::GradeIneligible => {
                ("D 등급은 지원 대상이 아닙니다.", "Grade D is not eligible.")
            }
            Reason::CoverageOutOfRange => (
                "보증비율이 사업의 허용 범위를 벗어났습니다.",
                "The coverage is outside the programme's range.",
            ),
            Reason::AmountNotPositive => (
                "금액은 0보다 커야 합니다.",
                "The amount must be more than zero.",
            ),
            Reason::LimitExceeded => (
                "기업별 지원 한도를 넘습니다.",
                "This exceeds the limit per firm.",
            ),
            Reason::EligibilityIncheonSite => (
                "인천 소재 사업장이 확인되지 않았습니다.",
                "A site in Incheon is not confirmed.",
            ),
            Reason::EligibilityNotClosed => (
                "휴·폐업이 아님이 확인되지 않았습니다.",
                "That the firm is not closed is not confirmed.",
            ),
            Reason::EligibilityNoTaxArrears => (
                "세금 체납 없음이 확인되지 않았습니다.",
                "That there are no tax arrears is not confirmed.",
            ),
            Reason::EligibilityNotDelinquent => (
                "연체 없음이 확인되지 않았습니다.",
                "That the firm is not delinquent is not confirmed.",
            ),
            Reason::EligibilityNotListed => (
                "비상장 기업임이 확인되지 않았습니다.",
                "That the firm is not listed is not confirmed.",
            ),
            Reason::ReasonRequired => ("사유를 적어야 합니다.", "A reason is required."),
            Reason::EvidenceRequired => ("근거를 적어야 합니다.", "Evidence is required."),
            Reason::GuaranteeNoRequired => (
                "보증번호를 적어야 합니다.",
                "A guarantee number is required.",
            ),
            Reason::LoanNoRequired => ("대출번호를 적어야 합니다.", "A loan number is required."),
            Reason::AboveApprovedAmount => (
                "대출금액이 승인금액을 넘습니다.",
                "The principal exceeds the approved amount.",
            ),
            Reason::ExecutedBeforeDecision => (
                "대출실행일이 결정일보다 앞섭니다.",
                "The loan was executed before the decision.",
            ),
            Reason::ExecutedInFuture => (
                "대출실행일이 오늘 이후입니다.",
                "The execution date is after today.",
            ),
            Reason::LoanDeadlinePassed => (
                "대출 실행 기한이 지났습니다.",
                "The deadline for the loan has passed.",
            ),
            Reason::DeadlineNotPassed => (
                "대출 실행 기한이 아직 지나지 않았습니다.",
                "The deadline for the loan has not passed yet.",
            ),
            Reason::UnknownCase => (
                "볼 수 있는 신청이 아닙니다.",
                "No such case that you may see.",
            ),
            Reason::UnknownDocument => ("그런 서류가 없습니다.", "No such document."),
            Reason::UnknownFirm => ("그런 기업이 없습니다.", "No such firm."),
            Reason::UnknownUser => ("그런 사용자가 없습니다.", "No such user."),
            Reason::UnknownActor => ("그런 사용자가 없습니다.", "No such user."),
            Reason::UnknownBank => ("그런 은행이 없습니다.", "No such bank."),
            Reason::UnknownBatch => ("그런 정산이 없습니다.", "No such settlement batch."),
            Reason::UnknownEvent => ("그런 사건이 없습니다.", "No such event."),
            Reason::UnknownProgram => ("그런 사업이 없습니다.", "No such programme."),
            Reason::UnknownVersion => ("그런 사업 버전이 없습니다.", "No such programme version."),
            Reason::NoLoan => ("실행된 대출이 없습니다.", "No loan has been executed."),
            Reason::Unauthenticated => ("먼저 로그인하세요.", "Sign in first."),
            Reason::LoginFailed => (
                "사용자 이름 또는 비밀번호가 맞지 않습니다.",
                "The user name or password is wrong.",
            ),
            Reason::TooManyFailures => (
                "이 주소에서 로그인에 5번 실패하여 이 이름은 15분 동안 잠겼습니다. 기다리거나 \
                 관리자(기업 사용자는 인천테크노파크)에게 잠금 해제를 요청하세요.",
                "After 5 failed sign-ins from this address the name is locked for 15 minutes. \
                 Wait, or ask an administrator (firms: the Technopark) to unlock it.",
            ),
            Reason::TooManyRegistrations => (
                "이 주소에서 가입 신청이 너무 많습니다. 15분쯤 뒤 다시 시도하세요.",
                "Too many registrations from this address. Try again in about 15 minutes.",
            ),
            Reason::ConfirmationRequired => (
                "관리자가 만든 계정은 두 번째 담당자(인천시 또는 테크노파크)의 확인으로만 사용할 수 있습니다.",
                "An account an administrator made is put in use only by a second person's confirmation.",
            ),
            Reason::ClaimEvidenceRequired => (
                "이미 등록된 기업에 대한 계정 신청입니다. 확인한 증빙을 적으세요.",
                "This account claims a firm already registered: name the evidence checked.",
            ),
            Reason::NotAwaitingConfirmation => (
                "확인을 기다리는 계정이 아닙니다.",
                "This account is not awaiting confirmation.",
            ),
            Reason::SetupFailed => (
                "사용자 이름 또는 설정 코드가 맞지 않거나, 이미 쓰였거나 기한이 지났습니다.",
                "The user name or setup code is wrong, already used or expired.",
            ),
            Reason::SlowDown => (
                "로그인 실패가 많아 잠시 기다려야 합니다. 조금 뒤 다시 시도하세요.",
                "Too many failed sign-ins: wait a moment and try again.",
            ),
            Reason::InactiveActor => ("사용이 중지된 계정입니다.", "This account is inactive."),
            Reason::OwnAccount => (
                "자기 계정은 중지할 수 없습니다.",
                "You cannot deactivate your own account.",
            ),
            Reason::ActorRequired => (
                "처리하는 사용자를 밝혀야 합니다.",
                "The acting user must be named.",
            ),
            Reason::FirstUserAdmin => (
                "첫 사용자는 관리자여야 합니다.",
                "The first user must be an administrator.",
            ),
            Reason::UserExists => (
                "같은 이름의 사용자가 있습니다.",
                "A user of that name exists.",
            ),
            Reason::FirmExists => (
                "같은 사업자등록번호의 기업이 있습니다.",
                "A firm with that business number exists.",
            ),
            Reason::DocumentsClosed => (
                "결정이 난 신청에는 서류를 더 올릴 수 없습니다.",
                "Documents are taken only until the decision.",
            ),
            Reason::NoVersionInForce => (
                "오늘 시행 중인 사업 버전이 없습니다.",
                "The programme has no version in force today.",
            ),
            Reason::VersionConflict => (
                "같은 날짜의 다른 사업 버전이 있습니다.",
                "Another version of the programme has that date.",
            ),
            Reason::AlreadyApproved => ("이미 승인되었습니다.", "It is already approved."),
            Reason::ReferenceReused => (
                "같은 문서번호가 다른 금액에 쓰였습니다.",
                "That reference was used for another amount.",
            ),
            Reason::NothingToSettle => ("정산할 청구가 없습니다.", "There is nothing to settle."),
            Reason::ThroughNotPast => (
                "정산 기준일은 오늘보다 앞서야 합니다.",
                "The day settled through must be before today.",
            ),
            Reason::BatchOpen => (
                "준비된 정산이 이미 있습니다.",
                "A prepared batch is already open.",
            ),
            Reason::BatchApproved => ("이미 승인된 정산입니다.", "The batch is already approved."),
            Reason::BatchRejected => ("반려된 정산입니다.", "The batch was rejected."),
            Reason::BatchNotApproved => ("승인되지 않은 정산입니다.", "The batch is not approved."),
            Reason::BatchStale => (
                "준비 뒤에 사건이 바뀌었습니다. 반려하고 다시 준비하세요.",
                "Events changed since the batch was prepared: reject it and prepare again.",
            ),
            Reason::EventInvalid => (
                "사건이 대출 이력과 맞지 않습니다.",
                "The event does not fit the loan's history.",
            ),
            Reason::EventContradicts => (
                "사건이 다른 사건과 맞지 않습니다.",
                "The event contradicts another event.",
            ),
            Reason::EventInFuture => (
                "사건 날짜가 오늘 이후입니다.",
                "The event's date is after today.",
            ),
            Reason::EventCancelled => {
                ("이미 취소된 사건입니다.", "The event is already cancelled.")
            }
            Reason::GuaranteeNoExists => (
                "이미 쓰인 보증번호입니다.",
                "That guarantee number is taken.",
            ),
            Reason::LoanNoExists => ("이미 쓰인 대출번호입니다.", "That loan number is taken."),
            Reason::DatabaseInUse => (
                "자체 기록이 있는 데이터베이스입니다.",
                "The database holds records of its own.",
            ),
            Reason::DemoInterrupted => (
                "시연 자료 생성이 중단되었습니다.",
                "Building the demo was interrupted.",
            ),
            Reason::DemoStory => (
                "시연 자료의 순서가 맞지 않습니다.",
                "The demo's story is out of order.",
            ),
            Reason::BankExists => (
                "같은 코드의 은행이 있습니다.",
                "A bank with that code exists.",
            ),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// What is wrong with a form's field of this name, said beside it.
    pub fn problem(&self, field: &str) -> &'static str {
        let (k, e) = match field {
            "grade" | "kibo_grade" => (
                "KTRS 등급(AAA~D)을 고르세요",
                "Choose a KTRS grade (AAA to D)",
            ),
            "coverage_pct" | "base_fee_rate_pct" | "annual_rate_pct" => (
                "백분율을 숫자로 적으세요 (예: 95, 1.2)",
                "Write a percentage as a number (for example 95 or 1.2)",
            ),
            "approved_won" | "principal_won" | "requested_won" => (
                "원 단위의 양의 정수로 적으세요",
                "Write a positive whole number of won",
            ),
            "executed_on" | "maturity_on" | "through" | "decided_on" => (
                "날짜를 YYYY-MM-DD 형식으로 적으세요",
                "Write the date as YYYY-MM-DD",
            ),
            "loan_term" => (
                "만기일은 대출실행일 뒤, 50년 이내여야 합니다",
                "The maturity must be after the execution date and within 50 years",
            ),
            "bank_code" | "code" => (
                "세 자리 은행코드를 적으세요",
                "Write a three-digit bank code",
            ),
            "item" => ("확인 항목을 고르세요", "Choose an item"),
            "met" => ("충족 또는 미충족을 고르세요", "Choose met or not met"),
            "business_no" => (
                "올바른 사업자등록번호가 아닙니다 (NNN-NN-NNNNN)",
                "Not a valid business registration number (NNN-NN-NNNNN)",
            ),
            "corporate_no" => (
                "올바른 법인등록번호가 아닙니다 (NNNNNN-NNNNNNN)",
                "Not a valid corporate registration number (NNNNNN-NNNNNNN)",
            ),
            "role" => ("역할을 고르세요", "Choose a role"),
            "password" => (
                "비밀번호는 12자 이상이어야 합니다",
                "The password must be at least 12 characters",
            ),
            "user_name" | "name" | "firm_name" => ("1~64자로 적으세요", "Write 1 to 64 characters"),
            "file" => (
                "PDF, PNG, JPEG 또는 HWP 파일로 5 MiB 이하여야 합니다 (내용과 확장자가 맞아야 합니다)",
                "A PDF, PNG, JPEG or HWP file of at most 5 MiB, its content matching its name",
            ),
            _ => ("필수 항목입니다", "is required"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// A workflow step's name, as its button says it.
    pub fn step(&self, name: &str) -> &'static str {
        let (k, e) = match name {
            "submit" => ("신청 제출", "Submit the application"),
            "kibo-review" => ("기보 심사 시작", "Take into KIBO review"),
            "select" => ("선정", "Select"),
            "reject" => ("반려", "Reject"),
            "eligibility-review" => ("요건 검토 시작", "Start the eligibility review"),
            "check" => ("요건 확인 기록", "Record a check"),
            "approve" => ("지원 승인", "Approve"),
            "issue-guarantee" => ("보증서 발급", "Issue the guarantee"),
            "execute-loan" => ("대출 실행", "Execute the loan"),
            "withdraw" => ("신청 철회", "Withdraw the application"),
            "expire" => ("기한 만료 처리", "Expire"),
            "apply" => ("신청서 작성", "Application drafted"),
            "document" => ("서류 제출", "Document uploaded"),
            _ => ("", ""),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// What an audit entry about a case records.
    pub fn action(&self, action: &str) -> &'static str {
        if let Some(step) = action
            .strip_prefix("case.")
            .filter(|s| !self.step(s).is_empty())
        {
            return self.step(step);
        }
        let (k, e) = match action {
            "case.new" => ("신청서 작성", "Application drafted"),
            "case.promote" => ("예산 배정 (대기 해제)", "Promoted from the waitlist"),
            "case.document" => ("서류 제출", "Document uploaded"),
            "case.reconcile" => ("사건 반영 후 재확인", "Reconciled after an event"),
            "event.report" => ("사건 보고", "Event reported"),
            "event.cancel" => ("사건 취소", "Event cancelled"),
            _ => ("기타", "Other"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// An eligibility check item (RULES.md 7).
    pub fn check_item(&self, item: jumpup_domain::workflow::CheckItem) -> &'static str {
        use jumpup_domain::workflow::CheckItem;
        let (k, e) = match item {
            CheckItem::IncheonSite => ("인천 소재 사업장", "A site in Incheon"),
            CheckItem::NotClosed => ("휴·폐업 아님", "Not closed or suspended"),
            CheckItem::NoTaxArrears => ("세금 체납 없음", "No tax arrears"),
            CheckItem::NotDelinquent => ("연체 없음", "Not a delinquent borrower"),
            CheckItem::NotListed => ("비상장 기업", "Not a listed firm"),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// An event's kind (FILES.md).
    pub fn event_kind(&self, kind: &str) -> &'static str {
        let (k, e) = match kind {
            "repayment" => ("상환", "Repayment"),
            "rate_change" => ("금리 변경", "Rate change"),
            "arrears_start" => ("연체 시작", "Arrears start"),
            "arrears_end" => ("연체 해소", "Arrears end"),
            "relocation" => ("관외 이전", "Relocation"),
            "closure" => ("휴·폐업", "Closure"),
            "default" => ("기한이익상실", "Default"),
            "ineligible" => ("부정수급", "Ineligible"),
            _ => ("", ""),
        };
        if self.lang_code == "ko" { k } else { e }
    }

    /// A moment as officials write it, in Korean time: `2025. 7. 22. 09:01`.
    pub fn moment(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        let korea = chrono::FixedOffset::east_opt(9 * 3600).expect("invariant: +09:00");
        let local = at.with_timezone(&korea);
        format!(
            "{} {}",
            self.date(local.date_naive()),
            local.format("%H:%M")
        )
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

    /// A count with thousands separators (`1,183`).
    pub fn count(&self, n: i64) -> String {
        jumpup_domain::money::Won::new(n).grouped()
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

    /// Every text of a catalogue, by its key, read from its `Debug` form.
    fn entries(ui: &Ui) -> Vec<(String, String)> {
        let debug = format!("{ui:?}");
        let body = debug
            .strip_prefix("Ui { ")
            .and_then(|b| b.strip_suffix(" }"))
            .expect("a struct");
        body.split("\", ")
            .map(|pair| {
                let (key, value) = pair.split_once(": \"").expect("key: \"value");
                (key.to_owned(), value.trim_end_matches('"').to_owned())
            })
            .collect()
    }

    #[test]
    fn every_key_has_a_text_in_each_language_and_each_in_its_own_language() {
        let hangul = |s: &str| s.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
        let (ko, en) = (entries(&KO), entries(&EN));
        assert!(ko.len() > 200, "the whole catalogue is read: {}", ko.len());
        assert_eq!(
            ko.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            en.iter().map(|(k, _)| k).collect::<Vec<_>>()
        );
        // Codes and the names of the other language are the exceptions.
        let codes = ["lang_code", "other_lang_code", "other_lang_name", "won"];
        for ((key, k), (_, e)) in ko.iter().zip(&en) {
            assert!(!k.is_empty() && !e.is_empty(), "{key} is empty");
            if codes.contains(&key.as_str()) {
                continue;
            }
            assert!(hangul(k), "{key} is not Korean: {k:?}");
            assert!(!hangul(e), "{key} is not English: {e:?}");
        }
        for state in State::ALL {
            assert!(
                hangul(KO.state(state)) && !hangul(EN.state(state)),
                "{state}"
            );
        }
        for account in Account::ALL {
            assert!(hangul(KO.account(account)) && !hangul(EN.account(account)));
        }
        for item in jumpup_domain::workflow::CheckItem::ALL {
            assert!(hangul(KO.check_item(item)) && !hangul(EN.check_item(item)));
        }
        for kind in jumpup_domain::loan::EventKind::WORDS.iter().copied() {
            assert!(
                hangul(KO.event_kind(kind)) && !hangul(EN.event_kind(kind)),
                "{kind}"
            );
        }
        for status in jumpup_domain::settlement::Status::ALL {
            assert!(
                hangul(KO.line_status(status)) && !hangul(EN.line_status(status)),
                "{status}"
            );
        }
        for action in [
            "case.new",
            "case.submit",
            "case.promote",
            "case.reconcile",
            "case.document",
            "event.report",
            "event.cancel",
        ] {
            assert!(
                hangul(KO.action(action)) && !hangul(EN.action(action)),
                "{action}"
            );
        }
    }

    #[test]
    fn every_refusal_is_said_in_both_languages() {
        let hangul = |s: &str| s.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
        for &reason in Reason::ALL {
            assert!(hangul(KO.refusal(reason)), "{reason:?} has no Korean text");
            let en = EN.refusal(reason);
            assert!(
                !en.is_empty() && !hangul(en),
                "{reason:?} has no English text"
            );
        }
    }

    #[test]
    fn dates_read_as_officials_write_them() {
        let d = chrono::NaiveDate::from_ymd_opt(2025, 7, 22).expect("a date");
        assert_eq!(KO.date(d), "2025. 7. 22.");
        assert_eq!(EN.date(d), "2025-07-22");
    }
}
