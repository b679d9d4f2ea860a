//! The ceiling for the benchmarks: a bare actix-web handler built with the same actix-web,
//! profile and machine as Tipline. `cargo run --release --example bench-hello -- 127.0.0.1:9090`

use actix_web::{App, HttpResponse, HttpServer, web};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9090".to_owned());
    HttpServer::new(|| {
        App::new().route(
            "/",
            web::get().to(|| async { HttpResponse::Ok().body("hello") }),
        )
    })
    .bind(bind)?
    .run()
    .await
}
