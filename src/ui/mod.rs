//! Leptos UI: the HTML shell, the home page and the board page. The same
//! components render on the server and hydrate in the browser, where the
//! board page hands its canvas to `client`.
//!
//! - `board`: the board page and the reactive [`BoardView`] it shares with
//!   the live session, through which the page sends [`Command`]s.
//! - `toolbar`: the drawing tools and the people on the board.
//! - `history`: the History panel: timeline, preview, timelapse, restore.
//! - `share`: the Share dialog, with the links and the owner's settings.

mod board;
mod history;
mod share;
mod toolbar;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};

use crate::i18n::{Locale, Texts, TEXTS_ELEMENT};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use board::{BoardView, Command, Link, OwnerCommand, Pick};
pub use history::{HistoryCommand, HistoryPanel, Mark, SPEEDS};

/// The HTML document around [`App`], in the request's language: `lang`,
/// `dir`, and the page's texts for the browser to read.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let texts = use_context::<Texts>().unwrap_or_else(|| Texts::of(Locale::En));
    let locale = texts.locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag() dir=locale.dir()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                <link rel="stylesheet" id="leptos" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <HydrationScripts options/>
                <MetaTags/>
                <script type="text/plain" id=TEXTS_ELEMENT inner_html=texts.to_page_text()></script>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's texts: the server provides them for each request; in the
/// browser [`App`] reads them from the page.
pub(crate) fn texts() -> Texts {
    use_context::<Texts>().unwrap_or_default()
}

/// The texts the server wrote into the page.
#[cfg(feature = "hydrate")]
fn page_texts() -> Texts {
    let text = leptos::prelude::document().get_element_by_id(TEXTS_ELEMENT).and_then(|e| e.text_content());
    text.and_then(Texts::from_page_text).unwrap_or_default()
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    #[cfg(feature = "hydrate")]
    provide_context(page_texts());
    let t = texts();
    let (not_found, home) = (t.get("notfound.title"), t.get("notfound.home"));
    view! {
        <Title text="scrawl"/>
        <Router>
            <Routes fallback=move || view! { <main class="notfound"><h1>{not_found}</h1><a href="/">{home}</a></main> }>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/b/:name") view=board::BoardPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    // Filled from localStorage after hydration.
    let recent = RwSignal::new(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| recent.set(crate::client::recent_boards()));
    let t = texts();
    view! {
        <main class="home">
            <h1 class="logo">"scrawl"</h1>
            <p class="tagline">{t.get("home.tagline")}</p>
            <a class="button primary" href="/new" rel="external" data-testid="new-board">{t.get("home.new_board")}</a>
            <form class="open-board" action="/go" method="get">
                <label for="board-name">{t.get("home.open_label")}</label>
                <div class="row">
                    <input id="board-name" name="board" placeholder=t.get("home.open_placeholder") required maxlength="64"/>
                    <button type="submit" class="button">{t.get("home.open")}</button>
                </div>
            </form>
            <LanguageMenu/>
            <Show when=move || !recent.read().is_empty()>
                <section class="recent" data-testid="recent-boards">
                    <h2>{t.get("home.recent")}</h2>
                    <ul>
                        <For each=move || recent.get() key=|b| b.clone() let:board>
                            <li><a href=format!("/b/{board}") rel="external">{board.clone()}</a></li>
                        </For>
                    </ul>
                </section>
            </Show>
        </main>
    }
}

/// The language menu: a plain form, so it works before and without wasm,
/// and a keyboard moving through the options changes nothing until it
/// applies. `/language` keeps the choice in a cookie and sends the browser
/// back to this page, which the server then renders in that language. It
/// waits while strokes wait for the server: a new page would drop them.
#[component]
pub(crate) fn LanguageMenu() -> impl IntoView {
    let t = texts();
    let current = t.locale();
    let back = leptos_router::hooks::use_location().pathname.get_untracked();
    let waiting = use_context::<BoardView>().map(|v| v.waiting);
    let busy = move || waiting.is_some_and(|w| w.get() > 0);
    // Plain HTML: the same on both sides, and no view code in the wasm.
    let options: String = Locale::ALL
        .into_iter()
        .map(|l| {
            let (tag, selected) = (l.tag(), if l == current { " selected" } else { "" });
            format!(r#"<option value="{tag}" lang="{tag}"{selected}>{}</option>"#, l.native_name())
        })
        .collect();
    view! {
        <form class="language" action="/language" method="get">
            <input type="hidden" name="back" value=back/>
            <select
                name="lang"
                autocomplete="off"
                aria-label=t.get("language.label")
                title=t.get("language.label")
                data-testid="language"
                inner_html=options
            ></select>
            <button type="submit" aria-label=t.get("language.apply") title=t.get("language.apply") disabled=busy>"✓"</button>
        </form>
    }
}

/// The board's drawing as SVG elements, provided by the server for the
/// first paint; absent in the browser.
#[derive(Debug, Clone)]
pub struct FirstPaint(pub String);
