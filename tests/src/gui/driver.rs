//! A blocking WebDriver client for the app's windows (main, popup, and the mini window while a
//! call's main window is in the background), over fantoccini and
//! tauri-driver. Elements are found by their `data-testid` (docs/app-interface.md, Test hooks);
//! clicks and typing go through WebDriver as real input events.

use fantoccini::wd::{Capabilities, WindowHandle};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::future::Future;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// How long the page may take to reach a state before the test fails: generous, because two
/// shared cores run the app, WebKit, the server and a bot at once. A guard, not a measurement.
pub const UI_GUARD: Duration = Duration::from_secs(120);

const POLL: Duration = Duration::from_millis(200);
/// Longest a single WebDriver command may take; the slowest legitimate one (a screenshot of a
/// busy 720p call page on a loaded machine) takes a few seconds.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The app's windows, by their Tauri labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Main,
    Popup,
    /// Built by the app while an answered call's main window is in the background, destroyed when
    /// it comes back: found anew each time ([`App::on`]), forgotten by [`App::mini_closed`].
    Mini,
}

impl Window {
    fn label(self) -> &'static str {
        match self {
            Window::Main => "main",
            Window::Popup => "popup",
            Window::Mini => "mini",
        }
    }
}

/// One WebDriver session: the app, started by tauri-driver.
pub struct App {
    runtime: tokio::runtime::Runtime,
    client: Option<Client>,
    handles: Vec<(Window, WindowHandle)>,
    current: Option<Window>,
}

fn selector(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

/// JavaScript that tells whether the element with a test id is rendered (present, not hidden by
/// the `hidden` attribute or CSS, with a box).
const VISIBLE_JS: &str = "const el = document.querySelector(arguments[0]);
return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';";

/// Run before a screenshot. WebKit's screenshot is the last rendered frame, which can lag the
/// DOM by a few frames on a loaded machine: wait for two animation frames (one full rendering
/// update) first. It also waits for the page's next paint, and without the accelerated compositor (the
/// app's choice where there is no GPU, as under Xvfb here; src-tauri/src/shell/webkit_painting.rs)
/// a page with nothing changing never paints: a 1-pixel, 1 %-opaque dot toggled each
/// animation frame keeps it painting, invisibly, until the screenshot is taken (3 s at
/// most). It is removed right after, so no animation runs into the test's next step.
const PAINT_START: &str = "const done = arguments[arguments.length - 1];
            const dot = document.createElement('div');
            dot.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;'
              + 'pointer-events:none;z-index:2147483647';
            document.documentElement.appendChild(dot);
            window.__duetScreenshotDot = dot;
            const start = performance.now();
            let on = false;
            (function toggle() {
              on = !on;
              dot.style.background = on ? 'rgba(0,0,0,0.01)' : 'transparent';
              if (dot.isConnected && performance.now() - start < 3000) requestAnimationFrame(toggle);
              else dot.remove();
            })();
            requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
/// Run after it: the dot goes at once.
const PAINT_STOP: &str = "window.__duetScreenshotDot?.remove(); delete window.__duetScreenshotDot;";

impl App {
    /// Starts the app at `application` through tauri-driver on `driver_port`.
    pub fn launch(driver_port: u16, application: &Path) -> Result<App, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let mut capabilities = Capabilities::new();
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": application.display().to_string() }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = runtime
            .block_on(
                ClientBuilder::new(connector)
                    .capabilities(capabilities)
                    .connect(&format!("http://127.0.0.1:{driver_port}")),
            )
            .map_err(|e| format!("tauri-driver could not start the app: {e}"))?;
        Ok(App {
            runtime,
            client: Some(client),
            handles: vec![],
            current: None,
        })
    }

    fn run<T, F: Future<Output = Result<T, fantoccini::error::CmdError>>>(
        &self,
        what: &str,
        f: impl FnOnce(Client) -> F,
    ) -> Result<T, String> {
        let client = self.client.clone().expect("the session is open until drop");
        // A WebDriver command that never answers (a WebKit bug, a wedged page) fails the test
        // with its name instead of hanging the run until CI's limit.
        match self
            .runtime
            .block_on(async { tokio::time::timeout(COMMAND_TIMEOUT, f(client)).await })
        {
            Ok(result) => result.map_err(|e| format!("{what}: {e}")),
            Err(_) => Err(format!(
                "{what}: no answer from WebDriver in {COMMAND_TIMEOUT:?}"
            )),
        }
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the current window.
    pub fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.run("execute script", |c| async move {
            c.execute(script, args).await
        })
        .unwrap_or_else(|e| panic!("{e}\nscript: {script}"))
    }

    /// Finds the main and popup windows by their Tauri labels, waiting until both pages loaded.
    fn discover_windows(&mut self) {
        let found = self.wait_until("both windows (main and popup) to load", |app| {
            let handles = app
                .run("window handles", |c| async move { c.windows().await })
                .ok()?;
            let mut labelled = vec![];
            for handle in handles {
                let label = app
                    .run("switch window", |c| {
                        let h = handle.clone();
                        async move {
                            c.switch_to_window(h).await?;
                            c.execute(
                                "return window.__TAURI_INTERNALS__?.metadata?.currentWindow?.label ?? null",
                                vec![],
                            )
                            .await
                        }
                    })
                    .ok()?;
                match label.as_str() {
                    Some("main") => labelled.push((Window::Main, handle)),
                    Some("popup") => labelled.push((Window::Popup, handle)),
                    _ => {}
                }
            }
            let has = |w: Window| labelled.iter().any(|(l, _)| *l == w);
            (has(Window::Main) && has(Window::Popup)).then_some(labelled)
        });
        self.handles = found;
        self.current = None;
    }

    /// Waits until the mini window's page has loaded and makes it the current window.
    fn discover_mini(&mut self) {
        let known: Vec<WindowHandle> = self.handles.iter().map(|(_, h)| h.clone()).collect();
        let found = self.wait_until("the mini window to load", |app| {
            let handles = app
                .run("window handles", |c| async move { c.windows().await })
                .ok()?;
            handles.into_iter().filter(|h| !known.contains(h)).find(|handle| {
                let label = app.run("switch window", |c| {
                    let h = handle.clone();
                    async move {
                        c.switch_to_window(h).await?;
                        c.execute(
                            "return document.querySelector('[data-testid=\"mini\"]') \
                               ? window.__TAURI_INTERNALS__?.metadata?.currentWindow?.label ?? null \
                               : null",
                            vec![],
                        )
                        .await
                    }
                });
                matches!(label, Ok(Value::String(l)) if l == "mini")
            })
        });
        self.handles.push((Window::Mini, found));
        self.current = Some(Window::Mini);
    }

    /// The app destroyed the mini window: the next [`App::on`] with [`Window::Mini`] finds the
    /// next one, and any other window is switched to again.
    pub fn mini_closed(&mut self) {
        self.handles.retain(|(w, _)| *w != Window::Mini);
        if self.current == Some(Window::Mini) {
            self.current = None;
        }
    }

    /// Minimises the current window (WebDriver's Minimize Window: the window manager iconifies it).
    pub fn minimize(&self) {
        self.run(
            "minimize window",
            |c| async move { c.minimize_window().await },
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }

    /// Makes `window` the one the next commands act on.
    pub fn on(&mut self, window: Window) -> &mut App {
        if self.handles.is_empty() {
            self.discover_windows();
        }
        if window == Window::Mini && !self.handles.iter().any(|(w, _)| *w == Window::Mini) {
            // Discovery switches through the windows and ends on the mini window.
            self.current = None;
            self.discover_mini();
            return self;
        }
        if self.current != Some(window) {
            let handle = self
                .handles
                .iter()
                .find(|(w, _)| *w == window)
                .map(|(_, h)| h.clone())
                .expect("discover_windows found both windows, discover_mini the mini one");
            self.run("switch window", |c| async move {
                c.switch_to_window(handle).await
            })
            .unwrap_or_else(|e| panic!("{e} to {}", window.label()));
            self.current = Some(window);
        }
        self
    }

    /// Polls `check` until it returns `Some`, failing after [`UI_GUARD`] with `what` and the page.
    pub fn wait_until<T>(&self, what: &str, mut check: impl FnMut(&App) -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(value) = check(self) {
                return value;
            }
            if started.elapsed() > UI_GUARD {
                panic!(
                    "waited {UI_GUARD:?} for {what}; the current window shows:\n{}",
                    self.describe()
                );
            }
            thread::sleep(POLL);
        }
    }

    /// Whether the element with `testid` is rendered in the current window.
    pub fn visible(&self, testid: &str) -> bool {
        self.run("visibility", |c| async move {
            c.execute(VISIBLE_JS, vec![json!(selector(testid))]).await
        })
        .map(|v| v.as_bool() == Some(true))
        .unwrap_or(false)
    }

    /// Waits until the element with `testid` is rendered.
    pub fn wait_visible(&self, testid: &str) {
        self.wait_until(&format!("[data-testid={testid}] to be visible"), |app| {
            app.visible(testid).then_some(())
        });
    }

    /// Waits until the element with `testid` is absent or hidden.
    pub fn wait_hidden(&self, testid: &str) {
        self.wait_until(&format!("[data-testid={testid}] to be hidden"), |app| {
            (!app.visible(testid)).then_some(())
        });
    }

    /// An attribute of the element with `testid`, or `None` when either is missing.
    pub fn attribute(&self, testid: &str, name: &str) -> Option<String> {
        self.js(
            "const el = document.querySelector(arguments[0]); return el ? el.getAttribute(arguments[1]) : null;",
            vec![json!(selector(testid)), json!(name)],
        )
        .as_str()
        .map(str::to_owned)
    }

    /// Clicks the element with `testid` once it is visible.
    ///
    /// The page redraws lists as state changes (a presence update re-renders a contact's row), so
    /// the element found can be replaced before the click reaches it, and WebKit then answers that
    /// the node was not found; under load that window is wide enough to hit. The click did not
    /// happen then, so it is safe to find the element again and retry.
    pub fn click(&self, testid: &str) {
        const ATTEMPTS: u32 = 5;
        for attempt in 1..=ATTEMPTS {
            self.wait_visible(testid);
            let css = selector(testid);
            match self.run("click", |c| async move {
                c.find(Locator::Css(&css)).await?.click().await
            }) {
                Ok(()) => return,
                Err(error) if attempt < ATTEMPTS && is_stale_element(&error) => continue,
                Err(error) => panic!("{error} on [data-testid={testid}]\n{}", self.describe()),
            }
        }
    }

    /// Clicks the element with `testid` whose click closes the current window (the mini window's
    /// "back to Duet"): the window can be gone before WebDriver answers the click, which it then
    /// reports as an error, so the answer is not taken as the outcome; the caller checks that the
    /// window went (a click that never happened leaves it open, and that check fails).
    pub fn click_closing_window(&self, testid: &str) {
        self.wait_visible(testid);
        let css = selector(testid);
        if let Err(error) = self.run("click", |c| async move {
            c.find(Locator::Css(&css)).await?.click().await
        }) {
            eprintln!("click on [data-testid={testid}], which closes its window: {error}");
        }
    }

    /// Replaces the text of the input with `testid` by typing `text`.
    pub fn fill(&self, testid: &str, text: &str) {
        self.wait_visible(testid);
        let css = selector(testid);
        self.run("type", |c| async move {
            let input = c.find(Locator::Css(&css)).await?;
            input.clear().await?;
            input.send_keys(text).await
        })
        .unwrap_or_else(|e| panic!("{e} into [data-testid={testid}]"));
    }

    /// A PNG of the current window, once the page has rendered what its DOM holds now.
    pub fn screenshot(&self) -> Vec<u8> {
        self.run("screenshot", |c| async move {
            c.execute_async(PAINT_START, vec![]).await?;
            let png = c.screenshot().await?;
            c.execute(PAINT_STOP, vec![]).await?;
            Ok(png)
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A PNG of the element with `testid` in the current window (its box, as rendered), once the
    /// page has rendered what its DOM holds now.
    pub fn element_screenshot(&self, testid: &str) -> Vec<u8> {
        let css = selector(testid);
        self.run("element screenshot", |c| async move {
            c.execute_async(PAINT_START, vec![]).await?;
            let png = c.find(Locator::Css(&css)).await?.screenshot().await?;
            c.execute(PAINT_STOP, vec![]).await?;
            Ok(png)
        })
        .unwrap_or_else(|e| panic!("{e} of [data-testid={testid}]"))
    }

    /// What the current window shows, for failure messages: its visible test ids and text.
    pub fn describe(&self) -> String {
        let script = "const ids = [...document.querySelectorAll('[data-testid]')]
              .filter(el => el.getClientRects().length > 0)
              .map(el => el.dataset.testid);
            return { ids, text: (document.body?.innerText ?? '').slice(0, 1500) };";
        match self.run(
            "describe",
            |c| async move { c.execute(script, vec![]).await },
        ) {
            Ok(v) => format!(
                "visible test ids: {}\ntext:\n{}",
                v["ids"],
                v["text"].as_str().unwrap_or("")
            ),
            Err(e) => format!("(could not read the page: {e})"),
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // Ending the session makes WebKitWebDriver close the app; the desktop kills what is left.
        if let Some(client) = self.client.take() {
            let _ = self.runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(10), client.close()).await
            });
        }
    }
}

/// Whether a WebDriver error says the element found is no longer in the page: the standard's
/// "stale element reference", or WebKitWebDriver's "Node with identifier ... was not found".
fn is_stale_element(error: &str) -> bool {
    error.contains("stale element")
        || (error.contains("Node with identifier") && error.contains("was not found"))
}

#[cfg(test)]
mod tests {
    use super::is_stale_element;

    #[test]
    fn only_a_replaced_element_is_worth_another_click() {
        assert!(is_stale_element(
            "click: webdriver returned error: Node with identifier 'node-7DE9' was not found"
        ));
        assert!(is_stale_element(
            "click: stale element reference: the element is no longer attached"
        ));
        assert!(!is_stale_element(
            "click: no such element: Unable to locate element"
        ));
        assert!(!is_stale_element("click: no answer from WebDriver in 60s"));
    }
}
