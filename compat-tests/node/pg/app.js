// node-postgres (`pg`) as an application uses it: a Pool with concurrent
// queries, password auth with and without TLS, the common types, CRUD with
// parameters, a rolled-back transaction, a unique violation by SQLSTATE, a
// join with aggregates, pagination, an upsert, RETURNING, named prepared
// statements and the catalog. One JSON line `[check, value]` per fact.
const { Pool, Client } = require("pg");

const out = (kind, value) => console.log(JSON.stringify([kind, value]));
const plain = process.env.DATABASE_URL;
const tls = process.env.DATABASE_URL_TLS.replace("sslmode=require", "sslmode=no-verify");

async function main() {
  const tlsClient = new Client({ connectionString: tls });
  await tlsClient.connect();
  out("connect_tls", [tlsClient.connection.stream.encrypted === true, (await tlsClient.query("SELECT current_user AS u")).rows]);
  await tlsClient.end();

  const pool = new Pool({ connectionString: plain, max: 4 });
  await pool.query("DROP TABLE IF EXISTS n_line, n_item");
  await pool.query(`CREATE TABLE n_item (
    id serial PRIMARY KEY, sku text NOT NULL UNIQUE, qty int NOT NULL DEFAULT 0, price numeric(10,2),
    weight real, active boolean DEFAULT true, added date, at timestamptz, tags text[], meta jsonb, raw bytea, ref uuid, big bigint)`);
  await pool.query("CREATE TABLE n_line (id serial PRIMARY KEY, item int REFERENCES n_item(id), n int NOT NULL)");

  // Concurrent inserts through the pool.
  const made = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      pool.query(
        "INSERT INTO n_item (sku, qty, price, weight, added, at, tags, meta, raw, ref, big) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id, sku",
        [`sku-${String(i).padStart(2, "0")}`, i, (i * 1.5).toFixed(2), i / 4, "2024-02-29", new Date(Date.UTC(2024, 0, 1, i)), ["t" + i], { i }, Buffer.from([i, 255]), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", String(2 ** 40 + i)],
      ),
    ),
  );
  out("pool_inserts", made.map((r) => r.rows[0].sku).sort());
  const all = await pool.query("SELECT * FROM n_item ORDER BY sku LIMIT 3");
  out("select_types", all.rows.map(({ id, ...r }) => ({ ...r, raw: r.raw.toString("hex"), at: r.at.toISOString(), added: r.added instanceof Date ? "date" : r.added })));
  out("fields", all.fields.map((f) => [f.name, f.dataTypeID]));
  out("rows_mode_array", (await pool.query({ text: "SELECT sku, qty FROM n_item WHERE qty < $1 ORDER BY qty", values: [3], rowMode: "array" })).rows);
  out("named_prepared", await Promise.all([1, 2, 3].map(async (n) => (await pool.query({ name: "by-qty", text: "SELECT count(*)::int AS c FROM n_item WHERE qty > $1", values: [n] })).rows[0].c)));

  // A transaction on one pooled client, rolled back.
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await c.query("DELETE FROM n_item");
    out("in_txn_count", (await c.query("SELECT count(*)::int AS c FROM n_item")).rows[0].c);
    await c.query("ROLLBACK");
    try {
      await c.query("INSERT INTO n_item (sku) VALUES ('sku-00')");
    } catch (e) {
      out("unique_violation", [e.code, e.constraint]);
    }
    await c.query("BEGIN");
    await c.query("INSERT INTO n_line (item, n) SELECT id, qty + 1 FROM n_item WHERE qty % 3 = 0");
    await c.query("SAVEPOINT s");
    await c.query("INSERT INTO n_line (item, n) VALUES (1, 999)");
    await c.query("ROLLBACK TO SAVEPOINT s");
    await c.query("COMMIT");
  } finally {
    c.release();
  }
  out("after_rollback", (await pool.query("SELECT count(*)::int AS c FROM n_item")).rows[0].c);
  out("join_aggregate", (await pool.query("SELECT i.sku, count(l.id)::int AS lines, coalesce(sum(l.n), 0)::int AS total FROM n_item i LEFT JOIN n_line l ON l.item = i.id GROUP BY i.sku HAVING count(l.id) > 0 ORDER BY i.sku")).rows);
  out("pagination", (await pool.query("SELECT sku FROM n_item ORDER BY sku DESC LIMIT $1 OFFSET $2", [3, 2])).rows);
  out("upsert", (await pool.query("INSERT INTO n_item (sku, qty) VALUES ('sku-01', 50), ('sku-99', 1) ON CONFLICT (sku) DO UPDATE SET qty = n_item.qty + EXCLUDED.qty RETURNING sku, qty")).rows);
  // RETURNING lists rows in the order the UPDATE visited them, which neither server promises.
  out("update_returning", (await pool.query("UPDATE n_item SET price = price * 2 WHERE qty BETWEEN $1 AND $2 RETURNING sku, price", [2, 4])).rows.sort((a, b) => a.sku.localeCompare(b.sku)));
  out("delete_count", (await pool.query("DELETE FROM n_item WHERE sku = 'sku-99'")).rowCount);
  out("json_ops", (await pool.query("SELECT meta->>'i' AS i, meta @> '{\"i\": 2}' AS has2 FROM n_item WHERE (meta->>'i')::int < 3 ORDER BY 1")).rows);
  out("catalog", (await pool.query("SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'n_item' ORDER BY ordinal_position")).rows);
  await pool.end();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
