//! Server integration tests: a real server on a loopback port, real HTTP.

mod batons;
mod errors;
mod fuzz;
mod legacy;
mod pipeline;
mod replica_server;
mod replication;
mod ws;

use std::net::SocketAddr;

use serde_json::{Value, json};

/// A server on 127.0.0.1:0 over a fresh data directory, stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    pub http: reqwest::Client,
}

impl TestServer {
    pub async fn spawn() -> TestServer {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut basalt_server::Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = basalt_server::Config::new(dir.path().join("data"));
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            basalt_server::run(listener, config, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            dir,
            stop: Some(stop),
            handle: Some(handle),
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// GETs `path` and returns the body as text.
    pub async fn get_text(&self, path: &str) -> String {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// POSTs a JSON body; returns status, content type and body (JSON if it parses,
    /// else a JSON string of the text).
    pub async fn post(&self, path: &str, body: &Value) -> (u16, String, Value) {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, String, Value) {
        let response = self
            .http
            .post(self.url(path))
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, content_type, body)
    }

    /// Runs one pipeline on /v2 and returns the response body, asserting 200.
    pub async fn pipeline(&self, baton: Option<&str>, requests: Value) -> Value {
        let (status, _, body) = self
            .post(
                "/v2/pipeline",
                &json!({"baton": baton, "requests": requests}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Executes one statement on a fresh stream and returns its `result` or `error`.
    pub async fn execute(&self, sql: &str) -> Value {
        let body = self
            .pipeline(
                None,
                json!([{"type": "execute", "stmt": {"sql": sql}}, {"type": "close"}]),
            )
            .await;
        let result = &body["results"][0];
        if result["type"] == "ok" {
            result["response"]["result"].clone()
        } else {
            result["error"].clone()
        }
    }

    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The integer values of a result's rows, as i64s.
pub fn ints(result: &Value) -> Vec<Vec<i64>> {
    result["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v["value"].as_str().unwrap().parse().unwrap())
                .collect()
        })
        .collect()
}
