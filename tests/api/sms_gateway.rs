//! Fake SMS gateways for the tests: a small HTTP server on loopback that plays Alibaba Cloud's or
//! Tencent Cloud's `SendSms`, checks each request's signature with the secret it was given (the
//! vendors' algorithms, checked against their published examples in `src/sms.rs`), records the
//! texts it accepted and answers as the vendor does; it can be told to refuse the next requests.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tipline::sms::{aliyun, tencent};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Aliyun,
    Tencent,
}

/// One text the gateway accepted.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The number as sent (`+86…` for Tencent Cloud).
    pub phone: String,
    pub template: String,
    pub sign_name: String,
    /// The template's parameters: an object (Alibaba Cloud) or a list (Tencent Cloud).
    pub params: serde_json::Value,
}

pub struct Gateway {
    pub vendor: Vendor,
    pub port: u16,
    pub sent: Arc<Mutex<Vec<Sent>>>,
    /// Requests whose signature did not verify.
    pub bad_signatures: Arc<AtomicUsize>,
    /// The next this many requests are refused (the vendor's "limit" answer).
    pub refuse_next: Arc<AtomicUsize>,
}

pub const KEY_ID: &str = "LTAI-test-key";
pub const SECRET: &str = "gateway-secret-123";

struct Request {
    headers: HashMap<String, String>,
    body: String,
}

fn read_request(stream: &std::net::TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if !line.starts_with("POST") {
        return None;
    }
    let mut headers = HashMap::new();
    loop {
        let mut l = String::new();
        reader.read_line(&mut l).ok()?;
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
    }
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

impl Gateway {
    pub fn start(vendor: Vendor) -> Gateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the fake gateway");
        let port = listener.local_addr().unwrap().port();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let bad_signatures = Arc::new(AtomicUsize::new(0));
        let refuse_next = Arc::new(AtomicUsize::new(0));
        let (s, b, r) = (sent.clone(), bad_signatures.clone(), refuse_next.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (s, b, r) = (s.clone(), b.clone(), r.clone());
                std::thread::spawn(move || {
                    let Some(req) = read_request(&stream) else {
                        return;
                    };
                    let (status, answer) = match vendor {
                        Vendor::Aliyun => aliyun_answer(&req, &s, &b, &r),
                        Vendor::Tencent => tencent_answer(&req, &s, &b, &r),
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                });
            }
        });
        Gateway {
            vendor,
            port,
            sent,
            bad_signatures,
            refuse_next,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    /// The settings that point an instance at this gateway.
    pub fn settings(&self) -> Vec<(String, String)> {
        let provider = match self.vendor {
            Vendor::Aliyun => "aliyun",
            Vendor::Tencent => "tencent",
        };
        [
            ("sms.provider", provider),
            ("sms.endpoint", &self.url()),
            ("sms.access_key_id", KEY_ID),
            ("sms.access_key_secret", SECRET),
            ("sms.sdk_app_id", "1400006666"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }
}

fn refuse(r: &AtomicUsize) -> bool {
    r.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn aliyun_answer(
    req: &Request,
    sent: &Mutex<Vec<Sent>>,
    bad: &AtomicUsize,
    refuse_next: &AtomicUsize,
) -> (u16, String) {
    let mut params: Vec<(String, String)> =
        serde_urlencoded::from_str(&req.body).unwrap_or_default();
    let Some(pos) = params.iter().position(|(k, _)| k == "Signature") else {
        bad.fetch_add(1, Ordering::SeqCst);
        return (400, r#"{"Code":"MissingSignature"}"#.into());
    };
    let (_, signature) = params.remove(pos);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let expected = aliyun::signature("POST", &params, SECRET);
    if signature != expected || get("AccessKeyId") != KEY_ID || get("Action") != "SendSms" {
        bad.fetch_add(1, Ordering::SeqCst);
        return (
            400,
            r#"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation."}"#.into(),
        );
    }
    if refuse(refuse_next) {
        return (
            200,
            r#"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发流控 13900002222"}"#.into(),
        );
    }
    sent.lock().unwrap().push(Sent {
        phone: get("PhoneNumbers"),
        template: get("TemplateCode"),
        sign_name: get("SignName"),
        params: serde_json::from_str(&get("TemplateParam")).unwrap_or_default(),
    });
    (
        200,
        r#"{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990"}"#.into(),
    )
}

fn tencent_answer(
    req: &Request,
    sent: &Mutex<Vec<Sent>>,
    bad: &AtomicUsize,
    refuse_next: &AtomicUsize,
) -> (u16, String) {
    let h = |k: &str| req.headers.get(k).cloned().unwrap_or_default();
    let ts: i64 = h("x-tc-timestamp").parse().unwrap_or(0);
    let expected = tencent::authorization(KEY_ID, SECRET, "sms", &h("host"), &req.body, ts);
    let error = |code: &str| {
        format!(r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"x"}},"RequestId":"r-1"}}}}"#)
    };
    if h("authorization") != expected
        || h("x-tc-action") != "SendSms"
        || h("x-tc-version") != "2021-01-11"
        || h("content-type") != "application/json; charset=utf-8"
    {
        bad.fetch_add(1, Ordering::SeqCst);
        return (200, error("AuthFailure.SignatureFailure"));
    }
    let body: serde_json::Value = serde_json::from_str(&req.body).unwrap_or_default();
    if refuse(refuse_next) {
        return (200, error("LimitExceeded.PhoneNumberDailyLimit"));
    }
    sent.lock().unwrap().push(Sent {
        phone: body["PhoneNumberSet"][0].as_str().unwrap_or("").to_owned(),
        template: body["TemplateId"].as_str().unwrap_or("").to_owned(),
        sign_name: body["SignName"].as_str().unwrap_or("").to_owned(),
        params: body["TemplateParamSet"].clone(),
    });
    (
        200,
        r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8613711112222","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#.into(),
    )
}
