//! COPY through psql's \copy: text and CSV, in and out, with NULLs, quotes,
//! escapes and defaults for the columns left out.

mod common;

use common::Server;

#[test]
fn copy_in_and_out_in_text_and_csv() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let text_in = dir.path().join("in.txt");
    let csv_in = dir.path().join("in.csv");
    std::fs::write(&text_in, "1\tplain\t1.50\n2\ttab\\there\t\\N\n3\tback\\\\slash\t-2\n").unwrap();
    std::fs::write(&csv_in, "id,note,amount\n4,\"comma, and \"\"quote\"\"\",3.25\n5,\"multi\nline\",\n6,,0\n").unwrap();
    let script = format!(
        "CREATE TABLE c (id int PRIMARY KEY, note text, amount numeric(6,2), created timestamptz DEFAULT now(), serial_no serial);
         \\copy c (id, note, amount) FROM '{}'
         \\copy c (id, note, amount) FROM '{}' WITH (FORMAT csv, HEADER true)
         SELECT id, note, amount, created IS NOT NULL, serial_no FROM c ORDER BY id;
         \\copy (SELECT id, note, amount FROM c ORDER BY id) TO STDOUT
         \\copy (SELECT id, note, amount FROM c ORDER BY id) TO STDOUT WITH (FORMAT csv)",
        text_in.display(),
        csv_in.display()
    );
    let (ok, out, err) = s.psql(&["-A", "-t", "-v", "ON_ERROR_STOP=1"], &script);
    assert!(ok, "{err}");
    let expected = "1|plain|1.50|t|1
2|tab\there||t|2
3|back\\slash|-2.00|t|3
4|comma, and \"quote\"|3.25|t|4
5|multi
line||t|5
6||0.00|t|6
1\tplain\t1.50
2\ttab\\there\t\\N
3\tback\\\\slash\t-2.00
4\tcomma, and \"quote\"\t3.25
5\tmulti\\nline\t\\N
6\t\\N\t0.00
1,plain,1.50
2,tab\there,
3,back\\slash,-2.00
4,\"comma, and \"\"quote\"\"\",3.25
5,\"multi
line\",
6,,0.00
";
    assert_eq!(out, expected);
    // A bad row fails the whole COPY and leaves the table as it was.
    std::fs::write(&text_in, "7\tok\t1\n8\tbad\tnot-a-number\n").unwrap();
    let (ok, _, err) = s.psql(&["-v", "ON_ERROR_STOP=1"], &format!("\\copy c (id, note, amount) FROM '{}'", text_in.display()));
    assert!(!ok);
    assert!(err.contains("invalid input syntax for type numeric"), "{err}");
    let (_, out, _) = s.psql(&["-A", "-t"], "SELECT count(*) FROM c;");
    assert_eq!(out.trim(), "6");
}

/// tokio-postgres runs COPY through Parse/Bind/Execute: the data follows
/// Execute and the client sends Sync after CopyDone.
#[tokio::test(flavor = "multi_thread")]
async fn copy_in_and_out_through_the_extended_protocol() {
    use futures::{SinkExt, StreamExt};
    let s = Server::start();
    let mut c = s.client().await;
    c.batch_execute("CREATE TABLE e (id bigint PRIMARY KEY, note text)").await.unwrap();
    let sink = c.copy_in("COPY e (id, note) FROM STDIN").await.unwrap();
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\tone\n2\t\\N\n")).await.unwrap();
    sink.send(bytes::Bytes::from_static(b"3\tthree\n")).await.unwrap();
    assert_eq!(sink.finish().await.unwrap(), 3);
    // Inside a transaction that then rolls back: nothing stays.
    let tx = c.transaction().await.unwrap();
    let sink = tx.copy_in("COPY e FROM STDIN").await.unwrap();
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"4\tfour\n")).await.unwrap();
    assert_eq!(sink.finish().await.unwrap(), 1);
    assert_eq!(tx.query_one("SELECT count(*) FROM e", &[]).await.unwrap().get::<_, i64>(0), 4);
    tx.rollback().await.unwrap();
    // Bad data fails the COPY with PostgreSQL's code; the connection carries on.
    let sink = c.copy_in("COPY e FROM STDIN").await.unwrap();
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"x\tbad\n")).await.unwrap();
    let err = sink.finish().await.unwrap_err();
    assert_eq!(common::code(&err), "22P02");
    let out = c.copy_out("COPY (SELECT id, note FROM e ORDER BY id) TO STDOUT").await.unwrap();
    let chunks: Vec<bytes::Bytes> = out.map(|r| r.unwrap()).collect().await;
    assert_eq!(chunks.concat(), b"1\tone\n2\t\\N\n3\tthree\n");
}
