//! Leptos UI: the HTML shell, the home page and the board page. The same
//! components render on the server and hydrate in the browser, where the
//! board page hands its canvas to `client`.
//!
//! - `board`: the board page and the reactive [`BoardView`] it shares with
//!   the live session, through which the page sends [`Command`]s.
//! - `toolbar`: the drawing tools and the people on the board.
//! - `share`: the Share dialog, with the links and the owner's settings.

mod board;
mod share;
mod toolbar;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use board::{BoardView, Command, Link, OwnerCommand};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="color-scheme" content="light dark"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/scrawl.css"/>
        <Title text="scrawl"/>
        <Router>
            <Routes fallback=|| view! { <main class="notfound"><h1>"Page not found"</h1><a href="/">"Home"</a></main> }>
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
    view! {
        <main class="home">
            <h1 class="logo">"scrawl"</h1>
            <p class="tagline">"A whiteboard your team draws on together, live."</p>
            <a class="button primary" href="/new" rel="external" data-testid="new-board">"New board"</a>
            <form class="open-board" action="/go" method="get">
                <label for="board-name">"Open a board by name"</label>
                <div class="row">
                    <input id="board-name" name="board" placeholder="team-retro" required maxlength="64"/>
                    <button type="submit" class="button">"Open"</button>
                </div>
            </form>
            <Show when=move || !recent.read().is_empty()>
                <section class="recent" data-testid="recent-boards">
                    <h2>"Recent boards"</h2>
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

/// The board's drawing as SVG elements, provided by the server for the
/// first paint; absent in the browser.
#[derive(Debug, Clone)]
pub struct FirstPaint(pub String);
