//! The presenter's plain logic, apart from the page: what the URL asks for (`?present&stop=7`,
//! `?embed&only=live`), which key a clicker sent, and where "next" and "back" lead from a stop.
//!
//! A chapter in presenter mode is a sequence of stops: stop 1 is its title and key idea, then one
//! stop per part (each panel, walkthrough, stepper, live panel or figure, in page order). Inside a
//! stop with a stepper, next and back move through the stepper's steps first, as slide builds do.

use crate::url_codec::{format_query, parse_query};

/// Keys of the URL query that belong to the presenter, not to a chapter's state.
const PRESENTER_KEYS: [&str; 2] = ["present", "stop"];
/// Those and the embed's.
const OWN_KEYS: [&str; 4] = ["present", "stop", "embed", "only"];

/// A stop asked for by the URL: `stop=<n>` (1-based), `stop=last`, or nothing (the first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Stop `n` (0-based here); past the last stop means the last.
    At(usize),
    /// The last stop, whatever the count (for "back" from the next chapter's first stop).
    Last,
}

impl Target {
    /// The stop it names among `stops` (at least one: the title).
    pub fn resolve(self, stops: usize) -> usize {
        let last = stops.max(1) - 1;
        match self {
            Target::At(i) => i.min(last),
            Target::Last => last,
        }
    }

    fn parse(raw: &str) -> Target {
        if raw == "last" {
            return Target::Last;
        }
        match raw.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Target::At(n - 1),
            _ => Target::At(0),
        }
    }

    fn format(self) -> String {
        match self {
            Target::At(i) => (i + 1).to_string(),
            Target::Last => "last".to_owned(),
        }
    }
}

/// What an embed shows (`only=`): the whole chapter unless told otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Only {
    /// `only=live`: the chapter's live panels (the parts marked `data-live`).
    Live,
    /// `only=<n>`: its n-th part (0-based here), the same numbering as the presenter's stops 2…
    Part(usize),
}

/// What the presenter and embed keys of the page's query and the fragment's query ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// `present` (not `present=0`) in either query.
    pub present: bool,
    /// The stop asked for.
    pub stop: Target,
    /// `only=` in either query; `None` when absent or malformed.
    pub only: Option<Only>,
}

/// Reads `search` (the page's query, with or without its `?`) and `query` (the fragment's);
/// the fragment's value wins where both have one. Malformed values fall back to the defaults.
pub fn params(search: &str, query: &str) -> Params {
    let pairs: Vec<(String, String)> =
        parse_query(search.trim_start_matches('?')).into_iter().chain(parse_query(query)).collect();
    let last = |key: &str| pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let only = last("only").and_then(|v| match v {
        "live" => Some(Only::Live),
        n => n.parse::<usize>().ok().filter(|&n| n >= 1).map(|n| Only::Part(n - 1)),
    });
    Params {
        present: last("present").is_some_and(|v| v != "0"),
        stop: last("stop").map_or(Target::At(0), Target::parse),
        only,
    }
}

/// `query` with the presenter on at `stop`, the chapter's own state kept.
pub fn with_stop(query: &str, stop: Target) -> String {
    let mut pairs = keep(query, &OWN_KEYS);
    pairs.push(("present".into(), String::new()));
    pairs.push(("stop".into(), stop.format()));
    format_query(&pairs)
}

/// `query` without the presenter's and embed's keys: the chapter's own state.
pub fn without_own_keys(query: &str) -> String {
    format_query(&keep(query, &OWN_KEYS))
}

/// `query` (the page's or the fragment's) without the presenter's keys.
pub fn without_presenter(query: &str) -> String {
    format_query(&keep(query, &PRESENTER_KEYS))
}

/// The pairs of `query` whose key is not one of `drop`.
fn keep(query: &str, drop: &[&str]) -> Vec<(String, String)> {
    parse_query(query).into_iter().filter(|(k, _)| !drop.contains(&k.as_str())).collect()
}

/// What a key asks the presenter to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Next,
    Back,
    First,
    Last,
    /// Blank the screen, or bring it back.
    Blank,
    /// Leave presenter mode.
    Leave,
}

/// The presenter's meaning of a key (`KeyboardEvent.key`), as presentation clickers send them:
/// PageDown / PageUp on most, the arrows and space as well, B or `.` for a blank screen.
pub fn key(name: &str, shift: bool) -> Option<Key> {
    Some(match name {
        " " | "Spacebar" if shift => Key::Back,
        "PageDown" | "ArrowRight" | "ArrowDown" | " " | "Spacebar" => Key::Next,
        "PageUp" | "ArrowLeft" | "ArrowUp" => Key::Back,
        "Home" => Key::First,
        "End" => Key::Last,
        "b" | "B" | "." => Key::Blank,
        "Escape" => Key::Leave,
        _ => return None,
    })
}

/// Where the presentation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The chapter on screen, its index in the chapter list.
    pub chapter: usize,
    /// How many chapters there are.
    pub chapters: usize,
    /// The stop on screen, 0-based.
    pub stop: usize,
    /// How many stops this chapter has (the title and its parts).
    pub stops: usize,
    /// The stop's stepper, if it has one: (step on screen 0-based, number of steps).
    pub build: Option<(usize, usize)>,
}

/// Where a key leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// One step forward in the stop's stepper.
    StepForward,
    /// One step back in the stop's stepper.
    StepBack,
    /// Another stop of this chapter (0-based).
    To(usize),
    /// Another chapter (its index), at the stop named.
    Chapter(usize, Target),
    /// Nowhere: the first stop of the first chapter, or the last of the last.
    Stay,
}

/// Where "next" leads from `at`: the stop's next step, else the next stop, else the next
/// chapter's first stop.
pub fn next(at: Position) -> Move {
    if let Some((step, steps)) = at.build
        && step + 1 < steps
    {
        return Move::StepForward;
    }
    if at.stop + 1 < at.stops {
        Move::To(at.stop + 1)
    } else if at.chapter + 1 < at.chapters {
        Move::Chapter(at.chapter + 1, Target::At(0))
    } else {
        Move::Stay
    }
}

/// Where "back" leads from `at`: the stop's previous step, else the previous stop, else the
/// previous chapter's last stop.
pub fn back(at: Position) -> Move {
    if let Some((step, _)) = at.build
        && step > 0
    {
        return Move::StepBack;
    }
    if at.stop > 0 {
        Move::To(at.stop - 1)
    } else if at.chapter > 0 {
        Move::Chapter(at.chapter - 1, Target::Last)
    } else {
        Move::Stay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(chapter: usize, stop: usize, stops: usize, build: Option<(usize, usize)>) -> Position {
        Position { chapter, chapters: 45, stop, stops, build }
    }

    #[test]
    fn present_and_stop_are_read_from_either_query() {
        let p = params("", "text=hi&present&stop=7");
        assert!(p.present);
        assert_eq!(p.stop, Target::At(6));
        assert_eq!(p.only, None);
        let p = params("?present", "");
        assert!(p.present);
        assert_eq!(p.stop, Target::At(0));
        assert!(!params("?present=0", "").present);
        assert!(!params("", "text=present").present);
        assert_eq!(params("", "present&stop=last").stop, Target::Last);
    }

    #[test]
    fn malformed_stops_and_only_fall_back_to_the_defaults() {
        for bad in ["0", "-3", "x", "%E2%82", "", "1e3", "<script>"] {
            assert_eq!(params("", &format!("present&stop={bad}")).stop, Target::At(0), "{bad}");
        }
        for bad in ["0", "all", "-1", "2.5", ""] {
            assert_eq!(params("?embed", &format!("only={bad}")).only, None, "{bad}");
        }
        assert_eq!(params("?embed&only=live", "").only, Some(Only::Live));
        assert_eq!(params("?embed", "only=3").only, Some(Only::Part(2)));
        assert_eq!(params("?only=live", "only=2").only, Some(Only::Part(1)), "the fragment wins");
    }

    #[test]
    fn targets_resolve_within_the_stops_there_are() {
        assert_eq!(Target::At(6).resolve(12), 6);
        assert_eq!(Target::At(40).resolve(12), 11);
        assert_eq!(Target::Last.resolve(12), 11);
        assert_eq!(Target::Last.resolve(0), 0);
    }

    #[test]
    fn the_stop_is_written_beside_the_chapter_state_which_survives() {
        assert_eq!(with_stop("t=0.7&seed=3", Target::At(6)), "t=0.7&seed=3&present&stop=7");
        assert_eq!(with_stop("present&stop=2&t=1", Target::At(2)), "t=1&present&stop=3");
        assert_eq!(with_stop("", Target::Last), "present&stop=last");
        assert_eq!(without_own_keys("text=a%20b&present&stop=3&only=live&embed"), "text=a%20b");
        assert_eq!(without_presenter("backend=cpu&present&stop=3"), "backend=cpu");
    }

    #[test]
    fn clicker_keys_map_to_moves() {
        for k in ["PageDown", "ArrowRight", "ArrowDown", " "] {
            assert_eq!(key(k, false), Some(Key::Next), "{k}");
        }
        for k in ["PageUp", "ArrowLeft", "ArrowUp"] {
            assert_eq!(key(k, false), Some(Key::Back), "{k}");
        }
        assert_eq!(key(" ", true), Some(Key::Back));
        assert_eq!(key("b", false), Some(Key::Blank));
        assert_eq!(key(".", false), Some(Key::Blank));
        assert_eq!(key("Escape", false), Some(Key::Leave));
        assert_eq!(key("Enter", false), None);
        assert_eq!(key("x", false), None);
    }

    #[test]
    fn next_steps_through_a_build_then_the_stops_then_the_next_chapter() {
        assert_eq!(next(at(3, 2, 5, Some((0, 3)))), Move::StepForward);
        assert_eq!(next(at(3, 2, 5, Some((2, 3)))), Move::To(3));
        assert_eq!(next(at(3, 0, 5, None)), Move::To(1));
        assert_eq!(next(at(3, 4, 5, None)), Move::Chapter(4, Target::At(0)));
        assert_eq!(next(at(44, 4, 5, None)), Move::Stay);
        assert_eq!(next(at(44, 4, 5, Some((0, 2)))), Move::StepForward, "the build still plays");
    }

    #[test]
    fn back_undoes_a_build_then_the_stops_then_goes_to_the_previous_chapters_last_stop() {
        assert_eq!(back(at(3, 2, 5, Some((2, 3)))), Move::StepBack);
        assert_eq!(back(at(3, 2, 5, Some((0, 3)))), Move::To(1));
        assert_eq!(back(at(3, 0, 5, None)), Move::Chapter(2, Target::Last));
        assert_eq!(back(at(0, 0, 5, None)), Move::Stay);
    }

    #[test]
    fn a_chapter_with_no_parts_is_one_stop_and_next_leaves_it() {
        assert_eq!(next(at(10, 0, 1, None)), Move::Chapter(11, Target::At(0)));
        assert_eq!(back(at(10, 0, 1, None)), Move::Chapter(9, Target::Last));
    }
}
