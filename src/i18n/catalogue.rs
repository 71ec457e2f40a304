//! Every locale's strings, compiled into the server from `locales/*.json`
//! and read once; each locale's table is English overlaid with its own.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Locale, Table};

/// The catalogue file of `locale`.
fn source(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("locales/en.json"),
        Locale::De => include_str!("locales/de.json"),
        Locale::Fr => include_str!("locales/fr.json"),
        Locale::Es => include_str!("locales/es.json"),
        Locale::PtBr => include_str!("locales/pt-BR.json"),
        Locale::It => include_str!("locales/it.json"),
        Locale::Nl => include_str!("locales/nl.json"),
        Locale::Pl => include_str!("locales/pl.json"),
        Locale::Uk => include_str!("locales/uk.json"),
        Locale::Tr => include_str!("locales/tr.json"),
        Locale::Ja => include_str!("locales/ja.json"),
        Locale::ZhCn => include_str!("locales/zh-CN.json"),
        Locale::Ar => include_str!("locales/ar.json"),
    }
}

/// `locale`'s own texts, kept for as long as the server runs.
fn parse(locale: Locale) -> Table {
    // The unit tests read every file, so a broken one never ships.
    let texts: HashMap<String, String> =
        serde_json::from_str(source(locale)).unwrap_or_else(|e| panic!("locales/{}.json: {e}", locale.tag()));
    let keep = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    texts.into_iter().map(|(k, v)| (keep(k), keep(v))).collect()
}

/// `locale`'s table, English filling any gap.
pub(super) fn table(locale: Locale) -> &'static Table {
    static TABLES: OnceLock<HashMap<Locale, Table>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let english = parse(Locale::En);
        Locale::ALL
            .into_iter()
            .map(|l| {
                let mut table = english.clone();
                if l != Locale::En {
                    table.extend(parse(l));
                }
                (l, table)
            })
            .collect()
    });
    &tables[&locale]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The `{placeholders}` of a text.
    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect()
    }

    /// A key without its plural category, and the category.
    fn split(key: &str) -> (&str, Option<&str>) {
        match key.split_once('#') {
            Some((base, category)) => (base, Some(category)),
            None => (key, None),
        }
    }

    #[test]
    fn every_locale_has_every_key_with_the_same_placeholders() {
        let english = parse(Locale::En);
        let plural_keys: BTreeSet<&str> =
            english.keys().filter_map(|k| Some(split(k)).filter(|s| s.1.is_some())).map(|s| s.0).collect();
        assert!(!plural_keys.is_empty());
        for locale in Locale::ALL {
            let table = parse(locale);
            let tag = locale.tag();
            for (key, text) in &table {
                assert!(!text.trim().is_empty(), "{tag}: {key} is empty");
                // What the page's text format and its <script> element need.
                assert!(!text.contains(['\t', '\n', '\r', '<']), "{tag}: {key} holds a tab, line break or <");
                let (base, category) = split(key);
                let reference = match category {
                    Some(c) => {
                        assert!(locale.plural_categories().contains(&c), "{tag}: {key}: no such plural category");
                        english.get(format!("{base}#other").as_str())
                    }
                    None => english.get(*key),
                };
                let reference = reference.unwrap_or_else(|| panic!("{tag}: {key} is not in English"));
                assert_eq!(placeholders(text), placeholders(reference), "{tag}: {key} has other placeholders");
            }
            for key in english.keys().filter(|k| !k.contains('#')) {
                assert!(table.contains_key(key), "{tag}: {key} is missing");
            }
            for base in &plural_keys {
                for category in locale.plural_categories() {
                    assert!(
                        table.contains_key(format!("{base}#{category}").as_str()),
                        "{tag}: {base}#{category} is missing"
                    );
                }
            }
        }
    }

    #[test]
    fn tables_fall_back_to_english() {
        let ja = table(Locale::Ja);
        assert_ne!(ja["tools.pen"], table(Locale::En)["tools.pen"]);
        assert_eq!(table(Locale::En)["tools.pen"], "Pen");
        assert!(crate::i18n::Texts::of(Locale::Pl).count("status.waiting", 5, &[]).contains('5'));
    }
}
