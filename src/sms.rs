//! Sending text messages (SMS): Alibaba Cloud SMS (`SendSms`, RPC signature HMAC-SHA1) or Tencent
//! Cloud SMS (`SendSms` 2021-01-11, TC3-HMAC-SHA256), chosen by `sms.provider`, each a small
//! client on ureq (blocking, rustls with ring and the system's trust roots, like SMTP); with
//! `provider = "off"` texts are written as files under `data_dir/outbox/sms` (owner-only), so a
//! deployment without a gateway loses nothing and the demo shows them. Nothing here decides what
//! to send: the services queue texts in the outbox inside their transactions, and the outbox
//! worker hands them here after commit, like mail.
//!
//! A text never carries anything of a case (a lock screen shows it): only the site's address, a
//! date, or for staff a case number. Chinese gateways send only approved templates (模板) under
//! an approved signature (签名), so the outbox keeps the notice's kind and its parameters, and
//! the template code comes from the configuration when the text is sent.

use crate::config::{SmsProvider, SmsSettings};
use anyhow::Context;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a text is about; each has its approved template (`sms.template_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::EnumString, strum::AsRefStr)]
#[strum(serialize_all = "snake_case")]
pub enum SmsKind {
    /// There is news on the reporter's case (`site`).
    News,
    /// A reward was approved: claim it by `deadline` on `site`.
    Reward,
    /// The claim period ends on `deadline` (sent seven days before).
    ClaimReminder,
    /// A staff member's case `case` is overdue.
    Overdue,
}

impl SmsKind {
    /// The text as the approved template words it (Chinese, the recipients' language), with
    /// the parameters filled in: what the files of `provider = "off"` and the coordinator show.
    pub fn text(self, sign_name: &str, params: &[(String, String)]) -> String {
        let p = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let body = match self {
            SmsKind::News => format!("您的举报有新进展，请凭回执码查询：{}", p("site")),
            SmsKind::Reward => format!(
                "您的举报奖励已核准，请于{}前凭回执码在{}申领。",
                p("deadline"),
                p("site")
            ),
            SmsKind::ClaimReminder => format!(
                "您的举报奖励申领期将于{}截止，请凭回执码在{}申领。",
                p("deadline"),
                p("site")
            ),
            SmsKind::Overdue => format!("案件{}已超期，请登录{}处理。", p("case"), p("site")),
        };
        format!("【{sign_name}】{body}")
    }

    /// The approved template code of this kind.
    pub fn template(self, s: &SmsSettings) -> &str {
        match self {
            SmsKind::News => &s.template_news,
            SmsKind::Reward => &s.template_reward,
            SmsKind::ClaimReminder => &s.template_claim_reminder,
            SmsKind::Overdue => &s.template_overdue,
        }
    }
}

/// Why a text did not go out, without its text (a gateway's message may quote the number): the
/// class is what the outbox keeps and the logs show.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("sms: the gateway refused ({0})")]
    Refused(String),
    #[error("sms: HTTP {0}")]
    Status(u16),
    #[error("sms: connection error")]
    Connection,
    #[error("sms: the gateway's answer was not understood")]
    Answer,
    #[error("sms: writing the file")]
    File,
}

impl SmsError {
    /// The class kept in the outbox (a vendor's error code is kept: it names no number).
    pub fn class(&self) -> String {
        self.to_string()
    }
}

/// One text to send.
pub struct Text<'a> {
    /// The phone number, 11 digits (mainland China).
    pub to: &'a str,
    pub kind: SmsKind,
    /// Template parameters in the template's order, by name.
    pub params: &'a [(String, String)],
    /// The outbox id, for the file's name and the vendors' own reference (OutId / SessionContext).
    pub id: i64,
}

#[derive(Clone)]
pub struct Texter {
    settings: SmsSettings,
    way: Way,
}

#[derive(Clone)]
enum Way {
    Gateway {
        agent: ureq::Agent,
        endpoint: String,
        secret: SecretString,
    },
    Files(PathBuf),
}

const ALIYUN_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";
const TENCENT_ENDPOINT: &str = "https://sms.tencentcloudapi.com/";

impl Texter {
    pub fn new(settings: &SmsSettings, data_dir: &Path) -> anyhow::Result<Texter> {
        let way = match settings.provider {
            // The folder is made with the first text (owner-only), like the mail outbox's.
            SmsProvider::Off => Way::Files(data_dir.join("outbox").join("sms")),
            provider => {
                let default = if provider == SmsProvider::Aliyun {
                    ALIYUN_ENDPOINT
                } else {
                    TENCENT_ENDPOINT
                };
                let endpoint = settings.endpoint.as_deref().unwrap_or(default);
                let endpoint = format!("{}/", endpoint.trim_end_matches('/'));
                let secret = settings
                    .access_key_secret
                    .clone()
                    .context("sms.access_key_secret is required")?;
                Way::Gateway {
                    agent: agent()?,
                    endpoint,
                    secret,
                }
            }
        };
        Ok(Texter {
            settings: settings.clone(),
            way,
        })
    }

    /// Sends one text (blocking): to the gateway, or as a file.
    pub fn send(&self, text: &Text<'_>) -> Result<(), SmsError> {
        match &self.way {
            Way::Files(dir) => self.write_file(dir, text),
            Way::Gateway {
                agent,
                endpoint,
                secret,
            } => {
                let call = Call {
                    agent,
                    endpoint,
                    settings: &self.settings,
                    secret: secret.expose_secret(),
                };
                match self.settings.provider {
                    SmsProvider::Aliyun => aliyun::send(&call, text, Utc::now()),
                    _ => tencent::send(&call, text, Utc::now()),
                }
            }
        }
    }

    fn write_file(&self, dir: &Path, text: &Text<'_>) -> Result<(), SmsError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let body = format!(
            "To: {}\nTemplate: {} ({})\n\n{}\n",
            text.to,
            text.kind.template(&self.settings),
            text.kind,
            text.kind.text(&self.settings.sign_name, text.params)
        );
        let name = format!(
            "{}-{:06}-{}.txt",
            Utc::now().format("%Y%m%dT%H%M%S"),
            text.id,
            text.kind
        );
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|_| SmsError::File)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|_| SmsError::File)?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(dir.join(name))
            .map_err(|_| SmsError::File)?;
        f.write_all(body.as_bytes()).map_err(|_| SmsError::File)
    }
}

/// An HTTP client for the gateways: rustls with ring and the system's trust roots, 20 s a call.
fn agent() -> anyhow::Result<ureq::Agent> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
    let found = rustls_native_certs::load_native_certs();
    let certs: Vec<Certificate<'static>> = found
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::new_with_certs(&certs))
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .build();
    Ok(ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into())
}

/// Characters the vendors' canonical forms leave as they are (RFC 3986 unreserved): everything
/// else is percent-encoded, a space as `%20`, `*` as `%2A`, `~` kept.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encoding as Alibaba Cloud's POP signature asks for it.
pub fn pop_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

fn hmac_sha256(key: &[u8], msg: &str) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    m.update(msg.as_bytes());
    m.finalize().into_bytes().to_vec()
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// A random nonce (32 hex digits).
fn nonce() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the system's random source");
    hex::encode(b)
}

/// One call to a gateway: the client, where, and with which credentials.
struct Call<'a> {
    agent: &'a ureq::Agent,
    endpoint: &'a str,
    settings: &'a SmsSettings,
    secret: &'a str,
}

/// The outcome of an answer: its vendor code `ok` with HTTP 200 is sent; another code is a
/// refusal (kept, at most 64 characters); no code at all is the HTTP status or a bad answer.
fn judge(status: u16, code: Option<&str>, ok: &str) -> Result<(), SmsError> {
    match code {
        Some(c) if c == ok && status == 200 => Ok(()),
        Some(c) => Err(SmsError::Refused(c.chars().take(64).collect())),
        None if status != 200 => Err(SmsError::Status(status)),
        None => Err(SmsError::Answer),
    }
}

fn read_answer(
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, serde_json::Value), SmsError> {
    let mut r = r.map_err(|_| SmsError::Connection)?;
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .read_to_string()
        .map_err(|_| SmsError::Connection)?;
    Ok((status, serde_json::from_str(&body).unwrap_or_default()))
}

/// Alibaba Cloud SMS: `SendSms` (version 2017-05-25) with the RPC signature (HMAC-SHA1 over the
/// canonicalized query, key `AccessKeySecret&`), the parameters sent as a form.
pub mod aliyun {
    use super::*;
    use base64::Engine;

    /// The signature of an RPC request: `method&%2F&encode(sorted, encoded query)`, HMAC-SHA1
    /// with `secret&`, base64. `params` without `Signature`.
    pub fn signature(method: &str, params: &[(String, String)], secret: &str) -> String {
        let mut sorted: Vec<&(String, String)> = params.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let query = sorted
            .iter()
            .map(|(k, v)| format!("{}={}", pop_encode(k), pop_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let to_sign = format!("{method}&{}&{}", pop_encode("/"), pop_encode(&query));
        let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(format!("{secret}&").as_bytes())
            .expect("HMAC takes any key");
        m.update(to_sign.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
    }

    /// The parameters of one `SendSms`, signed (the signature last).
    pub fn request(
        s: &SmsSettings,
        secret: &str,
        text: &Text<'_>,
        now: DateTime<Utc>,
        nonce: &str,
    ) -> Vec<(String, String)> {
        let template_param: serde_json::Map<String, serde_json::Value> = text
            .params
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let mut p: Vec<(String, String)> = [
            ("AccessKeyId", s.access_key_id.clone()),
            ("Action", "SendSms".into()),
            ("Format", "JSON".into()),
            ("OutId", text.id.to_string()),
            ("PhoneNumbers", text.to.to_owned()),
            ("RegionId", "cn-hangzhou".into()),
            ("SignName", s.sign_name.clone()),
            ("SignatureMethod", "HMAC-SHA1".into()),
            ("SignatureNonce", nonce.to_owned()),
            ("SignatureVersion", "1.0".into()),
            ("TemplateCode", text.kind.template(s).to_owned()),
            (
                "TemplateParam",
                serde_json::Value::Object(template_param).to_string(),
            ),
            ("Timestamp", now.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ("Version", "2017-05-25".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let sig = signature("POST", &p, secret);
        p.push(("Signature".into(), sig));
        p
    }

    pub(super) fn send(
        call: &Call<'_>,
        text: &Text<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), SmsError> {
        let params = request(call.settings, call.secret, text, now, &nonce());
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", pop_encode(k), pop_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let answer = call
            .agent
            .post(call.endpoint)
            .content_type("application/x-www-form-urlencoded")
            .send(body.as_str());
        let (status, json) = read_answer(answer)?;
        judge(status, json["Code"].as_str(), "OK")
    }
}

/// Tencent Cloud SMS: `SendSms` (API 3.0, version 2021-01-11) signed with TC3-HMAC-SHA256, a JSON
/// body, the common parameters in `X-TC-*` headers.
pub mod tencent {
    use super::*;

    pub const SERVICE: &str = "sms";
    pub const VERSION: &str = "2021-01-11";
    pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";

    /// The `Authorization` header of a POST with `payload` to `host` at `timestamp` (signed
    /// headers `content-type;host`): the canonical request, the string to sign with its UTC date
    /// scope, the key derived from `TC3` + secret through date, service and `tc3_request`.
    pub fn authorization(
        secret_id: &str,
        secret_key: &str,
        service: &str,
        host: &str,
        payload: &str,
        timestamp: i64,
    ) -> String {
        let canonical = format!(
            "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\ncontent-type;host\n{}",
            sha256_hex(payload)
        );
        let date = DateTime::from_timestamp(timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string();
        let scope = format!("{date}/{service}/tc3_request");
        let to_sign = format!(
            "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
            sha256_hex(&canonical)
        );
        let k_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), &date);
        let k_service = hmac_sha256(&k_date, service);
        let k_signing = hmac_sha256(&k_service, "tc3_request");
        let signature = hex::encode(hmac_sha256(&k_signing, &to_sign));
        format!(
            "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
        )
    }

    /// The JSON body of one `SendSms`.
    pub fn payload(s: &SmsSettings, text: &Text<'_>) -> String {
        serde_json::json!({
            "PhoneNumberSet": [format!("+86{}", text.to)],
            "SmsSdkAppId": s.sdk_app_id,
            "SignName": s.sign_name,
            "TemplateId": text.kind.template(s),
            "TemplateParamSet": text.params.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
            "SessionContext": text.id.to_string(),
        })
        .to_string()
    }

    /// `host[:port]` of an endpoint URL, as the Host header carries it.
    pub fn host_of(endpoint: &str) -> &str {
        let rest = endpoint
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(endpoint);
        rest.split('/').next().unwrap_or(rest)
    }

    pub(super) fn send(
        call: &Call<'_>,
        text: &Text<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), SmsError> {
        let s = call.settings;
        let body = payload(s, text);
        let host = host_of(call.endpoint);
        let ts = now.timestamp();
        let auth = authorization(&s.access_key_id, call.secret, SERVICE, host, &body, ts);
        let answer = call
            .agent
            .post(call.endpoint)
            .header("Authorization", &auth)
            .header("Content-Type", CONTENT_TYPE)
            .header("Host", host)
            .header("X-TC-Action", "SendSms")
            .header("X-TC-Timestamp", ts.to_string())
            .header("X-TC-Version", VERSION)
            .header("X-TC-Region", &s.region)
            .send(body.as_str());
        let (status, json) = read_answer(answer)?;
        let r = &json["Response"];
        let code = r["Error"]["Code"]
            .as_str()
            .or_else(|| r["SendStatusSet"][0]["Code"].as_str());
        judge(status, code, "Ok")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Alibaba Cloud's published example of the SMS API's signature (短信服务 "HTTP 协议及签名"):
    /// AccessKeyId `testId`, AccessKeySecret `testSecret`, SendSms to 15300000001 signed
    /// 阿里云短信测试专用 with template SMS_71390007, GET.
    #[test]
    fn aliyun_signature_matches_the_published_sms_example() {
        let p = pairs(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(
            aliyun::signature("GET", &p, "testSecret"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
        // The order given does not matter: the canonical form sorts.
        let mut reversed = p.clone();
        reversed.reverse();
        assert_eq!(
            aliyun::signature("GET", &reversed, "testSecret"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
        // Another method or secret signs differently.
        assert_ne!(
            aliyun::signature("POST", &p, "testSecret"),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
    }

    /// The RPC signature document's own example (ECS DescribeRegions, `testid` / `testsecret`).
    #[test]
    fn aliyun_signature_matches_the_published_rpc_example() {
        let p = pairs(&[
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Version", "2014-05-26"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
        ]);
        assert_eq!(
            aliyun::signature("GET", &p, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn pop_encoding_follows_the_vendor_rules() {
        assert_eq!(pop_encode("a b*~-_."), "a%20b%2A~-_.");
        assert_eq!(pop_encode("/=&+:"), "%2F%3D%26%2B%3A");
        assert_eq!(pop_encode("派"), "%E6%B4%BE");
    }

    /// Tencent Cloud's published example of signature v3 (TC3-HMAC-SHA256): CVM DescribeInstances
    /// in ap-guangzhou at 1551113065, SecretKey `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`.
    #[test]
    fn tencent_signature_matches_the_published_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        assert_eq!(
            sha256_hex(payload),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let auth = tencent::authorization(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "cvm",
            "cvm.tencentcloudapi.com",
            payload,
            1551113065,
        );
        assert_eq!(
            auth,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn texts_hold_nothing_but_the_site_and_a_date() {
        let p = pairs(&[
            ("site", "https://jb.example/track"),
            ("deadline", "2026-05-01"),
        ]);
        assert_eq!(
            SmsKind::News.text("湖里区应急管理局", &p[..1]),
            "【湖里区应急管理局】您的举报有新进展，请凭回执码查询：https://jb.example/track"
        );
        assert!(SmsKind::Reward.text("X", &p).contains("2026-05-01前"));
        assert_eq!(tencent::host_of("http://127.0.0.1:9/x"), "127.0.0.1:9");
        assert_eq!(
            tencent::host_of("https://sms.tencentcloudapi.com/"),
            "sms.tencentcloudapi.com"
        );
    }
}
