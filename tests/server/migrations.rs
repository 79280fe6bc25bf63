//! Migrations under the advisory lock: two processes starting at once on one database.

use dojo_server::db;

use crate::common::Server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_migrating_at_once_both_succeed_and_apply_each_step_once() {
    let url = crate::pg::fresh_database().await;
    let (a, b) = (db::pool(&url, 2).unwrap(), db::pool(&url, 2).unwrap());
    let (ra, rb) = tokio::join!(db::migrate(&a), db::migrate(&b));
    let (ra, rb) = (ra.expect("first migrates"), rb.expect("second migrates"));
    let all: Vec<i32> = db::MIGRATIONS.iter().map(|(v, _)| *v).collect();
    // One of them applied every step, the other found them applied.
    let mut applied = [ra.clone(), rb.clone()];
    applied.sort();
    assert_eq!(applied, [Vec::new(), all.clone()], "{ra:?} {rb:?}");
    assert_eq!(db::migrate(&a).await.unwrap(), Vec::<i32>::new());

    // Two whole servers starting at once on another fresh database both serve.
    let url = crate::pg::fresh_database().await;
    let (s1, s2) = tokio::join!(Server::on(&url), Server::on(&url));
    for s in [&s1, &s2] {
        let r = crate::common::http()
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        s1.count("SELECT count(*) FROM schema_migrations").await,
        all.len() as i64
    );
    assert_eq!(s1.count("SELECT count(*) FROM organisation").await, 1);
}
