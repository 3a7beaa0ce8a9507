//! Long multiplication done the way a pupil (or a calculator) does it, digit by digit with
//! carries, and the plausible wrong chain of thought from the guide, computed rather than typed.

/// One row of long multiplication: the top number times one digit of the bottom number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The digit of the multiplier.
    pub digit: u8,
    /// Its place: 0 for units, 1 for tens, …
    pub place: u32,
    /// The carry written above each step, units first.
    pub carries: Vec<u8>,
    /// top × digit × 10^place.
    pub value: u128,
}

/// The rows and the exact product of `a × b`.
pub fn long_multiply(a: u64, b: u64) -> (Vec<Row>, u128) {
    let a_digits: Vec<u8> = a.to_string().bytes().rev().map(|c| c - b'0').collect();
    let mut rows = Vec::new();
    for (place, d) in b.to_string().bytes().rev().map(|c| c - b'0').enumerate() {
        let mut carry = 0u8;
        let mut carries = Vec::new();
        let mut digits = Vec::new();
        for &x in &a_digits {
            let p = x * d + carry;
            digits.push(p % 10);
            carry = p / 10;
            carries.push(carry);
        }
        let mut value: u128 = u128::from(carry);
        for &x in digits.iter().rev() {
            value = value * 10 + u128::from(x);
        }
        rows.push(Row {
            digit: d,
            place: place as u32,
            carries,
            value: value * 10u128.pow(place as u32),
        });
    }
    let total = rows.iter().map(|r| r.value).sum();
    (rows, total)
}

/// One step of a written chain of thought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub text: String,
    pub value: u128,
    /// Whether the step's number is right.
    pub correct: bool,
}

/// A whole number with its thousands separated, as the steps print it ("3,847 × 200").
fn g(v: u128) -> String {
    super::expr::group_thousands(v as i128)
}

/// The guide's chain for `a × b` with b split into hundreds and the rest, where the rest is
/// worked out by its tens only: the units part is silently dropped, as a tired writer would.
/// Returns the steps and the final (wrong, unless the units digit is 0) total.
pub fn plausible_wrong_chain(a: u64, b: u64) -> (Vec<Step>, u128) {
    let (a, b) = (u128::from(a), u128::from(b));
    let hundreds = b / 100 * 100;
    let rest = b - hundreds;
    let tens_only = rest / 10 * 10;
    let first = a * hundreds;
    let second = a * tens_only;
    let total = first + second;
    let steps = vec![
        Step { text: format!("{} × {}", g(a), g(hundreds)), value: first, correct: true },
        Step {
            text: format!("{} × {}", g(a), g(rest)),
            value: second,
            correct: second == a * rest,
        },
        Step { text: "total".into(), value: total, correct: total == a * b },
    ];
    (steps, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_product_by_rows() {
        let (rows, total) = long_multiply(3847, 291);
        assert_eq!(total, 1_119_477);
        let values: Vec<u128> = rows.iter().map(|r| r.value).collect();
        assert_eq!(values, vec![3847, 346_230, 769_400]);
        // 7×9 = 63 carry 6; 4×9+6 = 42 carry 4; 8×9+4 = 76 carry 7; 3×9+7 = 34 carry 3.
        assert_eq!(rows[1].carries, vec![6, 4, 7, 3]);
    }

    #[test]
    fn the_guides_wrong_chain() {
        let (steps, total) = plausible_wrong_chain(3847, 291);
        assert_eq!(steps[0].value, 769_400);
        assert_eq!(steps[1].value, 346_230);
        assert!(!steps[1].correct);
        assert_eq!(total, 1_115_630);
        assert_eq!(1_119_477 - total, 3847);
    }

    #[test]
    fn large_operands_do_not_overflow() {
        let (_, t) = long_multiply(u64::MAX, u64::MAX);
        assert_eq!(t, u128::from(u64::MAX) * u128::from(u64::MAX));
        assert_eq!(long_multiply(0, 5).1, 0);
    }
}
