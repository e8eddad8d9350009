//! The administration commands (`user`, `app`, `invite`): they open the same database as a
//! running server and print what scripts need (tokens, secrets, codes) to stdout alone.

use crate::cli::{AppCommand, InviteCommand, UserCommand};
use anyhow::Context;
use duet_server::{store, Admin, ServerConfig};
use std::io::BufRead;
use std::time::Duration;

/// How long an admin command waits for a running server's lock (SQLite's write lock, or a row
/// lock on PostgreSQL): longer than a server's requests wait, because a person is waiting.
const ADMIN_STORE_WAIT: Duration = Duration::from_secs(10);

/// The administrator of the configured database, with the default app created if it has none.
pub async fn admin(config: &ServerConfig) -> anyhow::Result<Admin> {
    let store = store::open(&config.database, ADMIN_STORE_WAIT)
        .await
        .with_context(|| format!("opening database {}", store::redacted(&config.database)))?;
    let admin = Admin::new(store);
    if let Some(app_key) = &config.default_app {
        if admin.apps().await?.is_empty() {
            admin.ensure_app(app_key).await?;
        }
    }
    Ok(admin)
}

/// The first line of standard input, without its line ending: a password never goes on the
/// command line, where other local users can read it in the process list.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    anyhow::ensure!(!password.is_empty(), "no password on standard input");
    Ok(password)
}

pub async fn user(admin: &Admin, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            account,
            nick,
            app,
            ttl,
            password_stdin,
        } => {
            let password = password_stdin.then(password_from_stdin).transpose()?;
            if let Some(password) = &password {
                // Checked before the account exists, so a weak password leaves nothing behind.
                duet_server::passwords::check_strength(password, &account)?;
            }
            let nick = nick.unwrap_or_else(|| account.clone());
            let token = admin.add_user(&app, &account, &nick, ttl.into()).await?;
            if let Some(password) = password {
                admin.set_password(&app, &account, &password).await?;
            }
            println!("{token}");
        }
        UserCommand::Passwd { account, app } => {
            let password = password_from_stdin()?;
            admin.set_password(&app, &account, &password).await?;
            eprintln!("password of `{account}` in app `{app}` set");
        }
        UserCommand::Token { account, app, ttl } => {
            println!("{}", admin.issue_token(&app, &account, ttl.into()).await?);
        }
        UserCommand::Revoke {
            account,
            app,
            token,
        } => match token {
            Some(token) => admin.revoke_token(&app, &token).await?,
            None => admin.revoke_all(&app, &account).await?,
        },
    }
    Ok(())
}

pub async fn app(admin: &Admin, command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Add {
            app_key,
            no_safe_mode,
        } => {
            let app = admin.add_app(&app_key, !no_safe_mode).await?;
            println!("{}", app.secret);
        }
        AppCommand::List => {
            for app in admin.apps().await? {
                let mode = if app.safe_mode {
                    "safe_mode"
                } else {
                    "no_safe_mode"
                };
                let registration = app.registration.as_str();
                let contacts = app.contacts.as_str();
                println!(
                    "{}\t{mode}\tregistration={registration}\tcontacts={contacts}",
                    app.app_key
                );
            }
        }
        AppCommand::Set {
            app_key,
            registration,
            contacts,
        } => {
            if let Some(registration) = registration {
                admin.set_registration(&app_key, registration).await?;
            }
            if let Some(contacts) = contacts {
                admin.set_contact_policy(&app_key, contacts).await?;
            }
        }
    }
    Ok(())
}

pub async fn invite(admin: &Admin, command: InviteCommand) -> anyhow::Result<()> {
    match command {
        InviteCommand::Create {
            app,
            uses,
            ttl,
            link,
        } => {
            let code = admin.create_invite(&app, uses, ttl.into()).await?;
            println!("{code}");
            if let Some(server) = link {
                println!("{}", join_link(&server, &code));
            }
        }
    }
    Ok(())
}

/// `duet://join?server=…&code=…`, the link the desktop app opens on its sign-up screen.
fn join_link(server: &str, code: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("server", server)
        .append_pair("code", code)
        .finish();
    format!("duet://join?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_link_carries_the_server_and_code_encoded() {
        assert_eq!(
            join_link("duet.example.com:7420", "AbC-_9"),
            "duet://join?server=duet.example.com%3A7420&code=AbC-_9"
        );
    }
}
