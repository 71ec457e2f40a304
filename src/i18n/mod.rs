//! The UI's languages: which [`Locale`] a request gets (the `scrawl-lang`
//! cookie, then `Accept-Language`), each locale's plural rules, and
//! [`Texts`], the table of strings one page renders with.
//!
//! The server holds every locale's catalogue (`locales/*.json`, merged over
//! English) and writes the page's table into the page as JSON; the browser
//! reads it from there. The wasm so carries no strings of its own, and the
//! server render and the hydration always agree.
//!
//! Catalogue keys are flat (`"tools.pen"`); a counted text has one key per
//! plural category (`"status.waiting#one"`, `"status.waiting#other"`), and
//! placeholders are `{name}`.

#[cfg(feature = "ssr")]
mod catalogue;

use std::collections::HashMap;

use crate::protocol::{ValidationError, MAX_BOARD_NAME};

/// The cookie that remembers the language chosen in the menu.
pub const COOKIE: &str = "scrawl-lang";
/// The id of the page's `<script type="text/plain">` holding its texts.
pub const TEXTS_ELEMENT: &str = "scrawl-texts";

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
    Es,
    PtBr,
    It,
    Nl,
    Pl,
    Uk,
    Tr,
    Ja,
    ZhCn,
    Ar,
}

impl Locale {
    pub const ALL: [Locale; 13] = [
        Locale::En,
        Locale::De,
        Locale::Fr,
        Locale::Es,
        Locale::PtBr,
        Locale::It,
        Locale::Nl,
        Locale::Pl,
        Locale::Uk,
        Locale::Tr,
        Locale::Ja,
        Locale::ZhCn,
        Locale::Ar,
    ];

    /// The BCP 47 tag, as in `<html lang>` and the catalogue's file name.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Es => "es",
            Locale::PtBr => "pt-BR",
            Locale::It => "it",
            Locale::Nl => "nl",
            Locale::Pl => "pl",
            Locale::Uk => "uk",
            Locale::Tr => "tr",
            Locale::Ja => "ja",
            Locale::ZhCn => "zh-CN",
            Locale::Ar => "ar",
        }
    }

    /// The language's name in itself, for the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::De => "Deutsch",
            Locale::Fr => "Français",
            Locale::Es => "Español",
            Locale::PtBr => "Português (Brasil)",
            Locale::It => "Italiano",
            Locale::Nl => "Nederlands",
            Locale::Pl => "Polski",
            Locale::Uk => "Українська",
            Locale::Tr => "Türkçe",
            Locale::Ja => "日本語",
            Locale::ZhCn => "简体中文",
            Locale::Ar => "العربية",
        }
    }

    /// `rtl` for right-to-left scripts, else `ltr`.
    pub fn dir(self) -> &'static str {
        if self == Locale::Ar {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// The locale of a language tag: exact (`pt-BR`), or by its language
    /// (`de-AT` is German, `pt-PT` Brazilian Portuguese, any `zh` Simplified
    /// Chinese); case does not matter.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim();
        if let Some(l) = Locale::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag)) {
            return Some(l);
        }
        let language = tag.split(['-', '_']).next()?;
        Locale::ALL.into_iter().find(|l| l.tag().split('-').next().is_some_and(|t| t.eq_ignore_ascii_case(language)))
    }

    /// The locale of a request: the `scrawl-lang` cookie if it names one,
    /// else the best match of `Accept-Language` by its weights, else English.
    /// `cookie` is the request's cookies, `; `-separated.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
        let chosen = cookie.and_then(|c| {
            c.split(';')
                .filter_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
                .find_map(|value| Locale::from_tag(value.trim_matches('"')))
        });
        chosen.or_else(|| accept_language.and_then(Self::accepted)).unwrap_or_default()
    }

    /// The best supported language of an `Accept-Language` header.
    fn accepted(header: &str) -> Option<Locale> {
        let mut ranges: Vec<(f32, &str)> = header
            .split(',')
            .take(32)
            .filter_map(|range| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let weight = parts.map(str::trim).find(|p| p.len() > 2 && p[..2].eq_ignore_ascii_case("q="));
                let q = weight.map_or(Some(1.0), |w| w[2..].trim().parse::<f32>().ok())?;
                (q > 0.0 && !tag.is_empty()).then_some((q, tag))
            })
            .collect();
        // Stable: equal weights keep the header's order.
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranges.into_iter().find_map(|(_, tag)| Locale::from_tag(tag))
    }

    /// The CLDR plural category of the whole number `n`.
    pub fn plural(self, n: u64) -> &'static str {
        let (n10, n100) = (n % 10, n % 100);
        match self {
            Locale::Ja | Locale::ZhCn => "other",
            Locale::Fr | Locale::PtBr => {
                if n <= 1 {
                    "one"
                } else {
                    "other"
                }
            }
            Locale::Pl => match n {
                1 => "one",
                _ if (2..=4).contains(&n10) && !(12..=14).contains(&n100) => "few",
                _ => "many",
            },
            Locale::Uk => match () {
                _ if n10 == 1 && n100 != 11 => "one",
                _ if (2..=4).contains(&n10) && !(12..=14).contains(&n100) => "few",
                _ => "many",
            },
            Locale::Ar => match n {
                0 => "zero",
                1 => "one",
                2 => "two",
                _ if (3..=10).contains(&n100) => "few",
                _ if (11..=99).contains(&n100) => "many",
                _ => "other",
            },
            _ => {
                if n == 1 {
                    "one"
                } else {
                    "other"
                }
            }
        }
    }

    /// Every category [`Locale::plural`] gives for whole numbers.
    pub fn plural_categories(self) -> &'static [&'static str] {
        match self {
            Locale::Ja | Locale::ZhCn => &["other"],
            Locale::Pl | Locale::Uk => &["one", "few", "many"],
            Locale::Ar => &["zero", "one", "two", "few", "many", "other"],
            _ => &["one", "other"],
        }
    }
}

/// The strings of one locale, as a page renders them. A copy of a
/// reference: the server's tables live as long as it does, and the
/// browser's, read once from the page, as long as the page.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    locale: Locale,
    table: &'static Table,
}

type Table = HashMap<&'static str, &'static str>;

impl PartialEq for Texts {
    fn eq(&self, other: &Self) -> bool {
        self.locale == other.locale && self.table == other.table
    }
}

impl Default for Texts {
    fn default() -> Self {
        static EMPTY: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        Texts { locale: Locale::En, table: EMPTY.get_or_init(Table::new) }
    }
}

impl Texts {
    /// `locale`'s catalogue, with English for anything it lacks.
    #[cfg(feature = "ssr")]
    pub fn of(locale: Locale) -> Texts {
        Texts { locale, table: catalogue::table(locale) }
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// The text of `key`; a missing key shows as itself.
    pub fn get(&self, key: &'static str) -> &'static str {
        self.table.get(key).copied().unwrap_or(key)
    }

    /// The text of `key` with its `{placeholders}` filled from `args`.
    pub fn fill(&self, key: &'static str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill(self.get(key), args)
    }

    /// The text of `key` for the count `n` (in its plural form), with `{n}`
    /// and `args` filled in.
    pub fn count(&self, key: &str, n: usize, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let form = format!("{key}#{}", self.locale.plural(n as u64));
        let text = self.table.get(form.as_str()).or_else(|| self.table.get(format!("{key}#other").as_str()));
        let mut all: Vec<(&str, &dyn std::fmt::Display)> = vec![("n", &n)];
        all.extend_from_slice(args);
        fill(text.copied().unwrap_or(key), &all)
    }

    /// Whether `message` is the text of `key` with some values in its
    /// placeholders: how a client recognises what the server said in its
    /// language.
    pub fn matches(&self, key: &'static str, message: &str) -> bool {
        // The literal pieces between placeholders, in order.
        let mut pieces = Vec::new();
        let mut rest = self.get(key);
        while let Some((head, tail)) = rest.split_once('{') {
            pieces.push(head);
            rest = tail.split_once('}').map_or("", |(_, after)| after);
        }
        pieces.push(rest);
        let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
        let Some(mut left) = message.strip_prefix(first) else { return false };
        if pieces.len() == 1 {
            return left.is_empty();
        }
        for piece in &pieces[1..pieces.len() - 1] {
            match left.find(piece) {
                Some(i) => left = &left[i + piece.len()..],
                None => return false,
            }
        }
        left.ends_with(last)
    }

    /// Why a board name is refused, in words of this locale.
    pub fn name_error(&self, error: &ValidationError) -> String {
        match error {
            ValidationError::BoardNameEmpty => self.get("name.empty").to_owned(),
            ValidationError::BoardNameTooLong => self.fill("name.too_long", &[("max", &MAX_BOARD_NAME)]),
            ValidationError::BoardNameCharacters => self.get("name.characters").to_owned(),
            other => other.to_string(),
        }
    }

    /// The text the page carries: the locale's tag on the first line, then
    /// a line `key<TAB>text` for each text (the catalogues hold no tab, line
    /// break or `<`, so this is safe inside a `<script>` element, and the
    /// browser reads it without a JSON parser).
    pub fn to_page_text(&self) -> String {
        let mut entries: Vec<_> = self.table.iter().collect();
        entries.sort();
        let mut text = self.locale.tag().to_owned();
        for (key, value) in entries {
            text.push('\n');
            text.push_str(key);
            text.push('\t');
            text.push_str(value);
        }
        text
    }

    /// Reads what [`Texts::to_page_text`] wrote, once per page: the table
    /// lives as long as the page.
    pub fn from_page_text(text: String) -> Option<Texts> {
        let text: &'static str = Box::leak(text.into_boxed_str());
        let mut lines = text.lines();
        let locale = Locale::from_tag(lines.next()?)?;
        let table = lines.filter_map(|line| line.split_once('\t')).collect();
        Some(Texts { locale, table: Box::leak(Box::new(table)) })
    }
}

/// Replaces each `{name}` of `args` in `template`, in one pass: what a
/// value holds (a person's name, say) is never read as a placeholder.
fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| Some((close, args.iter().find(|(n, _)| *n == &after[..close])?)));
        match value {
            Some((close, (_, value))) => {
                text.push_str(&value.to_string());
                rest = &after[close + 1..];
            }
            None => {
                text.push('{');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_cookie_then_weights() {
        assert_eq!(Locale::negotiate(None, None), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("de-DE,de;q=0.9,en;q=0.8")), Locale::De);
        assert_eq!(Locale::negotiate(None, Some("sv, fr;q=0.5, ja;q=0.7")), Locale::Ja);
        assert_eq!(Locale::negotiate(None, Some("pt-PT")), Locale::PtBr);
        assert_eq!(Locale::negotiate(None, Some("zh-TW;q=1")), Locale::ZhCn);
        assert_eq!(Locale::negotiate(None, Some("ar-EG")), Locale::Ar);
        assert_eq!(Locale::negotiate(None, Some("de;q=0, it")), Locale::It);
        assert_eq!(Locale::negotiate(None, Some("xx, ;q=abc, *")), Locale::En);
        assert_eq!(Locale::negotiate(Some("a=b; scrawl-lang=uk; c=d"), Some("de")), Locale::Uk);
        assert_eq!(Locale::negotiate(Some("scrawl-lang=klingon"), Some("nl")), Locale::Nl);
        assert_eq!(Locale::negotiate(Some("xscrawl-lang=tr"), None), Locale::En);
        assert_eq!(Locale::negotiate(Some("scrawl-lang=xx; scrawl-lang=\"ja\""), None), Locale::Ja);
        assert_eq!(Locale::negotiate(None, Some("de;Q=0.1, fr;q=0.2")), Locale::Fr);
    }

    #[test]
    fn plural_rules() {
        let forms = |l: Locale| [0, 1, 2, 3, 5, 11, 12, 21, 22, 25, 101, 111].map(|n| l.plural(n));
        assert_eq!(forms(Locale::En)[..3], ["other", "one", "other"]);
        assert_eq!(forms(Locale::Fr)[..3], ["one", "one", "other"]);
        assert_eq!(
            forms(Locale::Pl),
            ["many", "one", "few", "few", "many", "many", "many", "many", "few", "many", "many", "many"]
        );
        assert_eq!(
            forms(Locale::Uk),
            ["many", "one", "few", "few", "many", "many", "many", "one", "few", "many", "one", "many"]
        );
        assert_eq!(
            forms(Locale::Ar),
            ["zero", "one", "two", "few", "few", "many", "many", "many", "many", "many", "other", "many"]
        );
        assert!(forms(Locale::Ja).iter().all(|f| *f == "other"));
        for l in Locale::ALL {
            for n in 0..300 {
                assert!(l.plural_categories().contains(&l.plural(n)), "{l:?} {n}");
            }
        }
    }

    #[test]
    fn texts_fill_and_count() {
        let table = |entries: &[(&'static str, &'static str)]| -> &'static Table {
            Box::leak(Box::new(entries.iter().copied().collect()))
        };
        let texts = Texts {
            locale: Locale::En,
            table: table(&[
                ("a", "{x} and {x}, not {y}"),
                ("w#one", "{n} stroke of {who}"),
                ("w#other", "{n} strokes"),
            ]),
        };
        assert_eq!(texts.fill("a", &[("x", &1)]), "1 and 1, not {y}");
        assert_eq!(texts.count("w", 1, &[("who", &"Ann")]), "1 stroke of Ann");
        assert_eq!(texts.count("w", 7, &[]), "7 strokes");
        assert_eq!(texts.get("missing"), "missing");
        // A placeholder's value is never read as another placeholder.
        assert_eq!(texts.count("w", 1, &[("who", &"{n}")]), "1 stroke of {n}");
        assert_eq!(texts.fill("a", &[("x", &"{y}"), ("y", &2)]), "{y} and {y}, not 2");
        let page = Texts { table: table(&[("k", "a {x}"), ("l", "b")]), locale: Locale::Ar }.to_page_text();
        assert_eq!(page, "ar\nk\ta {x}\nl\tb");
        let back = Texts::from_page_text(page).unwrap();
        assert_eq!((back.locale(), back.get("k"), back.get("l")), (Locale::Ar, "a {x}", "b"));
        let kicked = Texts { table: table(&[("k", "out for {m} min, {who}")]), ..back };
        assert!(kicked.matches("k", "out for 10 min, Ann"));
        assert!(!kicked.matches("k", "out for 10 minutes, Ann"));
        assert!(!kicked.matches("k", "in for 10 min, Ann"));
        assert!(back.matches("l", "b"));
        assert!(!back.matches("l", "b and more"));
    }
}
