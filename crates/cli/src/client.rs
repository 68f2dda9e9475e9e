//! The HTTP client: exchanges the API key for a token as IBM's SDKs do, sends JSON, and turns IBM error envelopes
//! into [`ApiFailure`]s that name the code and message.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use thiserror::Error;

use crate::Connection;
use crate::profile;

/// The VPC API version the CLI speaks.
pub const VPC_API_VERSION: &str = "2026-10-06";

/// A refusal from the server, or a failure to reach it.
#[derive(Debug, Error)]
pub enum ApiFailure {
    /// The server answered with an error.
    #[error("{message} (HTTP {status}, code `{code}`)")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The IBM error code, for example `policy_conflict_error`.
        code: String,
        /// The message.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot reach `{endpoint}`: {reason}")]
    Unreachable {
        /// The endpoint.
        endpoint: String,
        /// Why.
        reason: String,
    },
}

/// A connection to one server with one API key.
pub struct Client {
    endpoint: String,
    /// The VPC region's base path (`/eu-de`), or empty for the server's default region.
    region_path: String,
    apikey: String,
    http: reqwest::Client,
    token: tokio::sync::OnceCell<String>,
}

impl Client {
    /// Resolves the endpoint and key from flags, environment and profile, in that order.
    pub fn connect(connection: &Connection) -> anyhow::Result<Client> {
        let profile = profile::load()?;
        let endpoint = connection.endpoint.clone().or(profile.endpoint).ok_or_else(|| {
            anyhow::anyhow!("no endpoint: run `hubspoke login --endpoint URL --apikey KEY`, or set HUBSPOKE_ENDPOINT")
        })?;
        let apikey = connection.apikey.clone().or(profile.apikey).ok_or_else(|| {
            anyhow::anyhow!("no API key: run `hubspoke login --endpoint URL --apikey KEY`, or set HUBSPOKE_APIKEY")
        })?;
        Ok(Client::new(&endpoint, &apikey).in_region(connection.region.as_deref()))
    }

    /// A client for an explicit endpoint and key. An endpoint without a scheme (`127.0.0.1:8080`, as the server's
    /// banner and `--listen` write addresses) means plain HTTP.
    pub fn new(endpoint: &str, apikey: &str) -> Client {
        let endpoint = endpoint.trim().trim_end_matches('/');
        let endpoint = if endpoint.contains("://") { endpoint.to_owned() } else { format!("http://{endpoint}") };
        Client {
            endpoint,
            region_path: String::new(),
            apikey: apikey.to_owned(),
            http: reqwest::Client::builder().timeout(std::time::Duration::from_secs(60)).build().unwrap_or_default(),
            token: tokio::sync::OnceCell::new(),
        }
    }

    /// The same client working in a VPC region (`None`: the server's default region).
    pub fn in_region(mut self, region: Option<&str>) -> Client {
        self.region_path = region
            .map(str::trim)
            .filter(|region| !region.is_empty())
            .map(|region| format!("/{region}"))
            .unwrap_or_default();
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn unreachable(&self, error: reqwest::Error) -> ApiFailure {
        ApiFailure::Unreachable { endpoint: self.endpoint.clone(), reason: error.to_string() }
    }

    /// The bearer token, fetched once with the API-key grant (and Basic `bx:bx`, as IBM's CLI does).
    pub async fn token(&self) -> Result<&str, ApiFailure> {
        self.token
            .get_or_try_init(|| async {
                let response = self
                    .http
                    .post(format!("{}/identity/token", self.endpoint))
                    .basic_auth("bx", Some("bx"))
                    .form(&[("grant_type", "urn:ibm:params:oauth:grant-type:apikey"), ("apikey", self.apikey.as_str())])
                    .send()
                    .await
                    .map_err(|e| self.unreachable(e))?;
                let status = response.status();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if status != StatusCode::OK {
                    return Err(failure(status, &body));
                }
                body["access_token"].as_str().map(str::to_owned).ok_or_else(|| failure(status, &body))
            })
            .await
            .map(String::as_str)
    }

    /// The claims of the token (not verified: they are our own server's, only read for display).
    pub async fn claims(&self) -> Result<Value, ApiFailure> {
        use base64::Engine;
        let token = self.token().await?;
        let payload = token.split('.').nth(1).unwrap_or_default();
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap_or_default();
        Ok(serde_json::from_slice(&decoded).unwrap_or(Value::Null))
    }

    /// The caller's account id (empty for the operator).
    pub async fn account_id(&self) -> Result<String, ApiFailure> {
        Ok(self.claims().await?["account"]["bss"].as_str().unwrap_or_default().to_owned())
    }

    /// The caller's IAM id, for progress lines.
    pub async fn iam_id(&self) -> Result<String, ApiFailure> {
        Ok(self.claims().await?["iam_id"].as_str().unwrap_or_default().to_owned())
    }

    /// A VPC API call: the path gets `version` and `generation` like the `ibmcloud is` plugin sends them.
    pub async fn vpc(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ApiFailure> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let path = format!("{}{path}{separator}version={VPC_API_VERSION}&generation=2", self.region_path);
        self.call(method, &path, body).await
    }

    /// Every item of a VPC API collection (`key` is its member), following `next` links 100 at a time, as
    /// `ibmcloud is` lists show all of a collection.
    pub async fn vpc_all(&self, path: &str, key: &str) -> Result<Vec<Value>, ApiFailure> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let page = match &start {
                None => format!("{path}{separator}limit=100"),
                Some(token) => format!("{path}{separator}limit=100&start={token}"),
            };
            let body = self.vpc(Method::GET, &page, None).await?;
            items.extend(body[key].as_array().into_iter().flatten().cloned());
            // The next page's token is the `start` parameter of `next.href`.
            start = body["next"]["href"]
                .as_str()
                .and_then(|href| href.split("start=").nth(1))
                .map(|rest| rest.split('&').next().unwrap_or_default().to_owned());
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// The ETag of a VPC API resource.
    pub async fn vpc_etag(&self, path: &str) -> Result<String, ApiFailure> {
        let url = format!("{}{}{path}?version={VPC_API_VERSION}&generation=2", self.endpoint, self.region_path);
        self.read_with_etag(url).await.map(|(_, etag)| etag)
    }

    /// A VPC API call with `If-Match`.
    pub async fn vpc_with_if_match(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        etag: &str,
    ) -> Result<Value, ApiFailure> {
        let url = format!("{}{}{path}?version={VPC_API_VERSION}&generation=2", self.endpoint, self.region_path);
        self.send_if_match(method, url, body, etag).await
    }

    /// `GET` with the bearer token, for an answer that is text rather than JSON (a zone file).
    pub async fn text(&self, path: &str) -> Result<String, ApiFailure> {
        let token = self.token().await?.to_owned();
        let response = self
            .http
            .get(format!("{}{path}", self.endpoint))
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| self.unreachable(e))?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(failure(status, &serde_json::from_str(&text).unwrap_or(Value::Null)))
        }
    }

    /// `POST`s `content` as the one part `part` of a `multipart/form-data` body, and returns the JSON answer.
    pub async fn upload(&self, path: &str, part: &str, content: &str) -> Result<Value, ApiFailure> {
        let token = self.token().await?.to_owned();
        // The boundary only has to appear nowhere in the content.
        let boundary = (0u64..)
            .map(|n| format!("hubspoke-part-boundary-{n}"))
            .find(|boundary| !content.contains(boundary.as_str()))
            .unwrap_or_default();
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{part}\"\r\n\
             Content-Type: text/plain\r\n\r\n{content}\r\n--{boundary}--\r\n"
        );
        let response = self
            .http
            .post(format!("{}{path}", self.endpoint))
            .bearer_auth(token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() { Ok(body) } else { Err(failure(status, &body)) }
    }

    /// `GET` of a non-VPC resource with its `ETag`.
    pub async fn get_with_etag(&self, path: &str) -> Result<(Value, String), ApiFailure> {
        self.read_with_etag(format!("{}{path}", self.endpoint)).await
    }

    /// The `ETag` of a resource outside the VPC API (an access group, a rule).
    pub async fn etag(&self, path: &str) -> Result<String, ApiFailure> {
        self.get_with_etag(path).await.map(|(_, etag)| etag)
    }

    /// A non-VPC call with a JSON body and `If-Match`.
    pub async fn call_if_match(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        etag: &str,
    ) -> Result<Value, ApiFailure> {
        self.send_if_match(method, format!("{}{path}", self.endpoint), body, etag).await
    }

    /// `GET` of `url` with the bearer token: the body and its `ETag`, which a success must carry.
    async fn read_with_etag(&self, url: String) -> Result<(Value, String), ApiFailure> {
        let token = self.token().await?.to_owned();
        let response = self.http.get(url).bearer_auth(token).send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let etag = response.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match etag {
            Some(etag) if status.is_success() => Ok((body, etag)),
            _ => Err(failure(status, &body)),
        }
    }

    /// Sends a JSON body to `url` with the bearer token and `If-Match`.
    async fn send_if_match(&self, method: Method, url: String, body: &Value, etag: &str) -> Result<Value, ApiFailure> {
        let token = self.token().await?.to_owned();
        let request = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .header("if-match", etag)
            .header("content-type", "application/json")
            .body(body.to_string());
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() { Ok(body) } else { Err(failure(status, &body)) }
    }

    /// Sends a request with the bearer token and returns the JSON body (`Null` for an empty one).
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, ApiFailure> {
        let token = self.token().await?.to_owned();
        let mut request = self.http.request(method, format!("{}{path}", self.endpoint)).bearer_auth(token);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if status.is_success() { Ok(body) } else { Err(failure(status, &body)) }
    }
}

/// Reads either IBM envelope: Policy Management's `errors[0]` or IAM Identity's `errorCode`/`errorMessage`.
fn failure(status: StatusCode, body: &Value) -> ApiFailure {
    let first = &body["errors"][0];
    let code = first["code"].as_str().or(body["errorCode"].as_str()).unwrap_or("unknown").to_owned();
    let message = first["message"]
        .as_str()
        .or(body["errorMessage"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    // A missing authorization comes with the command that grants it, and the hub's administrator also gets the
    // nearest policies: both are printed under the message, one per line.
    let mut message = message;
    // A refusal for lack of access says, in its details, which action the request needed on which resource.
    if let Some(details) = first["details"].as_str() {
        message.push_str(&format!("\n  {details}"));
    }
    for line in first["details"]["explanation"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        message.push_str(&format!("\n  {line}"));
    }
    if let Some(command) = first["details"]["missing_grant"]["cli"].as_str() {
        message.push_str(&format!("\nThe hub account grants it with:\n  {command}"));
    }
    ApiFailure::Refused { status: status.as_u16(), code, message }
}
