//! Benchmark of search (not a test: it prints figures). Run with the local stack up:
//!
//!     cargo bench -p helpdesk-tests --bench search                       # 100,000 tickets, 5,000 articles
//!     SEARCH_BENCH_TICKETS=10000 cargo bench -p helpdesk-tests --bench search
//!
//! It builds the index as the indexer does (the same documents and analyzer), prints its build
//! time and size, query latency (p50/p95) for a requester, an agent and an admin over a mix of
//! queries (one word, two words, a typo, a Russian word form, a ticket number, a suggestion), and
//! the search function's cold start: pulling that index from S3 (moto on loopback) into a fresh
//! directory, opening it, and answering the first query.

use chrono::{Duration, Utc};
use helpdesk_core::knowledge::{ArticleInput, ArticleStatus, Translation, Visibility};
use helpdesk_core::search::{Scope, SearchQuery};
use helpdesk_core::{Actor, EventKind, Role, TicketEvent};
use helpdesk_tests::*;
use search::bucket::{IndexBucket, Manifest, committed_files};
use std::time::Instant;

const EN: &[&str] = &[
    "printer", "toner", "paper", "jam", "vpn", "tunnel", "password", "reset", "laptop", "battery", "charger", "monitor", "screen",
    "outlook", "mailbox", "wifi", "network", "license", "install", "update", "error", "slow", "crash", "keyboard", "mouse", "docking",
    "station", "badge", "door", "phone", "headset", "teams", "meeting", "camera", "driver", "backup", "folder", "share", "access",
];
const RU: &[&str] = &[
    "принтер",
    "принтера",
    "картридж",
    "бумага",
    "замятие",
    "пароль",
    "сброс",
    "ноутбук",
    "зарядка",
    "монитор",
    "экран",
    "почта",
    "сеть",
    "лицензия",
    "установка",
    "обновление",
    "ошибка",
    "медленно",
    "клавиатура",
    "мышь",
    "телефон",
    "гарнитура",
    "камера",
    "драйвер",
    "доступ",
    "папка",
    "принтеры",
    "ноутбуки",
    "пароля",
    "сети",
];

/// A small deterministic generator: the same index every run.
struct Words(u64);

impl Words {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn sentence(&mut self, count: usize) -> String {
        (0..count).map(|_| if self.next(3) == 0 { RU[self.next(RU.len())] } else { EN[self.next(EN.len())] }).collect::<Vec<_>>().join(" ")
    }
}

#[tokio::main]
async fn main() {
    let tickets: u64 = std::env::var("SEARCH_BENCH_TICKETS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let articles: usize = std::env::var("SEARCH_BENCH_ARTICLES").ok().and_then(|v| v.parse().ok()).unwrap_or(5_000);
    let dir = search::scratch_dir("search-bench-index");
    let local = search::LocalIndex::open_or_create(&dir).expect("index");
    let fields = local.fields;
    let mut writer: tantivy::IndexWriter = local.index.writer_with_num_threads(1, 64 * 1024 * 1024).expect("writer");
    let mut words = Words(42);
    let mut ids = ulid::Generator::new();
    let now = Utc::now();
    let started = Instant::now();
    for n in 0..tickets {
        let mut ticket = loaded_ticket(&mut ids, 1001 + n, now - Duration::minutes(n as i64));
        ticket.subject = words.sentence(5);
        ticket.description = words.sentence(40);
        ticket.requester = format!("user{}", words.next(2000));
        ticket.group = ["service-desk", "network", "hardware", "accounts", "software"][words.next(5)].into();
        let events: Vec<TicketEvent> = (0..2)
            .map(|i| TicketEvent {
                id: ids.generate().expect("ulid").to_string(),
                at: now,
                actor: Actor::new("ivan", Role::Agent),
                kind: if i == 0 {
                    EventKind::PublicReply { body: words.sentence(25), attachments: vec![], mail: None }
                } else {
                    EventKind::InternalNote { body: words.sentence(12), attachments: vec![], mail: None }
                },
            })
            .collect();
        writer.add_document(search::documents::ticket(&fields, &ticket, &events, None)).expect("add");
    }
    for n in 0..articles {
        let input = ArticleInput {
            category: "Demo".into(),
            visibility: if n % 4 == 0 { Visibility::Internal } else { Visibility::Public },
            status: ArticleStatus::Published,
            translations: [
                ("en".to_string(), Translation { title: words.sentence(6), body: words.sentence(150) }),
                ("ru".to_string(), Translation { title: words.sentence(6), body: words.sentence(150) }),
            ]
            .into(),
            version: None,
        };
        let article = input.into_article(&ids.generate().expect("ulid").to_string(), "admin", now);
        for doc in search::documents::article(&fields, &article) {
            writer.add_document(doc).expect("add");
        }
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merges");
    let built = started.elapsed();
    let files = committed_files(&local.index, &dir).expect("files");
    let bytes: u64 = files.iter().map(|f| std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0)).sum();
    println!(
        "index: {tickets} tickets, {articles} articles (×2 languages): built in {:.1} s, {:.1} MiB in {} files",
        built.as_secs_f64(),
        bytes as f64 / 1048576.0,
        files.len()
    );

    local.reader.reload().expect("reload");
    let searcher = local.reader.searcher();
    let people = [
        ("requester", Actor::new("user7", Role::Requester)),
        ("agent", Actor::new("ivan", Role::Agent).in_groups(&["service-desk", "network"])),
        ("admin", Actor::new("root", Role::Admin)),
    ];
    let queries = ["printer", "toner jam", "pasword", "принтеров", "HD-51234", "laptop battery charger", "сброс пароля"];
    for (label, actor) in &people {
        let mut times = Vec::new();
        for round in 0..30 {
            for (i, text) in queries.iter().enumerate() {
                let suggest = (round + i) % 4 == 0;
                let q = SearchQuery { text: text.to_string(), scope: Scope::All, lang: "en".into(), limit: 20, ..Default::default() };
                let started = Instant::now();
                let hits = search::query::run(&searcher, &fields, actor, &q, suggest).expect("search");
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(hits);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "query as {label:<9}: p50 {:.2} ms, p95 {:.2} ms ({} queries)",
            quantile(&times, 0.5),
            quantile(&times, 0.95),
            times.len()
        );
        figure(&format!("search: query p50 as {label}"), quantile(&times, 0.5), "ms");
        figure(&format!("search: query p95 as {label}"), quantile(&times, 0.95), "ms");
    }

    // The search function's cold start with this index: pull from S3, open, first answer.
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    let s3 = iam_calls::s3_client(&sdk, iam_calls::SET_UP);
    let bucket = format!("search-bench-{}", ulid::Ulid::new().to_string().to_lowercase());
    s3.create_bucket().bucket(&bucket).send().await.expect("bucket");
    let index_bucket = IndexBucket::new(s3, &bucket);
    let started = Instant::now();
    index_bucket.upload(&dir, &Manifest::default(), files).await.expect("upload");
    println!("publish (upload to S3 on loopback): {:.1} s", started.elapsed().as_secs_f64());
    let replica_dir = search::scratch_dir("search-bench-replica");
    let replica = search::Replica::new(index_bucket, replica_dir.clone(), search::REFRESH);
    let started = Instant::now();
    let (searcher, fields) = replica.searcher().await.expect("pull");
    let pulled = started.elapsed();
    let q = SearchQuery { text: "printer toner".into(), lang: "en".into(), limit: 20, ..Default::default() };
    search::query::run(&searcher, &fields, &people[1].1, &q, false).expect("first query");
    let first = started.elapsed();
    println!(
        "cold start with the index: pulled and opened in {:.2} s, first answer at {:.2} s (S3 on loopback; in Lambda add S3's ~100 MB/s)",
        pulled.as_secs_f64(),
        first.as_secs_f64()
    );
    figure("search: cold start, index pulled and first answer", first.as_secs_f64() * 1000.0, "ms");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&replica_dir);
}
