"""SQLAlchemy's inspector against a database: create a schema, then print
everything the inspector reports about it, as sorted JSON lines, so the
output can be compared between litegres and PostgreSQL."""
import json
import os

import sqlalchemy as sa

engine = sa.create_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://"))

DDL = [
    "DROP TABLE IF EXISTS line, orders, customer CASCADE",
    "DROP TYPE IF EXISTS status",
    "CREATE TYPE status AS ENUM ('new', 'paid', 'shipped')",
    """CREATE TABLE customer (
        id serial PRIMARY KEY,
        email varchar(120) NOT NULL UNIQUE,
        name text,
        created timestamptz NOT NULL DEFAULT now(),
        balance numeric(10,2) DEFAULT 0,
        CONSTRAINT balance_nonnegative CHECK (balance >= 0))""",
    """CREATE TABLE orders (
        id bigserial PRIMARY KEY,
        customer_id int NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        state status NOT NULL DEFAULT 'new',
        note text,
        total numeric(12,2))""",
    "CREATE INDEX orders_customer_idx ON orders (customer_id)",
    "CREATE UNIQUE INDEX orders_note_uq ON orders (note)",
    """CREATE TABLE line (
        order_id bigint REFERENCES orders(id),
        n int,
        qty smallint,
        PRIMARY KEY (order_id, n))""",
]

with engine.begin() as c:
    for stmt in DDL:
        c.execute(sa.text(stmt))

insp = sa.inspect(engine)


def out(kind, value):
    print(json.dumps([kind, value], sort_keys=True, default=str))


out("tables", sorted(insp.get_table_names()))
out("enums", insp.get_enums())
for t in sorted(insp.get_table_names()):
    cols = [
        {k: str(v) if k == "type" else v for k, v in col.items() if k in ("name", "type", "nullable", "default", "autoincrement")}
        for col in insp.get_columns(t)
    ]
    out(f"{t}.columns", cols)
    out(f"{t}.pk", insp.get_pk_constraint(t))
    out(f"{t}.fks", sorted(insp.get_foreign_keys(t), key=lambda f: f["name"] or ""))
    out(f"{t}.indexes", sorted(insp.get_indexes(t), key=lambda i: i["name"]))
    out(f"{t}.uniques", sorted(insp.get_unique_constraints(t), key=lambda u: u["name"]))
    out(f"{t}.checks", sorted(insp.get_check_constraints(t), key=lambda c: c["name"]))

# The ORM over the reflected tables: inserts with RETURNING, an enum, a join,
# an update, a cascading delete and a rolled-back session.
meta = sa.MetaData()
meta.reflect(bind=engine)
customer, orders = meta.tables["customer"], meta.tables["orders"]

from sqlalchemy.orm import Session, registry

reg = registry()


class Customer:
    pass


class Order:
    pass


reg.map_imperatively(Customer, customer)
reg.map_imperatively(Order, orders)

with Session(engine) as s:
    ann = Customer()
    ann.email, ann.name, ann.balance = "ann@example.com", "Ann", 10
    s.add(ann)
    s.flush()
    for total, state in (("19.99", "new"), ("5.00", "paid")):
        o = Order()
        o.customer_id, o.total, o.state = ann.id, total, state
        s.add(o)
    s.commit()
    out("orm.customer_id", ann.id)
    rows = s.execute(
        sa.select(customer.c.name, orders.c.state, orders.c.total)
        .join(orders, orders.c.customer_id == customer.c.id)
        .order_by(orders.c.id)
    ).all()
    out("orm.join", [list(r) for r in rows])
    s.execute(sa.update(orders).where(orders.c.state == "new").values(state="shipped"))
    s.commit()
    out("orm.states", s.scalars(sa.select(orders.c.state).order_by(orders.c.id)).all())
    s.add(Customer())  # email is NOT NULL: the flush fails, the session rolls back
    try:
        s.commit()
    except sa.exc.IntegrityError as e:
        out("orm.not_null", e.orig.pgcode)
        s.rollback()
    # An upsert (PostgreSQL's INSERT ... ON CONFLICT), a unique violation, pagination.
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    up = pg_insert(customer).values(email="ann@example.com", name="Ann B.", balance=1)
    up = up.on_conflict_do_update(index_elements=["email"], set_={"name": up.excluded.name}).returning(customer.c.name, customer.c.balance)
    out("orm.upsert", [list(r) for r in s.execute(up).all()])
    s.commit()
    try:
        s.execute(sa.insert(customer).values(email="ann@example.com", name="dup", balance=0))
        s.commit()
    except sa.exc.IntegrityError as e:
        out("orm.unique_violation", e.orig.pgcode)
        s.rollback()
    for i in range(5):
        s.execute(sa.insert(customer).values(email=f"c{i}@example.com", name=f"C{i}", balance=i))
    s.commit()
    out("orm.page", s.scalars(sa.select(customer.c.email).order_by(customer.c.email).limit(2).offset(2)).all())
    s.delete(s.get(Customer, ann.id))
    s.commit()
    out("orm.after_delete", s.scalar(sa.select(sa.func.count()).select_from(orders)))

# The same engine over TLS (sslmode=require: encrypted, certificate not verified).
tls = sa.create_engine(os.environ["DATABASE_URL_TLS"].replace("postgresql://", "postgresql+psycopg2://"))
with tls.connect() as c:
    out("tls", [c.scalar(sa.text("SELECT count(*) FROM customer")), c.connection.dbapi_connection.info.ssl_in_use])
tls.dispose()
