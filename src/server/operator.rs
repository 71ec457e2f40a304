//! The operator's commands on boards: `scrawl board create|links|compact|delete`
//! and `scrawl boards`. They work on the database itself, so they are safe
//! next to a running server (SQLite WAL); the server follows what they
//! store within seconds.

use std::sync::Arc;

use super::config::{BoardCommand, PublicUrl};
use crate::domain::BoardAccess;
use crate::protocol::{BoardName, Links, Mode, Role};
use crate::storage::{Database, Storage};

/// `create` may make the database (boards set up before the first start);
/// the others need it to exist. Each migrates it, as the server would.
pub async fn board(db: &Database, action: BoardCommand) -> anyhow::Result<()> {
    if let Database::Sqlite(path) = db {
        if !matches!(action, BoardCommand::Create { .. }) && !path.exists() {
            return Err(crate::storage::StorageError::Missing(path.clone()).into());
        }
    }
    let storage = Storage::open(db, Arc::default()).await?;
    let result = match action {
        BoardCommand::Create { name, mode, url } => {
            let name = BoardName::new(name)?;
            let mut access = BoardAccess { mode: Mode::parse(&mode).unwrap_or_default(), ..BoardAccess::default() };
            let links = access.new_links();
            access.changed();
            if storage.create_board(&name, &access).await? {
                print_links(&name, &links, &url);
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "board {name} exists already (or was deleted seconds ago); `scrawl board links {name}` makes new links for it"
                ))
            }
        }
        BoardCommand::Links { name, url } => {
            let name = BoardName::new(name)?;
            match storage.change_access(&name, BoardAccess::new_links).await? {
                Some(links) => {
                    print_links(&name, &links, &url);
                    Ok(())
                }
                None => Err(anyhow::anyhow!("no board {name}")),
            }
        }
        BoardCommand::Compact { name, before } => {
            let name = BoardName::new(name)?;
            match storage.compact(&name, before).await {
                Ok(Some(seq)) => {
                    println!("{name}: history now starts at change {seq}");
                    Ok(())
                }
                Ok(None) => {
                    println!("{name}: no history before then; nothing changed");
                    Ok(())
                }
                Err(crate::storage::HistoryError::NoBoard) => Err(anyhow::anyhow!("no board {name}")),
                Err(e) => Err(e.into()),
            }
        }
        BoardCommand::Delete { name } => {
            let name = BoardName::new(name)?;
            if storage.delete_board(&name).await? {
                println!("deleted {name}");
                Ok(())
            } else {
                Err(anyhow::anyhow!("no board {name}"))
            }
        }
    };
    storage.close().await;
    result
}

fn print_links(name: &BoardName, links: &Links, url: &PublicUrl) {
    let base = url.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    for role in Role::ALL {
        println!("{}: {base}/b/{name}#k={}", role.as_str(), links.key(role));
    }
}

pub async fn boards(db: &Database) -> anyhow::Result<()> {
    let storage = Storage::open_existing(db).await?;
    let boards = storage.boards().await;
    storage.close().await;
    println!("{:<24} {:<9} {:>8} {:>10} {:>12}  last activity (UTC)", "name", "mode", "strokes", "points", "bytes");
    for b in boards? {
        let when = utc(b.active_at);
        println!("{:<24} {:<9} {:>8} {:>10} {:>12}  {when}", b.name, b.mode, b.live_strokes, b.points, b.bytes);
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM` of a unix time (the civil calendar from days).
fn utc(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(1_795_974_900), "2026-11-29 17:55");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00");
    }

    #[test]
    fn dates_parse_back() {
        use crate::server::config::parse_utc;
        assert_eq!(parse_utc("1970-01-01"), Ok(0));
        assert_eq!(parse_utc("2026-11-29T17:55"), Ok(1_795_974_900_000));
        assert_eq!(parse_utc("2000-02-29 00:00:00Z"), Ok(951_782_400_000));
        for bad in ["2026-13-01", "yesterday", "2026-11-30T25:00", "2026-11", ""] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }
}
