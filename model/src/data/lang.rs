//! Language identification from two signals: the writing system (Cyrillic, Greek, Arabic, Han,
//! Kana, Hangul are decided by script alone) and, for Latin-script text, stop-word profiles: the
//! share of words that are among a language's most frequent function words. Function words are
//! the most frequent and most language-specific tokens of any text, so a few dozen per language
//! separate the languages of the fortunes and the Debian handbook; `scripts/langid_agreement.py`
//! measures agreement against py3langid.

use rustc_hash::FxHashMap;

/// Most frequent function words per Latin-script language.
const PROFILES: &[(&str, &str)] = &[
    (
        "en",
        "the of and to a in is it you that he was for on are with as i his they be at one have \
         this from or had by but not what all were we when your can said there an which she do \
         their if will would my been has who them its him these than no into could our more",
    ),
    (
        "de",
        "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es \
         an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so \
         zum war haben nur oder aber vor zur bis mehr durch man sein wurde ich du wenn",
    ),
    (
        "fr",
        "le de la et les des en un du une que est pour qui dans par sur au il pas plus ne se ce \
         avec sont son elle nous vous mais ou leur sa ont je tu été aux cette ces comme être",
    ),
    (
        "es",
        "de la que el en y a los se del las un por con no una su para es al lo como más pero sus \
         le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien \
         desde todo nos durante uno les ni contra otros ese eso",
    ),
    (
        "it",
        "di e il la che è per un in non una sono da del della le si i gli con al dei delle alla \
         nel più ma come ci anche lo questo se ha mi io tu ti suo sua loro essere quando perché",
    ),
    (
        "pt",
        "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao \
         ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso",
    ),
    (
        "nl",
        "de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar \
         om hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar",
    ),
    (
        "pl",
        "i w nie na się z do to że jest o jak a co ale po tak za od go jego już tylko jej być \
         przez czy może mnie są ja ten było by dla ich tym tego jako kiedy",
    ),
    (
        "cs",
        "a se na je že v to s z do o ve k i jsem jako ale by jak pro jeho od po tak jsou byl \
         bylo jsme být který která které co jen už když nebo při také",
    ),
    (
        "sv",
        "och i att det som en på är av för med till den har de inte om ett han men var jag sig \
         från vi så kan man när år säger hon under också efter eller nu",
    ),
];

/// A language decision with the evidence behind it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LangGuess {
    /// ISO 639-1 code, or "und" when nothing matched.
    pub lang: &'static str,
    /// Share of the evidence that points at `lang`, in [0, 1].
    pub confidence: f32,
}

/// A stop-word language identifier; build once, reuse for every document.
#[derive(Debug)]
pub struct LangId {
    /// word → bit set of the languages (indices into PROFILES) that list it.
    words: FxHashMap<&'static str, u16>,
}

impl Default for LangId {
    fn default() -> Self {
        Self::new()
    }
}

impl LangId {
    pub fn new() -> Self {
        let mut words: FxHashMap<&'static str, u16> = FxHashMap::default();
        for (i, (_, list)) in PROFILES.iter().enumerate() {
            for w in list.split_whitespace() {
                *words.entry(w).or_default() |= 1 << i;
            }
        }
        Self { words }
    }

    /// Identifies the language of `text`.
    pub fn identify(&self, text: &str) -> LangGuess {
        let mut script_counts = [0usize; SCRIPTS.len()];
        let mut latin = 0usize;
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            match script_of(c) {
                Some(s) => script_counts[s] += 1,
                None => latin += 1,
            }
        }
        let letters = latin + script_counts.iter().sum::<usize>();
        if letters == 0 {
            return LangGuess { lang: "und", confidence: 0.0 };
        }
        let (best_script, &best_count) =
            script_counts.iter().enumerate().max_by_key(|(_, n)| **n).unwrap_or((0, &0));
        if best_count > latin {
            let lang = if best_script == KANA && script_counts[HAN] > 0 {
                "ja"
            } else {
                SCRIPTS[best_script].0
            };
            // Kana mixed with Han is Japanese; Han alone is Chinese.
            let lang = if best_script == HAN && script_counts[KANA] * 10 > script_counts[HAN] {
                "ja"
            } else {
                lang
            };
            return LangGuess { lang, confidence: best_count as f32 / letters as f32 };
        }

        let mut hits = [0f32; PROFILES.len()];
        let mut words = 0usize;
        for word in text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
            words += 1;
            let lower = word.to_lowercase();
            if let Some(&langs) = self.words.get(lower.as_str()) {
                // A word shared by k languages is weak evidence for each.
                let share = 1.0 / langs.count_ones() as f32;
                for (i, h) in hits.iter_mut().enumerate() {
                    if langs & (1 << i) != 0 {
                        *h += share;
                    }
                }
            }
        }
        let total: f32 = hits.iter().sum();
        let (best, &best_hits) =
            hits.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap_or((0, &0.0));
        // Too few function words to say anything (a word list, code, a table of numbers).
        if words == 0 || best_hits < 1.0 || total / (words as f32) < 0.05 {
            return LangGuess { lang: "und", confidence: 0.0 };
        }
        LangGuess { lang: PROFILES[best].0, confidence: best_hits / total }
    }

    /// Whether `text` is English with at least `min_confidence`.
    pub fn is_english(&self, text: &str, min_confidence: f32) -> bool {
        let g = self.identify(text);
        g.lang == "en" && g.confidence >= min_confidence
    }
}

const HAN: usize = 4;
const KANA: usize = 5;
const SCRIPTS: &[(&str, (u32, u32))] = &[
    ("ru", (0x0400, 0x04FF)),
    ("el", (0x0370, 0x03FF)),
    ("ar", (0x0600, 0x06FF)),
    ("he", (0x0590, 0x05FF)),
    ("zh", (0x4E00, 0x9FFF)),
    ("ja", (0x3040, 0x30FF)),
    ("ko", (0xAC00, 0xD7AF)),
    ("hi", (0x0900, 0x097F)),
    ("th", (0x0E00, 0x0E7F)),
];

fn script_of(c: char) -> Option<usize> {
    let u = c as u32;
    SCRIPTS.iter().position(|(_, (lo, hi))| (*lo..=*hi).contains(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifies_languages() {
        let id = LangId::new();
        let cases = [
            (
                "en",
                "It was the best of times, it was the worst of times, and we had everything before us.",
            ),
            (
                "de",
                "Die Würde des Menschen ist unantastbar. Sie zu achten und zu schützen ist Verpflichtung aller staatlichen Gewalt.",
            ),
            (
                "fr",
                "Tous les êtres humains naissent libres et égaux en dignité et en droits. Ils sont doués de raison et de conscience.",
            ),
            (
                "es",
                "Todos los seres humanos nacen libres e iguales en dignidad y derechos y, dotados como están de razón y conciencia.",
            ),
            (
                "it",
                "Tutti gli esseri umani nascono liberi ed eguali in dignità e diritti. Essi sono dotati di ragione e di coscienza.",
            ),
            ("ru", "Все люди рождаются свободными и равными в своем достоинстве и правах."),
            (
                "ja",
                "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
            ),
            ("zh", "人人生而自由，在尊严和权利上一律平等。"),
        ];
        for (want, text) in cases {
            assert_eq!(id.identify(text).lang, want, "{text}");
        }
    }

    #[test]
    fn english_filter_keeps_and_drops() {
        let id = LangId::new();
        assert!(id.is_english(
            "The quick brown fox jumps over the lazy dog and runs into the woods.",
            0.5
        ));
        assert!(!id.is_english(
            "Der schnelle braune Fuchs springt über den faulen Hund und läuft in den Wald.",
            0.5
        ));
        assert!(!id.is_english("1234 5678 ++ -- ## 42", 0.5));
        assert_eq!(id.identify("").lang, "und");
    }
}
