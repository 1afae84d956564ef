//! The node answers malformed and unsupported JSON-RPC with the standard error
//! codes and keeps serving. Runs the real binary on its own ports.

mod common;

use std::time::Duration;

use common::{call, error_code};
use serde_json::json;

fn start() -> common::Node {
    common::start(env!("CARGO_BIN_EXE_localnet"), &[])
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
