//! The message catalogue of the command line's readable output, in Korean (the default) and
//! English. A catalogue is a struct, so a text missing in one language does not compile.

use jumpup_domain::loan::EndReason;
use jumpup_domain::quote::Warning;
use jumpup_domain::rules::Param;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

impl Lang {
    /// Every language, by its code (`ko`, `en`).
    pub const ALL: [(&str, Lang); 2] = [("ko", Lang::Ko), ("en", Lang::En)];
}

#[derive(Debug)]
pub struct Texts {
    pub programme: &'static str,
    pub version_from: &'static str,
    pub guarantee: &'static str,
    pub coverage: &'static str,
    pub guaranteed: &'static str,
    pub fee_year: &'static str,
    pub period: &'static str,
    pub days: &'static str,
    pub fee_base: &'static str,
    pub fee_rate: &'static str,
    pub fee: &'static str,
    pub total: &'static str,
    pub fee_total: &'static str,
    pub repaid_in_full: &'static str,
    pub days_used: &'static str,
    pub working: &'static str,
    pub refund: &'static str,
    pub refund_working: &'static str,
    pub subsidy: &'static str,
    pub end_reason: &'static str,
    pub no_subsidy_days: &'static str,
    pub claim: &'static str,
    pub payment: &'static str,
    pub reservation: &'static str,
    pub warnings: &'static str,
    pub segment: &'static str,
    pub balance: &'static str,
    pub base: &'static str,
    pub loan_rate: &'static str,
    pub effective_rate: &'static str,
    pub year_days: &'static str,
    pub arrears: &'static str,
    pub exact_sum: &'static str,
    pub truncated: &'static str,
    pub forfeited: &'static str,
    pub payment_unit: &'static str,
    pub won: &'static str,
    pub parameter: &'static str,
    pub value: &'static str,
    pub meaning: &'static str,
    pub versions: &'static str,
    pub in_force_on: &'static str,
    pub id: &'static str,
    pub name: &'static str,
    pub current_version: &'static str,
    pub loan: &'static str,
    pub annual_rate: &'static str,
    pub executed_on: &'static str,
    pub maturity_on: &'static str,
    pub grade: &'static str,
    pub override_rule: &'static str,
}

pub const KO: Texts = Texts {
    programme: "사업",
    version_from: "시행일",
    guarantee: "보증",
    coverage: "보증비율",
    guaranteed: "보증금액",
    fee_year: "연차",
    period: "기간",
    days: "일수",
    fee_base: "보증료 기준금액(원)",
    fee_rate: "보증료율(%)",
    fee: "보증료(원)",
    total: "합계",
    fee_total: "보증료 합계",
    repaid_in_full: "전액 상환",
    days_used: "일 사용",
    working: "계산 내역",
    refund: "보증료 환급",
    refund_working: "환급 계산",
    subsidy: "이차보전",
    end_reason: "종료 사유",
    no_subsidy_days: "지원 일수 없음",
    claim: "청구액(원)",
    payment: "지급액(원)",
    reservation: "예산 예약액",
    warnings: "참고",
    segment: "구간",
    balance: "대출잔액",
    base: "지원기준액",
    loan_rate: "대출금리",
    effective_rate: "적용 지원율",
    year_days: "연일수",
    arrears: "연체(지원 없음)",
    exact_sum: "정확한 합계",
    truncated: "원 미만 절사",
    forfeited: "부정수급으로 전액 환수",
    payment_unit: "지급 단위",
    won: "원",
    parameter: "항목",
    value: "값",
    meaning: "설명",
    versions: "시행 버전",
    in_force_on: "기준일",
    id: "ID",
    name: "사업명",
    current_version: "현행 버전",
    loan: "대출",
    annual_rate: "금리 연",
    executed_on: "실행일",
    maturity_on: "만기일",
    grade: "기술평가등급",
    override_rule: "적용 규칙 변경",
};

pub const EN: Texts = Texts {
    programme: "Programme",
    version_from: "in force from",
    guarantee: "Guarantee",
    coverage: "coverage",
    guaranteed: "guaranteed",
    fee_year: "Year",
    period: "Period",
    days: "Days",
    fee_base: "Base (won)",
    fee_rate: "Rate (%)",
    fee: "Fee (won)",
    total: "Total",
    fee_total: "Fee total",
    repaid_in_full: "repaid in full",
    days_used: " days used",
    working: "Working",
    refund: "Fee refund",
    refund_working: "refund working",
    subsidy: "Interest subsidy",
    end_reason: "ends because of",
    no_subsidy_days: "no subsidised days",
    claim: "Claim (won)",
    payment: "Payment (won)",
    reservation: "Budget reservation",
    warnings: "Notes",
    segment: "segment",
    balance: "balance",
    base: "base",
    loan_rate: "loan rate",
    effective_rate: "effective rate",
    year_days: "year days",
    arrears: "in arrears (no accrual)",
    exact_sum: "exact sum",
    truncated: "truncated to won",
    forfeited: "forfeited (ineligible)",
    payment_unit: "payment unit",
    won: " won",
    parameter: "Parameter",
    value: "Value",
    meaning: "Meaning",
    versions: "Versions",
    in_force_on: "on",
    id: "ID",
    name: "Name",
    current_version: "Current version",
    loan: "Loan",
    annual_rate: "rate",
    executed_on: "executed",
    maturity_on: "maturity",
    grade: "KIBO grade",
    override_rule: "Rule override",
};

impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Ko => &KO,
            Lang::En => &EN,
        }
    }

    pub fn end_reason(self, reason: EndReason) -> &'static str {
        match (self, reason) {
            (Lang::Ko, EndReason::Term) => "지원기간 만료",
            (Lang::Ko, EndReason::Maturity) => "대출 만기",
            (Lang::Ko, EndReason::Repaid) => "전액 상환",
            (Lang::Ko, EndReason::Relocation) => "관외 이전",
            (Lang::Ko, EndReason::Closure) => "휴·폐업",
            (Lang::Ko, EndReason::Default) => "기한이익상실·보증사고",
            (Lang::Ko, EndReason::Ineligible) => "부정수급·목적외 사용",
            (Lang::En, EndReason::Term) => "end of term",
            (Lang::En, EndReason::Maturity) => "maturity",
            (Lang::En, EndReason::Repaid) => "repaid in full",
            (Lang::En, EndReason::Relocation) => "relocation outside the city",
            (Lang::En, EndReason::Closure) => "suspension or closure",
            (Lang::En, EndReason::Default) => "default",
            (Lang::En, EndReason::Ineligible) => "ineligible receipt",
        }
    }

    /// What a rule parameter means, in this language.
    pub fn param_meaning(self, param: Param) -> &'static str {
        use Param as P;
        match self {
            Lang::En => param.meaning(),
            Lang::Ko => match param {
                P::BudgetSubsidyWon => {
                    "이차보전 예산: 예약 총액은 이 금액(추가 증액 포함)을 넘지 않음"
                }
                P::BudgetGuaranteeSupplyWon => "기술보증기금의 우대보증 공급 규모",
                P::LimitPerFirmWon => "기업당 지원 한도 (선정되어 진행 중인 건의 합계)",
                P::LimitPerFirmWonGradeAOrAbove => "기술평가등급 A 이상(AAA, AA, A) 기업의 한도",
                P::CaseLoanDeadlineDays => "승인 후 이 일수 안에 대출이 실행되지 않으면 만료",
                P::GuaranteeCoveragePctMin => "보증비율 하한",
                P::GuaranteeCoveragePctMax => "보증비율 상한",
                P::GuaranteeFeeDiscountPct => "기준 보증료율에서 감면하는 율",
                P::GuaranteeFeeDiscountYears => "감면을 받는 보증 연차 수",
                P::GuaranteeFeeFloorPct => "보증료율 하한",
                P::GuaranteeFeeDayCount => "보증료 일수 계산 방식",
                P::SubsidyRatePct => "이차보전율 (연 %p)",
                P::SubsidyTermMonths => "대출 실행일부터의 이차보전 기간",
                P::SubsidyMinBorrowerRatePct => "기업이 항상 부담하는 최소 금리",
                P::SubsidyBaseParam => "loan: 대출잔액, guaranteed: 보증부분 잔액",
                P::SubsidyCapWon => "이차보전 대상 잔액 한도",
                P::SubsidyCapWonGradeAOrAbove => "기술평가등급 A 이상 기업의 잔액 한도",
                P::SubsidyClaimPeriod => "청구 주기: month(월), quarter(분기), term(기간 전체 1회)",
                P::SubsidyDayCount => "이차보전 일수 계산 방식",
                P::SubsidyPaymentUnitWon => "지급액 절사 단위 (원)",
            },
        }
    }

    pub fn warning(self, warning: Warning) -> String {
        match (self, warning) {
            (Lang::Ko, Warning::PrincipalAboveCap { cap }) => {
                format!(
                    "대출원금이 지원 한도({}원)를 넘어 한도까지만 이차보전됩니다",
                    cap.grouped()
                )
            }
            (Lang::Ko, Warning::Forfeited { on }) => {
                format!(
                    "{on} 부정수급·목적외 사용: 이차보전 전액이 지급되지 않으며 지급분은 환수됩니다"
                )
            }
            (Lang::Ko, Warning::NoSubsidy) => "이 사업은 이차보전을 지원하지 않습니다".into(),
            (Lang::En, w) => crate::quote_json::warning_en(w),
        }
    }
}
