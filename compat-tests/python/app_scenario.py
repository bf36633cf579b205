"""What an application does with a DB-API driver, as one scenario shared by
the Python drivers (psycopg 3, psycopg2, pg8000): connect with a password,
with and without TLS; create a schema with the common types; CRUD with
parameters; a rolled-back transaction; a unique violation told by its
SQLSTATE; a join with aggregates; pagination; an upsert; RETURNING; the
catalog as an app introspects it. Each fact is printed as one JSON line
`[check, value]`, for the compat matrix to compare with PostgreSQL.

A driver module gives an adapter: connect(url, tls), sqlstate(exception),
and optionally extra(conn, out) for what only that driver does."""
import datetime
import decimal
import json
import uuid


def out(kind, value):
    print(json.dumps([kind, value], sort_keys=True, default=str), flush=True)


def rows(cur):
    return [list(r) for r in cur.fetchall()]


SCHEMA = """
CREATE TABLE item (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    qty integer NOT NULL DEFAULT 0,
    price numeric(10,2),
    ratio double precision,
    active boolean NOT NULL DEFAULT true,
    born date,
    seen timestamptz,
    tags text[],
    meta jsonb,
    blob bytea,
    uid uuid
);
CREATE TABLE orders (
    id serial PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    qty integer NOT NULL CHECK (qty > 0),
    placed timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_item ON orders (item_id);
"""

ITEMS = [
    ("apple", 10, decimal.Decimal("1.25"), 0.5, True, datetime.date(2024, 2, 29),
     datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.timezone.utc), ["red", "fruit"], '{"origin": "NZ"}', b"\x00\x01",
     uuid.UUID("12345678-1234-5678-1234-567812345678")),
    ("bread", 3, decimal.Decimal("2.50"), None, True, None, None, [], '{"gluten": true}', None, None),
    ("cheese", 0, decimal.Decimal("7.99"), 1e-3, False, datetime.date(1999, 12, 31), None, None, None, b"", None),
]


def run(adapter):
    url_plain, url_tls = adapter.urls()
    conn = adapter.connect(url_plain, tls=False)
    out("connect", adapter.tls_in_use(conn))
    tls_conn = adapter.connect(url_tls, tls=True)
    out("connect_tls", adapter.tls_in_use(tls_conn))
    tc = tls_conn.cursor()
    tc.execute("SELECT current_user, current_database() = %s", (url_plain.rsplit("/", 1)[1].split("?")[0],))
    out("tls_query", rows(tc))
    tls_conn.close()

    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS orders, item")
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            cur.execute(stmt)
    conn.commit()

    # Inserts with parameters of every common type, ids from RETURNING.
    ids = []
    for it in ITEMS:
        cur.execute(
            "INSERT INTO item (name, qty, price, ratio, active, born, seen, tags, meta, blob, uid) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            it,
        )
        ids.append(cur.fetchone()[0])
    conn.commit()
    out("returning_ids", ids)
    cur.execute("SELECT id, name, qty, price, ratio, active, born, seen, tags, meta, blob, uid FROM item ORDER BY id")
    out("select_all", [[bytes(v).hex() if isinstance(v, (bytes, memoryview)) else v for v in r] for r in rows(cur)])
    cur.execute("SELECT name FROM item WHERE price > %s AND active = %s ORDER BY name", (decimal.Decimal("1.00"), True))
    out("where_params", rows(cur))
    cur.execute("SELECT count(*) FROM item WHERE born IS NULL OR ratio IS NULL")
    out("nulls", rows(cur))

    cur.execute("UPDATE item SET qty = qty + %s WHERE name = %s", (5, "bread"))
    out("update_rowcount", cur.rowcount)
    cur.execute("UPDATE item SET meta = meta || %s::jsonb WHERE name = %s RETURNING meta", ('{"fresh": true}', "bread"))
    out("update_returning", rows(cur))
    conn.commit()

    # A transaction rolled back leaves nothing.
    cur.execute("INSERT INTO item (name) VALUES ('ghost')")
    cur.execute("DELETE FROM item WHERE name = 'apple'")
    conn.rollback()
    cur.execute("SELECT name FROM item ORDER BY name")
    out("after_rollback", rows(cur))

    # A unique violation, told by its SQLSTATE; the connection goes on.
    try:
        cur.execute("INSERT INTO item (name) VALUES (%s)", ("apple",))
        out("unique_violation", "no error")
    except Exception as e:  # the driver's IntegrityError
        out("unique_violation", adapter.sqlstate(e))
    conn.rollback()
    try:
        cur.execute("INSERT INTO orders (item_id, qty) VALUES (%s, %s)", (ids[0], 0))
        out("check_violation", "no error")
    except Exception as e:
        out("check_violation", adapter.sqlstate(e))
    conn.rollback()

    # Orders, then a join with aggregates.
    for item_id, qty in [(ids[0], 2), (ids[0], 3), (ids[1], 1), (ids[0], 1)]:
        cur.execute("INSERT INTO orders (item_id, qty) VALUES (%s, %s)", (item_id, qty))
    conn.commit()
    cur.execute(
        "SELECT i.name, count(o.id), coalesce(sum(o.qty), 0), max(o.qty), round(avg(o.qty), 2) "
        "FROM item i LEFT JOIN orders o ON o.item_id = i.id GROUP BY i.name HAVING count(o.id) >= 0 ORDER BY i.name"
    )
    out("join_aggregate", rows(cur))

    # Pagination.
    pages = []
    for page in range(3):
        cur.execute("SELECT name FROM item ORDER BY name LIMIT %s OFFSET %s", (2, page * 2))
        pages.append(rows(cur))
    out("pagination", pages)

    # Upsert.
    cur.execute(
        "INSERT INTO item (name, qty) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET qty = item.qty + excluded.qty RETURNING name, qty",
        ("apple", 100),
    )
    out("upsert_update", rows(cur))
    cur.execute("INSERT INTO item (name, qty) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING RETURNING id", ("apple", 1))
    out("upsert_nothing", rows(cur))
    cur.execute("DELETE FROM item WHERE name = %s RETURNING name, qty", ("cheese",))
    out("delete_returning", rows(cur))
    conn.commit()
    cur.execute("SELECT i.name, o.qty FROM orders o JOIN item i ON i.id = o.item_id ORDER BY o.id")
    out("cascade_kept", rows(cur))

    # The catalog, as an application introspects it.
    cur.execute(
        "SELECT table_name, column_name, data_type, is_nullable, column_default IS NOT NULL "
        "FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('item', 'orders') "
        "ORDER BY table_name, ordinal_position"
    )
    out("information_schema", rows(cur))
    cur.execute(
        "SELECT tc.constraint_type, kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
        "WHERE tc.table_name = 'orders' ORDER BY 1, 2"
    )
    out("constraints", rows(cur))

    if hasattr(adapter, "extra"):
        adapter.extra(conn, out)
    conn.close()
