//! Open311 GeoReport v2: discovery, services, a request in (with the receipt back only to the
//! caller), requests out without description, address or identity, and API keys when configured.

use crate::helpers::*;
use crate::on_both_backends;
use serde_json::json;

on_both_backends! {
    fn open311_round_trip(app) {
        let d = app.get("/open311/v2/discovery.json");
        assert_eq!(d.status, 200);
        assert!(d.json["endpoints"][0]["url"].as_str().unwrap().ends_with("/open311/v2"));
        let s = app.get("/open311/v2/services.json");
        assert_eq!(s.json.as_array().unwrap().len(), 22);
        assert_eq!(s.json[0]["service_code"], "hazardous_chemicals");
        assert_eq!(app.get("/open311/v2/services/gas.json").json["service_code"], "gas");
        assert_eq!(app.get("/open311/v2/services/nuclear.json").status, 404);

        let body = serde_urlencoded::to_string([
            ("service_code", "fire_safety"),
            ("description", "12345热线转来：商场消防通道被货物堵塞，已持续一周。"),
            ("address_string", "湖里区某某商场"),
            ("first_name", "先生"),
            ("last_name", "周"),
            ("phone", "13900003131"),
        ])
        .unwrap();
        let a = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", body);
        assert_eq!(a.status, 201, "{}", a.text);
        let case = a.json[0]["service_request_id"].as_str().unwrap().to_owned();
        let notice = a.json[0]["service_notice"].as_str().unwrap();
        let receipt: String = notice.chars().filter(|c| c.is_ascii_digit()).take(16).collect();
        assert_eq!(receipt.len(), 16, "{notice}");
        let t = app.post_json("/api/v1/track", &json!({"receipt": receipt}));
        assert_eq!(t.json["case_number"], case.as_str());
        assert_eq!(t.json["department"]["code"], "fire");

        let list = app.get("/open311/v2/requests.json?service_code=fire_safety");
        assert_eq!(list.status, 200);
        let item = list.json.as_array().unwrap().iter().find(|i| i["service_request_id"] == case.as_str()).unwrap().clone();
        assert_eq!(item["status"], "open");
        assert_eq!(item["agency_responsible"], "区消防救援大队");
        for leak in ["周", "13900003131", "消防通道被货物堵塞", "某某商场"] {
            assert!(!list.text.contains(leak), "{leak} in the public list");
        }
        let one = app.get(&format!("/open311/v2/requests/{case}.json"));
        assert_eq!(one.json[0]["service_request_id"], case.as_str());
        assert_eq!(app.get("/open311/v2/requests/HL-1999-000001.json").status, 404);
        assert_eq!(app.get("/open311/v2/requests.json?status=closed").json.as_array().unwrap().len(), 0);

        // The identity is sealed like any other: the coordinator sees it is identified.
        let coord = app.staff("coord", "coordinator", None);
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).json["reporter"], "identified");
        assert_eq!(coord.get(&format!("/api/v1/staff/tips/{case}")).json["channel"], "open311");

        let bad = app.post_raw("/open311/v2/requests.json", "application/x-www-form-urlencoded", "service_code=nuclear&description=x");
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json[0]["code"], 400);
    }
}

#[test]
fn open311_needs_a_key_when_keys_are_configured() {
    let app = TestApp::spawn_with(Backend::Sqlite, |f| {
        f.merge(("open311_api_keys", vec!["k-12345"]))
    })
    .unwrap();
    let body = "service_code=gas&description=%E5%9C%B0%E4%B8%8B%E5%AE%A4%E6%B6%B2%E5%8C%96%E6%B0%94%E7%93%B6%E5%A0%86%E6%94%BE%E5%BE%88%E5%A4%9A&address_string=%E6%B9%96%E9%87%8C";
    assert_eq!(
        app.post_raw(
            "/open311/v2/requests.json",
            "application/x-www-form-urlencoded",
            body
        )
        .status,
        403
    );
    assert_eq!(app.get("/open311/v2/requests.json").status, 403);
    let ok = app.post_raw(
        "/open311/v2/requests.json",
        "application/x-www-form-urlencoded",
        format!("{body}&api_key=k-12345"),
    );
    assert_eq!(ok.status, 201, "{}", ok.text);
    assert_eq!(
        app.get("/open311/v2/requests.json?api_key=k-12345").status,
        200
    );
}
