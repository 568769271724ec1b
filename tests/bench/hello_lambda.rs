//! The baseline for cold-start figures (scripts/bench): a `lambda_http` function that answers
//! "hello" and does nothing else, built with the same runtime crates and features as ours. What a
//! function's cold init costs beyond this is its own set-up (SDK clients, secrets, tables).

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_: Request| async { Ok::<_, Error>(Response::new(Body::from("hello"))) })).await
}
