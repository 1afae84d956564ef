//! The node answers malformed and unsupported JSON-RPC with the standard error
//! codes and keeps serving. Runs the real binary on its own ports.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};

struct Node {
    child: Child,
    port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Node {
    // Distinct ports per test (and per run): the RPC port and the next one.
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let slot = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let port = 20_000 + (std::process::id() % 10_000) as u16 * 2 + slot * 2;
    let mut child = Command::new(env!("CARGO_BIN_EXE_localnet"))
        .args(["--rpc-port", &port.to_string()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("localnet starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("ready line");
    assert!(
        line.starts_with("localnet ready"),
        "unexpected first line: {line}"
    );
    Node { child, port }
}

/// A raw HTTP/1.1 POST, so malformed bodies reach the server as they are.
fn post(port: u16, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        body
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn call(port: u16, body: &str) -> Value {
    let (status, body) = post(port, body);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON answer")
}

fn error_code(answer: &Value) -> i64 {
    answer["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error in {answer}"))
}

#[test]
fn malformed_and_unsupported_requests_get_standard_errors_and_the_node_keeps_serving() {
    let node = start();
    let p = node.port;
    let cases: &[(&str, i64)] = &[
        ("{not json", -32700),
        ("[]", -32600),
        ("42", -32600),
        (r#"{"jsonrpc":"1.0","id":1,"method":"getSlot"}"#, -32600),
        (r#"{"jsonrpc":"2.0","id":1}"#, -32600),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"getLeaderSchedule"}"#,
            -32601,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"getBalance","params":"x"}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["not-a-key"]}"#,
            -32602,
        ),
        (r#"{"jsonrpc":"2.0","id":1,"method":"getBalance"}"#, -32602),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"sendTransaction","params":["%%%"]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"getAccountInfo","params":["11111111111111111111111111111111",{"encoding":"base64+zstd"}]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"getProgramAccounts","params":["11111111111111111111111111111111",{"filters":[{"memcmp":{"offset":0}}]}]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"requestAirdrop","params":["11111111111111111111111111111111", 0]}"#,
            -32602,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"cyxwiz_warpClock","params":[{}]}"#,
            -32602,
        ),
    ];
    for (body, code) in cases {
        assert_eq!(error_code(&call(p, body)), *code, "request {body}");
    }
    let unknown = call(
        p,
        r#"{"jsonrpc":"2.0","id":7,"method":"getLeaderSchedule"}"#,
    );
    assert!(unknown["error"]["message"]
        .as_str()
        .unwrap()
        .contains("getLeaderSchedule"));
    assert_eq!(unknown["id"], json!(7));

    // A batch answers each request in order, errors included.
    let batch = call(
        p,
        r#"[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#,
    );
    assert_eq!(batch[0]["result"], json!("ok"));
    assert_eq!(error_code(&batch[1]), -32601);

    // Still alive and correct after all of it.
    let health = call(p, r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#);
    assert_eq!(health["result"], json!("ok"));
}

#[test]
fn the_clock_warps_forward_for_expiry_tests_only_through_the_namespaced_method() {
    let node = start();
    let p = node.port;
    let before = call(
        p,
        r#"{"jsonrpc":"2.0","id":1,"method":"cyxwiz_warpClock","params":[{"seconds":0}]}"#,
    );
    let before = before["result"]["unixTimestamp"].as_i64().unwrap();
    let after = call(
        p,
        r#"{"jsonrpc":"2.0","id":1,"method":"cyxwiz_warpClock","params":[{"seconds":86400}]}"#,
    );
    let after = after["result"]["unixTimestamp"].as_i64().unwrap();
    assert!(after - before >= 86_400, "{before} -> {after}");
    // Slots advance on their own (one every 400 ms).
    let slot = |p| {
        call(p, r#"{"jsonrpc":"2.0","id":1,"method":"getSlot"}"#)["result"]
            .as_u64()
            .unwrap()
    };
    let first = slot(p);
    std::thread::sleep(Duration::from_millis(1_500));
    assert!(slot(p) > first);
}
