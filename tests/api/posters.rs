//! Publicity posters: the QR code on the printable page decodes to the report form's address
//! filled in for the sub-district, sector and enterprise chosen; unknown codes are left out.

use crate::helpers::*;
use crate::on_both_backends;

/// The QR code of the inline SVG the `qrcode` crate draws (one `M x y h s v s` square per dark
/// module), read back with `rqrr`.
fn decode_qr(html: &str) -> String {
    let svg = html.split("<svg").nth(1).expect("an inline SVG");
    let size: usize = svg
        .split("width=\"")
        .nth(1)
        .and_then(|w| w.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("the SVG's width");
    let path = svg
        .split(" d=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let mut dark = vec![false; size * size];
    for square in path.split('M').filter(|s| !s.is_empty()) {
        let (xy, rest) = square.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let side: usize = rest.split('v').next().unwrap().parse().unwrap();
        for dy in 0..side {
            for dx in 0..side {
                dark[(y + dy) * size + x + dx] = true;
            }
        }
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| {
        if dark[y * size + x] { 0 } else { 255 }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    grids[0].decode().expect("a readable QR code").1
}

on_both_backends! {
    fn the_poster_carries_a_qr_code_to_the_filled_in_form(app) {
        app.add_user("coord", "coordinator", None, None);
        let b = Browser::new(&app);
        assert_eq!(b.sign_in("coord", PASSWORD, "").0, 303);
        let (status, html) = b.get("/staff/posters?street=jiangtou&sector=gas&enterprise=%E6%9F%90%E6%9F%90%E6%B5%B7%E9%B2%9C%E9%85%92%E6%A5%BC");
        assert_eq!(status, 200, "{html}");
        let link = decode_qr(&html);
        assert_eq!(
            link,
            "https://tipline.example.test/report?sector=gas&street=jiangtou&enterprise=%E6%9F%90%E6%9F%90%E6%B5%B7%E9%B2%9C%E9%85%92%E6%A5%BC"
        );
        assert!(html.contains("江头街道") && html.contains("某某海鲜酒楼"), "the scope in words");
        assert!(html.contains("发现安全隐患，扫码举报") && html.contains("Scan the QR code"), "Chinese first, English below");
        assert!(html.contains("15%") && html.contains("最低 3000 元") && html.contains("奖励 500 元"), "the rewards of the policy");
        assert!(html.contains("12350") && html.contains("保密"));
        // Unknown codes are left out of the link, as the form ignores them.
        let (_, html) = b.get("/staff/posters?street=nowhere&sector=gas");
        assert_eq!(decode_qr(&html), "https://tipline.example.test/report?sector=gas");
        let (_, html) = b.get("/staff/posters");
        assert_eq!(decode_qr(&html), "https://tipline.example.test/report");
        // Reporters and signed-out visitors do not get the staff page.
        let (status, _) = Browser::new(&app).get("/staff/posters");
        assert_ne!(status, 200);
    }
}

on_both_backends! {
    /// The poster's link fills in the report form: the sub-district and sector chosen, the
    /// enterprise typed; unknown codes and a malformed query fill in nothing and fail nothing.
    fn the_report_form_is_filled_in_from_its_link(app) {
        let form = app.get("/report?sector=gas&street=jiangtou&enterprise=%E6%9F%90%E6%9F%90%E6%B5%B7%E9%B2%9C%E9%85%92%E6%A5%BC");
        assert_eq!(form.status, 200);
        let chosen = |code: &str| {
            form.text
                .split(&format!("<option value=\"{code}\""))
                .nth(1)
                .and_then(|rest| rest.split('>').next())
                .is_some_and(|attrs| attrs.contains(" selected"))
        };
        assert!(chosen("gas"), "the sector is chosen");
        assert!(chosen("jiangtou"), "the street is chosen");
        assert!(form.text.contains("value=\"某某海鲜酒楼\""), "the enterprise is filled in");
        let unknown = app.get("/report?sector=nope&street=nowhere");
        assert_eq!(unknown.status, 200);
        assert!(!unknown.text.contains(" selected"), "nothing chosen");
        assert_eq!(app.get("/report?sector=%ZZ&&=").status, 200);
    }
}
