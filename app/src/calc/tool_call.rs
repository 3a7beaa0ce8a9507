//! The function-calling round trip: a tool call written as JSON is parsed, checked against the
//! declared schema, run by a local function, and its result returned as JSON for the transcript.
//! Every way a call can be malformed has its own error, with a message a reader can act on.

use serde_json::{Map, Value, json};

use super::expr;

/// The JSON type an argument must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    String,
    Integer,
}

impl ArgType {
    fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            ArgType::String => v.is_string(),
            ArgType::Integer => v.is_i64(),
        }
    }
}

/// One declared parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub ty: ArgType,
    pub description: &'static str,
}

impl Param {
    const fn string(name: &'static str, description: &'static str) -> Param {
        Param { name, ty: ArgType::String, description }
    }

    const fn integer(name: &'static str, description: &'static str) -> Param {
        Param { name, ty: ArgType::Integer, description }
    }
}

/// One declared tool. All parameters are required.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tool {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
}

/// The tools this page offers the "model".
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "calculate",
        description: "Evaluate an arithmetic expression exactly (+ - * / ^ and brackets).",
        params: &[Param::string("expression", "e.g. \"3847 * 291\"")],
    },
    Tool {
        name: "count_letter",
        description: "Count how many times a letter occurs in a word, ignoring case.",
        params: &[
            Param::string("word", "the word to search"),
            Param::string("letter", "a single character"),
        ],
    },
    Tool {
        name: "days_between",
        description: "Whole days from one calendar date to another (proleptic Gregorian).",
        params: &[Param::string("from", "YYYY-MM-DD"), Param::string("to", "YYYY-MM-DD")],
    },
    Tool {
        name: "add_days",
        description: "The date a number of days after (or before, if negative) a date.",
        params: &[
            Param::string("date", "YYYY-MM-DD"),
            Param::integer("days", "whole days, may be negative"),
        ],
    },
];

/// The tool declarations as the JSON schema a model would be shown in its prompt.
pub fn schema_json() -> Value {
    Value::Array(
        TOOLS
            .iter()
            .map(|t| {
                let props: Map<String, Value> = t
                    .params
                    .iter()
                    .map(|p| {
                        (
                            p.name.to_owned(),
                            json!({"type": p.ty.name(), "description": p.description}),
                        )
                    })
                    .collect();
                let required: Vec<&str> = t.params.iter().map(|p| p.name).collect();
                json!({
                    "name": t.name,
                    "description": t.description,
                    "parameters": {"type": "object", "properties": props, "required": required}
                })
            })
            .collect(),
    )
}

/// Why a call was refused or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// Not JSON at all; serde_json's message, with line and column.
    BadJson(String),
    /// JSON, but not an object with a string "name" and an object "arguments".
    BadShape(&'static str),
    UnknownFunction(String),
    MissingArgument {
        function: &'static str,
        arg: &'static str,
    },
    WrongType {
        arg: &'static str,
        expected: &'static str,
        got: &'static str,
    },
    UnexpectedArgument(String),
    /// The function ran and reported a problem with its input.
    Failed(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::BadJson(m) => write!(f, "not valid JSON: {m}"),
            CallError::BadShape(m) => write!(f, "wrong shape: {m}"),
            CallError::UnknownFunction(n) => {
                let known: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
                write!(f, "unknown function “{n}”; the declared ones are {}", known.join(", "))
            }
            CallError::MissingArgument { function, arg } => {
                write!(f, "{function} needs the argument “{arg}”")
            }
            CallError::WrongType { arg, expected, got } => {
                write!(f, "argument “{arg}” must be a {expected}, not a {got}")
            }
            CallError::UnexpectedArgument(a) => write!(f, "argument “{a}” is not declared"),
            CallError::Failed(m) => write!(f, "the function failed: {m}"),
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A call that passed validation.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidCall {
    pub tool: &'static Tool,
    pub args: Map<String, Value>,
}

/// Parses and validates `{"name": ..., "arguments": {...}}` against [`TOOLS`].
pub fn parse_call(text: &str) -> Result<ValidCall, CallError> {
    let v: Value = serde_json::from_str(text).map_err(|e| CallError::BadJson(e.to_string()))?;
    let obj = v.as_object().ok_or(CallError::BadShape("a call must be a JSON object"))?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .ok_or(CallError::BadShape("the call needs a string field \"name\""))?;
    let args = match obj.get("arguments") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(CallError::BadShape("\"arguments\" must be an object")),
    };
    let tool = TOOLS
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| CallError::UnknownFunction(name.to_owned()))?;
    for p in tool.params {
        let v = args
            .get(p.name)
            .ok_or(CallError::MissingArgument { function: tool.name, arg: p.name })?;
        if !p.ty.accepts(v) {
            return Err(CallError::WrongType {
                arg: p.name,
                expected: p.ty.name(),
                got: json_type(v),
            });
        }
    }
    if let Some(extra) = args.keys().find(|k| !tool.params.iter().any(|p| p.name == k.as_str())) {
        return Err(CallError::UnexpectedArgument(extra.clone()));
    }
    Ok(ValidCall { tool, args })
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Parses `YYYY-MM-DD` (years 1–9999) and checks the day exists.
pub fn parse_date(s: &str) -> Result<i64, String> {
    let bad = || format!("“{s}” is not a date in the form YYYY-MM-DD");
    let parts: Vec<&str> = s.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<i64>().ok().filter(|_| p.bytes().all(|b| b.is_ascii_digit()));
    let (y, m, d) = match (num(parts[0]), num(parts[1]), num(parts[2])) {
        (Some(y), Some(m), Some(d)) if y >= 1 => (y, m, d),
        _ => return Err(bad()),
    };
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => return Err(format!("month {m} does not exist")),
    };
    if !(1..=days_in_month).contains(&d) {
        return Err(format!("{y}-{m:02} has no day {d}"));
    }
    Ok(days_from_civil(y, m, d))
}

fn format_date(days: i64) -> Result<String, String> {
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return Err("the resulting date is outside years 1–9999".into());
    }
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}

// Validation has already checked every declared argument's presence and type, so these only
// unwrap what is there.
fn str_arg<'a>(args: &'a Map<String, Value>, k: &str) -> &'a str {
    args.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn int_arg(args: &Map<String, Value>, k: &str) -> i64 {
    args.get(k).and_then(Value::as_i64).unwrap_or_default()
}

/// A date argument as days since 1970-01-01; a malformed date fails the call.
fn date_arg(args: &Map<String, Value>, k: &str) -> Result<i64, CallError> {
    parse_date(str_arg(args, k)).map_err(CallError::Failed)
}

/// Runs a validated call and returns the JSON result to inject into the conversation.
pub fn execute(call: &ValidCall) -> Result<Value, CallError> {
    let a = &call.args;
    match call.tool.name {
        "calculate" => {
            let r = expr::evaluate(str_arg(a, "expression"))
                .map_err(|e| CallError::Failed(e.to_string()))?;
            Ok(if r.is_integer() {
                json!({"result": r.num.to_string()})
            } else {
                json!({"result": format!("{}/{}", r.num, r.den), "approx": r.to_f64()})
            })
        }
        "count_letter" => {
            let letter = str_arg(a, "letter");
            let mut chars = letter.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return Err(CallError::Failed(format!("“{letter}” is not a single character")));
            };
            let target: Vec<char> = c.to_lowercase().collect();
            let n = str_arg(a, "word")
                .chars()
                .filter(|w| w.to_lowercase().eq(target.iter().copied()))
                .count();
            Ok(json!({"count": n}))
        }
        "days_between" => {
            let from = date_arg(a, "from")?;
            Ok(json!({"days": date_arg(a, "to")? - from}))
        }
        "add_days" => {
            let end = date_arg(a, "date")?
                .checked_add(int_arg(a, "days"))
                .filter(|d| d.abs() < 10_000_000)
                .ok_or_else(|| CallError::Failed("too many days".into()))?;
            Ok(json!({"date": format_date(end).map_err(CallError::Failed)?}))
        }
        other => Err(CallError::UnknownFunction(other.to_owned())),
    }
}

/// Parse, validate and run in one go.
pub fn round_trip(text: &str) -> Result<(ValidCall, Value), CallError> {
    let call = parse_call(text)?;
    let out = execute(&call)?;
    Ok((call, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_calls_run() {
        let (_, r) =
            round_trip(r#"{"name":"calculate","arguments":{"expression":"3847 * 291"}}"#).unwrap();
        assert_eq!(r, json!({"result": "1119477"}));
        let (_, r) =
            round_trip(r#"{"name":"count_letter","arguments":{"word":"strawberry","letter":"R"}}"#)
                .unwrap();
        assert_eq!(r, json!({"count": 3}));
        let (_, r) = round_trip(
            r#"{"name":"days_between","arguments":{"from":"2024-01-01","to":"2024-12-31"}}"#,
        )
        .unwrap();
        assert_eq!(r, json!({"days": 365}));
        let (_, r) =
            round_trip(r#"{"name":"add_days","arguments":{"date":"2024-02-28","days":2}}"#)
                .unwrap();
        assert_eq!(r, json!({"date": "2024-03-01"}));
        let (_, r) =
            round_trip(r#"{"name":"add_days","arguments":{"date":"2000-03-01","days":-1}}"#)
                .unwrap();
        assert_eq!(r, json!({"date": "2000-02-29"}));
    }

    #[test]
    fn every_malformation_has_its_own_error() {
        assert!(matches!(parse_call("{\"name\": "), Err(CallError::BadJson(_))));
        assert_eq!(parse_call("[1,2]"), Err(CallError::BadShape("a call must be a JSON object")));
        assert!(matches!(parse_call(r#"{"arguments":{}}"#), Err(CallError::BadShape(_))));
        assert_eq!(
            parse_call(r#"{"name":"get_weather","arguments":{"city":"Tokyo"}}"#),
            Err(CallError::UnknownFunction("get_weather".into()))
        );
        assert_eq!(
            parse_call(r#"{"name":"count_letter","arguments":{"word":"strawberry"}}"#),
            Err(CallError::MissingArgument { function: "count_letter", arg: "letter" })
        );
        assert_eq!(
            parse_call(r#"{"name":"calculate","arguments":{"expression":42}}"#),
            Err(CallError::WrongType { arg: "expression", expected: "string", got: "integer" })
        );
        assert_eq!(
            parse_call(r#"{"name":"add_days","arguments":{"date":"2024-01-01","days":1.5}}"#),
            Err(CallError::WrongType { arg: "days", expected: "integer", got: "number" })
        );
        assert_eq!(
            parse_call(r#"{"name":"calculate","arguments":{"expression":"1","unit":"m"}}"#),
            Err(CallError::UnexpectedArgument("unit".into()))
        );
        assert!(matches!(
            round_trip(r#"{"name":"days_between","arguments":{"from":"2023-02-29","to":"2024-01-01"}}"#),
            Err(CallError::Failed(m)) if m.contains("no day 29")
        ));
        assert!(matches!(
            round_trip(r#"{"name":"calculate","arguments":{"expression":"1/0"}}"#),
            Err(CallError::Failed(_))
        ));
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        for d in [-719_162, -1, 0, 59, 10_957, 2_932_896] {
            assert_eq!(parse_date(&format_date(d).unwrap()), Ok(d));
        }
        assert!(parse_date("2024-13-01").is_err());
        assert!(parse_date("24-01-01").is_err());
        assert!(parse_date("2024-1-01").is_err());
    }

    #[test]
    fn schema_lists_every_tool_with_required_args() {
        let s = schema_json();
        assert_eq!(s.as_array().unwrap().len(), TOOLS.len());
        assert_eq!(s[1]["parameters"]["required"], json!(["word", "letter"]));
    }
}
