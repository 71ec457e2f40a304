//! Criterion benches of the wire, natively: the Socket.IO frame codec, a
//! relay's decoding, and a history chunk of 100,000 points as protocol
//! v1's JSON against the packed form (`auth.packed`).
//!
//!     cargo bench --bench codec
//!
//! `cargo test --benches` (in `make test`) runs each once, so they keep
//! compiling and working.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use scrawl::protocol::{pack, unpack, Color, History, ServerMessage, Stroke, StrokeId, Tool};
use scrawl::socketio::Frame;
use std::hint::black_box;

/// Stroke `k`: 100 points along an arc, to the 1/16 pixel, as the browser draws.
fn pen(k: usize) -> Stroke {
    let snap = |v: f64| ((v * 16.0).round() / 16.0) as f32;
    let (cx, cy, r) = ((k * 37 % 1600) as f64, (k * 13 % 900) as f64, 40.0 + (k % 160) as f64);
    let points = (0..100)
        .flat_map(|i| {
            let a = (k % 360) as f64 + i as f64 * 0.06;
            [snap(cx + r * a.cos()), snap(cy + r * a.sin())]
        })
        .collect();
    Stroke {
        id: StrokeId::new(format!("s{k}")).unwrap(),
        user: "u1".into(),
        color: Color::new("#1971c2").unwrap(),
        width: 2.0,
        tool: Tool::Pen,
        points,
        text: None,
        transform: None,
        image: None,
    }
}

const RELAY: &str = r#"{"id":"s1","n":3,"points":[101.5,202.25,103.0625,204.5,105.5,206.75,107.125,208.0],"seq":42}"#;

fn codec(c: &mut Criterion) {
    let frame = format!(r#"42["stroke:points",{RELAY}]"#);
    c.bench_function("frame: decode a relay", |b| b.iter(|| Frame::decode(black_box(&frame)).unwrap()));
    let event = Frame::decode(&frame).unwrap();
    c.bench_function("frame: encode a relay", |b| b.iter(|| black_box(&event).encode()));
    c.bench_function("message: decode a relay's data", |b| {
        b.iter(|| ServerMessage::decode("stroke:points", black_box(RELAY)).unwrap().unwrap())
    });
}

fn history(c: &mut Criterion) {
    let strokes: Vec<Stroke> = (0..1000).map(pen).collect();
    let chunk = History { strokes: strokes.clone() };
    let json = serde_json::to_string(&chunk).unwrap();
    let (skeleton, packed) = chunk.clone().packed();
    let points = 100_000;
    eprintln!(
        "history chunk of {points} points: JSON {} B ({:.2} B/point), packed {} B of points + {} B of JSON ({:.2} B/point)",
        json.len(),
        json.len() as f64 / points as f64,
        packed.len(),
        serde_json::to_string(&skeleton).unwrap().len(),
        (packed.len() + serde_json::to_string(&skeleton).unwrap().len()) as f64 / points as f64,
    );
    let mut group = c.benchmark_group("history chunk, 1,000 strokes × 100 points");
    group.throughput(Throughput::Elements(points));
    group.bench_function("JSON: encode", |b| b.iter(|| serde_json::to_string(black_box(&chunk)).unwrap()));
    group.bench_function("JSON: decode", |b| b.iter(|| ServerMessage::decode("history", black_box(&json)).unwrap()));
    group.bench_function("packed: pack the points", |b| b.iter(|| pack(black_box(&strokes))));
    group.bench_function("packed: unpack the points", |b| {
        b.iter_batched(
            || skeleton.strokes.clone(),
            |mut strokes| unpack(&mut strokes, black_box(&packed)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, codec, history);
criterion_main!(benches);
