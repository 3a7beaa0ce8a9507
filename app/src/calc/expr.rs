//! A safe arithmetic evaluator: the "code interpreter" of the tools chapter. Exact rational
//! arithmetic on `i128`, so 3847 × 291 is 1,119,477 and 1/3 + 1/6 is 1/2, never a float guess.
//! Every failure is a typed error with the character position, never a panic.

use std::fmt;

/// An exact fraction `num / den` in lowest terms, `den > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rational {
    pub num: i128,
    pub den: i128,
}

/// Why an expression could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprError {
    /// Nothing to evaluate.
    Empty,
    /// A character that is not part of the language, at this character index.
    UnexpectedChar(char, usize),
    /// The expression stopped where more was needed (an operand or a closing bracket).
    UnexpectedEnd,
    /// A token in a place where it makes no sense, at this character index.
    UnexpectedToken(String, usize),
    /// A number too long to hold exactly.
    NumberTooLarge(usize),
    DivisionByZero,
    /// An intermediate result left the exact range (about ±1.7 × 10³⁸).
    Overflow,
    /// Exponents must be whole numbers between 0 and 1000 (or negative for a non-zero base).
    BadExponent,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExprError::Empty => write!(f, "there is no expression to evaluate"),
            ExprError::UnexpectedChar(c, i) => {
                write!(f, "“{c}” at position {} is not a number, bracket or operator", i + 1)
            }
            ExprError::UnexpectedEnd => {
                write!(f, "the expression ends too early: a number or “)” is missing")
            }
            ExprError::UnexpectedToken(t, i) => {
                write!(f, "“{t}” at position {} is out of place", i + 1)
            }
            ExprError::NumberTooLarge(i) => {
                write!(f, "the number at position {} is too long to hold exactly", i + 1)
            }
            ExprError::DivisionByZero => write!(f, "division by zero"),
            ExprError::Overflow => write!(f, "a result is too large to compute exactly"),
            ExprError::BadExponent => {
                write!(f, "exponents must be whole numbers from −1000 to 1000")
            }
        }
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Rational {
    /// A whole number.
    pub fn int(n: i128) -> Self {
        Rational { num: n, den: 1 }
    }

    /// `num / den` reduced; errors on a zero denominator.
    pub fn new(num: i128, den: i128) -> Result<Self, ExprError> {
        if den == 0 {
            return Err(ExprError::DivisionByZero);
        }
        let g = gcd(num, den).max(1);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            n = n.checked_neg().ok_or(ExprError::Overflow)?;
            d = d.checked_neg().ok_or(ExprError::Overflow)?;
        }
        Ok(Rational { num: n, den: d })
    }

    pub fn is_integer(self) -> bool {
        self.den == 1
    }

    fn add(self, o: Self) -> Result<Self, ExprError> {
        let g = gcd(self.den, o.den);
        let l = (self.den / g).checked_mul(o.den).ok_or(ExprError::Overflow)?;
        let a = self.num.checked_mul(l / self.den).ok_or(ExprError::Overflow)?;
        let b = o.num.checked_mul(l / o.den).ok_or(ExprError::Overflow)?;
        Rational::new(a.checked_add(b).ok_or(ExprError::Overflow)?, l)
    }

    fn neg(self) -> Result<Self, ExprError> {
        Ok(Rational { num: self.num.checked_neg().ok_or(ExprError::Overflow)?, den: self.den })
    }

    fn mul(self, o: Self) -> Result<Self, ExprError> {
        // Cross-reduce first so exact products stay in range as long as possible.
        let g1 = gcd(self.num, o.den).max(1);
        let g2 = gcd(o.num, self.den).max(1);
        let n = (self.num / g1).checked_mul(o.num / g2).ok_or(ExprError::Overflow)?;
        let d = (self.den / g2).checked_mul(o.den / g1).ok_or(ExprError::Overflow)?;
        Rational::new(n, d)
    }

    fn recip(self) -> Result<Self, ExprError> {
        Rational::new(self.den, self.num)
    }

    fn pow(self, e: Self) -> Result<Self, ExprError> {
        if !e.is_integer() || e.num.abs() > 1000 {
            return Err(ExprError::BadExponent);
        }
        let base = if e.num < 0 { self.recip()? } else { self };
        let mut acc = Rational::int(1);
        for _ in 0..e.num.abs() {
            acc = acc.mul(base)?;
        }
        Ok(acc)
    }

    /// A decimal approximation, for showing beside a fraction.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

/// A product name as a reader would write it: without the trademark marks a CPU reports
/// ("Intel(R) Xeon(R) Processor" → "Intel Xeon Processor").
pub fn plain_name(name: &str) -> String {
    name.replace("(R)", "").replace("(TM)", "").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A number printed by `format!` with a true minus (U+2212) for its hyphen-minus: every `-`
/// that starts the text or follows a space or an opening bracket, and comes before a digit or a
/// dot ("-3.0" → "−3.0", "(-2, 4)" → "(−2, 4)"; "d32-l2" and "10-20" are left alone).
pub fn true_minus(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let starts = prev.is_none_or(|p| p == ' ' || p == '(' || p == '[' || p == '\u{a0}');
        let number = chars.peek().is_some_and(|n| n.is_ascii_digit() || *n == '.');
        out.push(if c == '-' && starts && number { '−' } else { c });
        prev = Some(c);
    }
    out
}

/// `v` to `decimals` places, as `format!("{v:.decimals$}")` but with a true minus, "∞" for an
/// infinity, and no "-0.00".
pub fn fixed(v: impl Into<f64>, decimals: usize) -> String {
    let v: f64 = v.into();
    let digits =
        if v.is_infinite() { "∞".to_string() } else { format!("{:.decimals$}", v.abs()) };
    if v < 0.0 && !zero(&digits) { format!("−{digits}") } else { digits }
}

/// `v` to `decimals` places with its sign always written ([`fixed`] with a "+" on a positive
/// value): "+0.12", "−0.40". A value that rounds to zero has no sign ("0.00", never "-0.00").
pub fn signed(v: impl Into<f64>, decimals: usize) -> String {
    let v: f64 = v.into();
    let s = fixed(v, decimals);
    if v > 0.0 && !zero(&s) { format!("+{s}") } else { s }
}

/// Whether printed digits are all zeros ("0.00").
fn zero(digits: &str) -> bool {
    digits.bytes().all(|b| b == b'0' || b == b'.')
}

/// Text that never breaks across lines: every space a no-break space ("32.8 GB", a formula kept
/// whole).
pub fn unbroken(s: &str) -> String {
    s.replace(' ', "\u{a0}")
}

/// A formula with its line breaks only after an operator: every space becomes a no-break space
/// except the one after "×", "÷", "+", "−", "=" or "≈", so a wrapped line ends with its operator
/// and never starts with one, and "4 bytes" or "327,680 bytes per token" stay whole.
pub fn unbroken_terms(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if c == ' ' {
            let after_operator = matches!(prev, Some('×' | '÷' | '+' | '−' | '=' | '≈'));
            out.push(if after_operator { ' ' } else { '\u{a0}' });
        } else {
            out.push(c);
        }
        prev = Some(c);
    }
    out
}

/// Groups digits in threes: 1119477 → "1,119,477".
pub fn group_thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("−{out}") } else { out }
}

/// `v` in the page's one scientific notation, for numbers too large or small to read in full:
/// `digits` decimals and a superscript power of ten, 412900 → "4.13 × 10⁵" (2 digits); zero and
/// non-finite values as Rust prints them.
pub fn power_of_ten(v: f64, digits: usize) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let formatted = format!("{v:.digits$e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let mantissa = mantissa.replace('-', "−");
    if exponent == "0" {
        return mantissa;
    }
    let sup: String = exponent
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹']
                [d.to_digit(10).unwrap_or(0) as usize],
        })
        .collect();
    format!("{mantissa} × 10{sup}")
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_integer() {
            write!(f, "{}", group_thousands(self.num))
        } else {
            write!(f, "{}/{} ≈ {:.6}", group_thousands(self.num), self.den, self.to_f64())
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(Rational),
    Op(char),
    Open,
    Close,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '0'..='9' | '.' => {
                let start = i;
                let (mut int, mut frac_den, mut seen_dot) = (0i128, 1i128, false);
                while i < chars.len() {
                    match chars[i] {
                        d @ '0'..='9' => {
                            let v = d as i128 - '0' as i128;
                            int = int
                                .checked_mul(10)
                                .and_then(|x| x.checked_add(v))
                                .ok_or(ExprError::NumberTooLarge(start))?;
                            if seen_dot {
                                frac_den = frac_den
                                    .checked_mul(10)
                                    .ok_or(ExprError::NumberTooLarge(start))?;
                            }
                        }
                        // Thousands separators, as people type them: 3,847.
                        ',' if !seen_dot
                            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) => {}
                        '_' => {}
                        '.' if !seen_dot => seen_dot = true,
                        _ => break,
                    }
                    i += 1;
                }
                if chars[start..i].iter().all(|&c| c == '.') {
                    return Err(ExprError::UnexpectedChar('.', start));
                }
                out.push((Tok::Num(Rational::new(int, frac_den)?), start));
            }
            '+' | '-' | '−' | '*' | '×' | '·' | '/' | '÷' | '^' => {
                let op = match c {
                    '−' => '-',
                    '×' | '·' => '*',
                    '÷' => '/',
                    other => other,
                };
                // `**` is Python's power operator; accept it as `^`.
                if op == '*' && chars.get(i + 1) == Some(&'*') {
                    out.push((Tok::Op('^'), i));
                    i += 2;
                } else {
                    out.push((Tok::Op(op), i));
                    i += 1;
                }
            }
            '(' => {
                out.push((Tok::Open, i));
                i += 1;
            }
            ')' => {
                out.push((Tok::Close, i));
                i += 1;
            }
            other => return Err(ExprError::UnexpectedChar(other, i)),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    depth: usize,
}

/// Brackets nested deeper than this are refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 200;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn unexpected(&self) -> ExprError {
        match self.toks.get(self.at) {
            None => ExprError::UnexpectedEnd,
            Some((t, i)) => {
                let s = match t {
                    Tok::Num(r) => r.to_string(),
                    Tok::Op(c) => c.to_string(),
                    Tok::Open => "(".into(),
                    Tok::Close => ")".into(),
                };
                ExprError::UnexpectedToken(s, *i)
            }
        }
    }

    fn expr(&mut self) -> Result<Rational, ExprError> {
        let mut acc = self.term()?;
        while let Some(Tok::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.at += 1;
            let rhs = self.term()?;
            acc = if op == '+' { acc.add(rhs)? } else { acc.add(rhs.neg()?)? };
        }
        Ok(acc)
    }

    fn term(&mut self) -> Result<Rational, ExprError> {
        let mut acc = self.unary()?;
        while let Some(Tok::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.at += 1;
            let rhs = self.unary()?;
            acc = if op == '*' { acc.mul(rhs)? } else { acc.mul(rhs.recip()?)? };
        }
        Ok(acc)
    }

    fn unary(&mut self) -> Result<Rational, ExprError> {
        match self.peek() {
            Some(Tok::Op('-')) => {
                self.at += 1;
                self.nested(|p| p.unary())?.neg()
            }
            Some(Tok::Op('+')) => {
                self.at += 1;
                self.nested(|p| p.unary())
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Rational, ExprError> {
        let base = self.atom()?;
        if let Some(Tok::Op('^')) = self.peek() {
            self.at += 1;
            // Right-associative, and binds tighter than a leading minus: -2^2 = -4.
            let e = self.nested(|p| p.unary())?;
            return base.pow(e);
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Rational, ExprError> {
        match self.peek().cloned() {
            Some(Tok::Num(r)) => {
                self.at += 1;
                Ok(r)
            }
            Some(Tok::Open) => {
                self.at += 1;
                let v = self.nested(|p| p.expr())?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(self.unexpected());
                }
                self.at += 1;
                Ok(v)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Rational, ExprError>,
    ) -> Result<Rational, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::Overflow);
        }
        let r = f(self);
        self.depth -= 1;
        r
    }
}

/// Evaluates `+ - * / ^ ( )` (also `× ÷ · − **`) over exact fractions.
pub fn evaluate(src: &str) -> Result<Rational, ExprError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(ExprError::Empty);
    }
    let mut p = Parser { toks, at: 0, depth: 0 };
    let v = p.expr()?;
    if p.at != p.toks.len() {
        return Err(p.unexpected());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn printed_numbers_get_a_true_minus() {
        assert_eq!(super::true_minus("-3.0"), "−3.0");
        assert_eq!(super::true_minus("from -2 to (-1.5)"), "from −2 to (−1.5)");
        assert_eq!(super::true_minus("d32-l2, 10-20, -x"), "d32-l2, 10-20, -x");
        assert_eq!(super::fixed(-42.8114, 3), "−42.811");
        assert_eq!(super::fixed(-0.0001, 2), "0.00");
        assert_eq!(super::fixed(2.5f32, 1), "2.5");
    }

    #[test]
    fn signed_numbers_use_a_true_minus_and_no_sign_on_zero() {
        assert_eq!(super::signed(0.123, 2), "+0.12");
        assert_eq!(super::signed(-0.4, 2), "−0.40");
        assert_eq!(super::signed(-0.001, 2), "0.00");
        assert_eq!(super::signed(0.0, 3), "0.000");
        assert_eq!(super::signed(-3.0, 0), "−3");
        assert_eq!(super::signed(f64::NEG_INFINITY, 2), "−∞");
    }

    use super::*;

    #[test]
    fn a_cpu_name_loses_its_trademark_marks() {
        assert_eq!(
            plain_name("2 cores of Intel(R) Xeon(R) Processor"),
            "2 cores of Intel Xeon Processor"
        );
        assert_eq!(plain_name("AMD EPYC(TM) 7B13"), "AMD EPYC 7B13");
    }

    fn ev(s: &str) -> Rational {
        evaluate(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_guides_multiplication_is_exact() {
        assert_eq!(ev("3847 * 291"), Rational::int(1_119_477));
        assert_eq!(ev("3,847 × 291").to_string(), "1,119,477");
        assert_eq!(ev("17 * 24 - 156 / 3"), Rational::int(356));
    }

    #[test]
    fn precedence_brackets_and_powers() {
        assert_eq!(ev("2 + 3 * 4"), Rational::int(14));
        assert_eq!(ev("(2 + 3) * 4"), Rational::int(20));
        assert_eq!(ev("2 ^ 3 ^ 2"), Rational::int(512));
        assert_eq!(ev("-2^2"), Rational::int(-4));
        assert_eq!(ev("2**10"), Rational::int(1024));
        assert_eq!(ev("2^-2"), Rational::new(1, 4).unwrap());
        assert_eq!(ev("10 - 4 - 3"), Rational::int(3));
    }

    #[test]
    fn fractions_stay_exact() {
        assert_eq!(ev("1/3 + 1/6"), Rational::new(1, 2).unwrap());
        assert_eq!(ev("0.1 + 0.2"), Rational::new(3, 10).unwrap());
        assert_eq!(ev("1/3").to_string(), "1/3 ≈ 0.333333");
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        assert_eq!(evaluate(""), Err(ExprError::Empty));
        assert_eq!(evaluate("2 +"), Err(ExprError::UnexpectedEnd));
        assert_eq!(evaluate("(1 + 2"), Err(ExprError::UnexpectedEnd));
        assert_eq!(evaluate("1 / (2 - 2)"), Err(ExprError::DivisionByZero));
        assert_eq!(evaluate("2 $ 3"), Err(ExprError::UnexpectedChar('$', 2)));
        assert_eq!(evaluate("1 2"), Err(ExprError::UnexpectedToken("2".into(), 2)));
        assert_eq!(evaluate("10^100"), Err(ExprError::Overflow));
        assert_eq!(evaluate("2^0.5"), Err(ExprError::BadExponent));
        assert!(evaluate(&"(".repeat(10_000)).is_err());
        assert!(evaluate(&"9".repeat(60)).is_err());
    }

    #[test]
    fn powers_of_ten_read_as_written_by_hand() {
        assert_eq!(power_of_ten(412_900.0, 2), "4.13 × 10⁵");
        assert_eq!(power_of_ten(3.8e25, 1), "3.8 × 10²⁵");
        assert_eq!(power_of_ten(-1.234e-7, 2), "−1.23 × 10⁻⁷");
        assert_eq!(power_of_ten(5.0, 1), "5.0");
        assert_eq!(power_of_ten(0.0, 2), "0");
    }

    #[test]
    fn a_formula_breaks_only_after_its_operators() {
        let s = unbroken_terms("327,680 bytes per token × 100,000 tokens = 32.8 GB");
        assert_eq!(
            s,
            "327,680\u{a0}bytes\u{a0}per\u{a0}token\u{a0}× 100,000\u{a0}tokens\u{a0}= 32.8\u{a0}GB"
        );
        // Every breakable space follows an operator, so no line can start with one.
        for (i, _) in s.match_indices(' ') {
            assert!(matches!(s[..i].chars().last(), Some('×' | '=')), "{s}");
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(1_119_477), "1,119,477");
        assert_eq!(group_thousands(-1000), "−1,000");
        assert_eq!(group_thousands(999), "999");
    }
}
