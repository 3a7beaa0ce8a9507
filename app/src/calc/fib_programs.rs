//! The Fibonacci attempts of the RL chapter as real programs: a tiny Python-like language (just
//! enough for these candidates), a printer that shows each as Python, and an interpreter with a
//! recursion limit, so the grading on the page is done by running them, not by a table.

use std::fmt::Write;

/// An expression over whole numbers and the one variable `n` or loop variables.
#[derive(Clone, Debug)]
pub enum Expr {
    Num(i64),
    Var(&'static str),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    /// `a <= b`, true as 1.
    Le(Box<Expr>, Box<Expr>),
    /// A recursive call `fib(arg)`.
    Fib(Box<Expr>),
}

/// A statement.
#[derive(Clone, Debug)]
pub enum Stmt {
    If(Expr, Vec<Stmt>),
    Return(Expr),
    /// Simultaneous assignment `a, b = x, y`.
    Assign(Vec<(&'static str, Expr)>),
    /// `for _ in range(count): body`.
    Repeat(Expr, Vec<Stmt>),
}

/// One attempt at `def fib(n)`.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Its label in the chapter, e.g. "Attempt 47".
    pub label: &'static str,
    /// What is special about it, in a few words.
    pub note: &'static str,
    pub body: Vec<Stmt>,
}

/// Why a run did not return a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// Nested calls went past [`MAX_DEPTH`], as Python's `RecursionError`.
    Recursion,
    /// The function ended without `return`.
    NoReturn,
    Overflow,
    /// More than [`MAX_STEPS`] operations: the grader's time limit.
    TimeLimit,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunError::Recursion => "RecursionError: maximum recursion depth exceeded",
            RunError::NoReturn => "returned None",
            RunError::Overflow => "integer overflow",
            RunError::TimeLimit => "time limit exceeded",
        })
    }
}

/// Python's default recursion limit.
pub const MAX_DEPTH: u32 = 1000;
/// The grader's budget of interpreter steps per test.
pub const MAX_STEPS: u64 = 5_000_000;

use Expr::*;

fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn n_minus(k: i64) -> Expr {
    Sub(b(Var("n")), b(Num(k)))
}

/// The attempts the chapter grades, in the order an RL run might produce them.
pub fn candidates() -> Vec<Candidate> {
    let base = |v: Expr| Stmt::If(Le(b(Var("n")), b(Num(1))), vec![Stmt::Return(v)]);
    let recurse = Stmt::Return(Add(b(Fib(b(n_minus(1)))), b(Fib(b(n_minus(2))))));
    vec![
        Candidate {
            label: "Attempt 1",
            note: "wrong logic: this is factorial",
            body: vec![base(Num(1)), Stmt::Return(Mul(b(Var("n")), b(Fib(b(n_minus(1))))))],
        },
        Candidate { label: "Attempt 2", note: "no base case", body: vec![recurse.clone()] },
        Candidate {
            label: "Attempt 9",
            note: "off by one in the base case",
            body: vec![base(Num(1)), recurse.clone()],
        },
        Candidate {
            label: "Attempt 47",
            note: "correct recursion",
            body: vec![base(Var("n")), recurse],
        },
        Candidate {
            label: "Attempt 823",
            note: "iterative: linear time, no deep recursion",
            body: vec![
                Stmt::Assign(vec![("a", Num(0)), ("b", Num(1))]),
                Stmt::Repeat(
                    Var("n"),
                    vec![Stmt::Assign(vec![("a", Var("b")), ("b", Add(b(Var("a")), b(Var("b"))))])],
                ),
                Stmt::Return(Var("a")),
            ],
        },
    ]
}

fn show_expr(e: &Expr) -> String {
    match e {
        Num(v) => v.to_string(),
        Var(v) => (*v).to_string(),
        Add(x, y) => format!("{} + {}", show_expr(x), show_expr(y)),
        Sub(x, y) => format!("{} - {}", show_expr(x), show_expr(y)),
        Mul(x, y) => format!("{} * {}", show_expr(x), show_expr(y)),
        Le(x, y) => format!("{} <= {}", show_expr(x), show_expr(y)),
        Fib(x) => format!("fib({})", show_expr(x)),
    }
}

fn show_block(out: &mut String, body: &[Stmt], indent: usize) {
    let pad = "    ".repeat(indent);
    for s in body {
        match s {
            Stmt::If(c, then) => {
                if let [Stmt::Return(v)] = then.as_slice() {
                    let _ = writeln!(out, "{pad}if {}: return {}", show_expr(c), show_expr(v));
                } else {
                    let _ = writeln!(out, "{pad}if {}:", show_expr(c));
                    show_block(out, then, indent + 1);
                }
            }
            Stmt::Return(v) => {
                let _ = writeln!(out, "{pad}return {}", show_expr(v));
            }
            Stmt::Assign(pairs) => {
                let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
                let vals: Vec<String> = pairs.iter().map(|(_, v)| show_expr(v)).collect();
                let _ = writeln!(out, "{pad}{} = {}", names.join(", "), vals.join(", "));
            }
            Stmt::Repeat(count, inner) => {
                let _ = writeln!(out, "{pad}for _ in range({}):", show_expr(count));
                show_block(out, inner, indent + 1);
            }
        }
    }
}

/// The candidate as Python source.
pub fn to_python(c: &Candidate) -> String {
    let mut out = String::from("def fib(n):\n");
    show_block(&mut out, &c.body, 1);
    out
}

struct Machine<'a> {
    body: &'a [Stmt],
    steps: u64,
    calls: u64,
}

type Env = Vec<(&'static str, i64)>;

impl Machine<'_> {
    fn tick(&mut self) -> Result<(), RunError> {
        self.steps += 1;
        if self.steps > MAX_STEPS { Err(RunError::TimeLimit) } else { Ok(()) }
    }

    fn call(&mut self, n: i64, depth: u32) -> Result<i64, RunError> {
        if depth > MAX_DEPTH {
            return Err(RunError::Recursion);
        }
        self.calls += 1;
        let mut env: Env = vec![("n", n)];
        match self.block(self.body, &mut env, depth)? {
            Some(v) => Ok(v),
            None => Err(RunError::NoReturn),
        }
    }

    fn block(&mut self, body: &[Stmt], env: &mut Env, depth: u32) -> Result<Option<i64>, RunError> {
        for s in body {
            self.tick()?;
            match s {
                Stmt::If(c, then) => {
                    if self.eval(c, env, depth)? != 0
                        && let Some(v) = self.block(then, env, depth)?
                    {
                        return Ok(Some(v));
                    }
                }
                Stmt::Return(e) => return Ok(Some(self.eval(e, env, depth)?)),
                Stmt::Assign(pairs) => {
                    let vals = pairs
                        .iter()
                        .map(|(_, e)| self.eval(e, env, depth))
                        .collect::<Result<Vec<_>, _>>()?;
                    for ((name, _), v) in pairs.iter().zip(vals) {
                        match env.iter_mut().find(|(k, _)| k == name) {
                            Some(slot) => slot.1 = v,
                            None => env.push((name, v)),
                        }
                    }
                }
                Stmt::Repeat(count, inner) => {
                    let times = self.eval(count, env, depth)?;
                    for _ in 0..times.max(0) {
                        if let Some(v) = self.block(inner, env, depth)? {
                            return Ok(Some(v));
                        }
                    }
                }
            }
        }
        Ok(None)
    }

    fn eval(&mut self, e: &Expr, env: &Env, depth: u32) -> Result<i64, RunError> {
        self.tick()?;
        let bin = |m: &mut Self, x: &Expr, y: &Expr| -> Result<(i64, i64), RunError> {
            Ok((m.eval(x, env, depth)?, m.eval(y, env, depth)?))
        };
        match e {
            Num(v) => Ok(*v),
            // A name never assigned cannot occur in the candidates; read it as Python's NameError
            // would stop the run, which the grader reports as a failure like any other.
            Var(name) => {
                env.iter().find(|(k, _)| k == name).map(|(_, v)| *v).ok_or(RunError::NoReturn)
            }
            Add(x, y) => {
                bin(self, x, y).and_then(|(a, c)| a.checked_add(c).ok_or(RunError::Overflow))
            }
            Sub(x, y) => {
                bin(self, x, y).and_then(|(a, c)| a.checked_sub(c).ok_or(RunError::Overflow))
            }
            Mul(x, y) => {
                bin(self, x, y).and_then(|(a, c)| a.checked_mul(c).ok_or(RunError::Overflow))
            }
            Le(x, y) => bin(self, x, y).map(|(a, c)| i64::from(a <= c)),
            Fib(x) => {
                let arg = self.eval(x, env, depth)?;
                self.call(arg, depth + 1)
            }
        }
    }
}

/// The result of running one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRun {
    pub input: i64,
    pub expected: i64,
    pub got: Result<i64, RunError>,
    /// Calls of `fib` made, a measure of the work done.
    pub calls: u64,
}

impl TestRun {
    pub fn passed(&self) -> bool {
        self.got == Ok(self.expected)
    }
}

/// The grader's test cases: (n, fib(n)) with fib(0) = 0, fib(1) = 1.
pub const TESTS: [(i64, i64); 5] = [(0, 0), (1, 1), (2, 1), (6, 8), (10, 55)];

/// Runs `fib(n)` for one candidate.
pub fn run(c: &Candidate, n: i64) -> (Result<i64, RunError>, u64) {
    let mut m = Machine { body: &c.body, steps: 0, calls: 0 };
    let r = m.call(n, 1);
    (r, m.calls)
}

/// Runs every test; the reward is 1 only when all pass, as in outcome-based RL.
pub fn grade(c: &Candidate) -> (Vec<TestRun>, u8) {
    let runs: Vec<TestRun> = TESTS
        .iter()
        .map(|&(input, expected)| {
            let (got, calls) = run(c, input);
            TestRun { input, expected, got, calls }
        })
        .collect();
    let reward = u8::from(runs.iter().all(TestRun::passed));
    (runs, reward)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_label(label: &str) -> Candidate {
        candidates().into_iter().find(|c| c.label == label).unwrap()
    }

    #[test]
    fn factorial_attempt_gives_720_for_six() {
        assert_eq!(run(&by_label("Attempt 1"), 6).0, Ok(720));
        assert_eq!(grade(&by_label("Attempt 1")).1, 0);
    }

    #[test]
    fn missing_base_case_hits_the_recursion_limit() {
        assert_eq!(run(&by_label("Attempt 2"), 6).0, Err(RunError::Recursion));
    }

    #[test]
    fn off_by_one_gives_13_for_six() {
        assert_eq!(run(&by_label("Attempt 9"), 6).0, Ok(13));
        assert_eq!(grade(&by_label("Attempt 9")).1, 0);
    }

    #[test]
    fn correct_versions_pass_and_the_iterative_one_does_less_work() {
        let rec = by_label("Attempt 47");
        let it = by_label("Attempt 823");
        assert_eq!(grade(&rec).1, 1);
        assert_eq!(grade(&it).1, 1);
        assert_eq!(run(&rec, 20).0, Ok(6765));
        assert_eq!(run(&it, 20).0, Ok(6765));
        assert_eq!(run(&it, 90).0, Ok(2_880_067_194_370_816_120));
        // Naive recursion makes 2·fib(n+1) − 1 calls: 21,891 for n = 20.
        assert_eq!(run(&rec, 20).1, 21_891);
        assert_eq!(run(&it, 20).1, 1);
    }

    #[test]
    fn python_source_matches_the_program() {
        let src = to_python(&by_label("Attempt 47"));
        assert_eq!(
            src,
            "def fib(n):\n    if n <= 1: return n\n    return fib(n - 1) + fib(n - 2)\n"
        );
        let it = to_python(&by_label("Attempt 823"));
        assert!(it.contains("for _ in range(n):\n        a, b = b, a + b\n"), "{it}");
    }
}
