use jumpup_domain::regno::{BusinessNumber, CorporateNumber, RegNoError};
use proptest::prelude::*;

fn text(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

proptest! {
    #[test]
    fn business_numbers_accept_what_they_generate_and_reject_every_single_digit_change(
        first9 in proptest::array::uniform9(0u8..10),
    ) {
        let number = BusinessNumber::from_first9(first9);
        prop_assert_eq!(BusinessNumber::parse(&number.to_string()), Ok(number));
        prop_assert_eq!(BusinessNumber::parse(&text(&number.digits())), Ok(number));
        for position in 0..10 {
            for digit in 0..10u8 {
                let mut changed = number.digits();
                if changed[position] == digit {
                    continue;
                }
                changed[position] = digit;
                prop_assert_eq!(
                    BusinessNumber::parse(&text(&changed)),
                    Err(RegNoError::CheckDigit),
                    "position {} to {}", position, digit
                );
            }
        }
    }

    #[test]
    fn corporate_numbers_reject_every_single_digit_change_the_checksum_can_see(
        first12 in proptest::array::uniform12(0u8..10),
    ) {
        let number = CorporateNumber::from_first12(first12);
        prop_assert_eq!(CorporateNumber::parse(&number.to_string()), Ok(number));
        for position in 0..13 {
            for digit in 0..10u8 {
                let mut changed = number.digits();
                let before = changed[position];
                if before == digit {
                    continue;
                }
                changed[position] = digit;
                // A change of 5 at a position weighted 2 adds 10 to the sum: invisible.
                let invisible = position < 12 && position % 2 == 1 && before.abs_diff(digit) == 5;
                let parsed = CorporateNumber::parse(&text(&changed));
                if invisible {
                    prop_assert!(parsed.is_ok(), "position {} to {}", position, digit);
                } else {
                    prop_assert_eq!(parsed, Err(RegNoError::CheckDigit), "position {} to {}", position, digit);
                }
            }
        }
    }
}
