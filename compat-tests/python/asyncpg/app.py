"""asyncpg against a schema with an enum, an array and a jsonb column:
asyncpg prepares every statement and introspects unknown types (the enum)
through pg_type, so this exercises the binary protocol and the type catalog."""
import asyncio
import json
import os

import asyncpg


def out(kind, value):
    print(json.dumps([kind, value], sort_keys=True, default=str))


async def main():
    c = await asyncpg.connect(os.environ["DATABASE_URL"])
    await c.execute("DROP TABLE IF EXISTS ticket")
    await c.execute("DROP TYPE IF EXISTS mood")
    await c.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    await c.execute(
        "CREATE TABLE ticket (id serial PRIMARY KEY, m mood NOT NULL, tags text[], meta jsonb, due date, price numeric(8,2))"
    )
    import datetime
    import decimal

    await c.executemany(
        "INSERT INTO ticket (m, tags, meta, due, price) VALUES ($1, $2, $3, $4, $5)",
        [
            ("happy", ["a", "b"], '{"x": 1}', datetime.date(2024, 2, 29), decimal.Decimal("12.50")),
            ("sad", [], None, None, None),
            ("ok", ["c"], '{"y": [1, 2]}', datetime.date(1999, 12, 31), decimal.Decimal("0.01")),
        ],
    )
    rows = await c.fetch("SELECT id, m, tags, meta, due, price FROM ticket ORDER BY m")
    out("rows", [dict(r) for r in rows])
    out("enum_param", await c.fetchval("SELECT count(*) FROM ticket WHERE m > $1", "sad"))
    out("enum_array", await c.fetchval("SELECT array_agg(m ORDER BY m) FROM ticket"))
    out("enum_range", await c.fetchval("SELECT enum_range(NULL::mood)"))
    try:
        await c.execute("INSERT INTO ticket (m) VALUES ($1)", "angry")
    except asyncpg.PostgresError as e:
        out("bad_enum", [e.sqlstate, str(e)])
    async with c.transaction():
        await c.execute("UPDATE ticket SET m = 'ok' WHERE m = 'sad'")
    out("after_update", await c.fetch("SELECT m, count(*) FROM ticket GROUP BY m ORDER BY m"))
    stmt = await c.prepare("SELECT id FROM ticket WHERE tags @> $1 ORDER BY id")
    out("contains", [r["id"] for r in await stmt.fetch(["a"])])
    out("types", [(a.name, a.type.name, a.type.kind) for a in stmt.get_attributes()])
    # Pagination, an upsert with RETURNING, a unique violation, a join with aggregates.
    await c.execute("CREATE UNIQUE INDEX IF NOT EXISTS ticket_due ON ticket (due)")
    out("page", [r["id"] for r in await c.fetch("SELECT id FROM ticket ORDER BY id LIMIT $1 OFFSET $2", 2, 1)])
    out("upsert", [dict(r) for r in await c.fetch("INSERT INTO ticket (m, due, price) VALUES ('ok', $1, 1) ON CONFLICT (due) DO UPDATE SET price = excluded.price RETURNING id, price", datetime.date(2024, 2, 29))])
    try:
        await c.execute("INSERT INTO ticket (m, due) VALUES ('ok', $1)", datetime.date(1999, 12, 31))
    except asyncpg.UniqueViolationError as e:
        out("unique_violation", [e.sqlstate, e.constraint_name])
    out("aggregate", [dict(r) for r in await c.fetch("SELECT m, count(*) AS n, sum(price) AS total FROM ticket GROUP BY m ORDER BY m")])
    # COPY of Python records in the binary format is asyncpg's bulk load.
    await c.execute("DROP TABLE IF EXISTS ticket_copy")
    await c.execute("CREATE TABLE ticket_copy (id int PRIMARY KEY, note text, due date, price numeric(8,2))")
    try:
        result = await c.copy_records_to_table(
            "ticket_copy",
            records=[(1, "one", datetime.date(2024, 1, 1), decimal.Decimal("1.10")), (2, None, None, None)],
            columns=["id", "note", "due", "price"],
        )
        out("copy_records", [result, [dict(r) for r in await c.fetch("SELECT * FROM ticket_copy ORDER BY id")]])
    except asyncpg.PostgresError as e:
        out("copy_records", ["error", e.sqlstate])
    await c.close()
    # TLS, certificate not verified (sslmode=require).
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = await asyncpg.connect(os.environ["DATABASE_URL_TLS"].split("?")[0], ssl=ctx)
    out("tls", await tls.fetchval("SELECT 'ok'::text"))
    await tls.close()


asyncio.run(main())
