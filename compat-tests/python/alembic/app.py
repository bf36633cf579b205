"""An Alembic autogenerate + upgrade cycle: three model versions, each turned
into a migration script by autogenerate and applied with `upgrade head`;
after each upgrade autogenerate must find nothing left to do. The third
alters the referenced table (and the referencing one), then rows are
written through both. Prints the
operations each revision holds and what the inspector sees at the end."""
import contextlib
import io
import json
import os
import pathlib
import tempfile

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

URL = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://")
engine = sa.create_engine(URL)
with engine.begin() as c:
    c.execute(sa.text("DROP TABLE IF EXISTS alembic_version, post, author CASCADE"))


def out(kind, value):
    print(json.dumps([kind, value], sort_keys=True, default=str))


def models(version):
    meta = sa.MetaData()
    author = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80 if version < 3 else 120), nullable=False, unique=True),
        sa.Column("born", sa.Date),
    ]
    if version == 3:
        # The referenced table changes under its children: a type change, a
        # new NOT NULL column with a server default.
        author.append(sa.Column("active", sa.Boolean, server_default=sa.true(), nullable=False))
    sa.Table("author", meta, *author)
    cols = [
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.Text, nullable=version == 3),
        sa.Column("published", sa.Boolean, server_default=sa.false(), nullable=False),
    ]
    if version >= 2:
        cols += [
            sa.Column("score", sa.Numeric(5, 2)),
            sa.Column("tags", sa.JSON),
            sa.Index("post_title_idx", "title"),
        ]
    sa.Table("post", meta, *cols)
    return meta


def diff(meta):
    """What autogenerate would put in the next revision."""
    with engine.connect() as c:
        ctx = MigrationContext.configure(c, opts={"compare_type": True})
        return compare_metadata(ctx, meta)


def describe(diffs):
    """Each difference as (operation, table, column or index), sorted."""
    items = []
    for d in diffs:
        for op in (d if isinstance(d, list) else [d]):
            kind, rest = op[0], op[1:]
            names = []
            for x in rest:
                if isinstance(x, (sa.Table, sa.Index, sa.Column, sa.UniqueConstraint, sa.ForeignKeyConstraint)):
                    names.append(getattr(x, "name", None))
                elif isinstance(x, str):
                    names.append(x)
            items.append([kind] + [n for n in names if n])
    return sorted(items)


ENV_PY = '''
from alembic import context
import sqlalchemy as sa
import models_holder
config = context.config
engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=models_holder.META, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
'''

with tempfile.TemporaryDirectory() as d:
    root = pathlib.Path(d)
    cfg = Config(str(root / "alembic.ini"), stdout=io.StringIO())
    with contextlib.redirect_stdout(io.StringIO()):
        command.init(cfg, str(root / "migrations"), template="generic")
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", URL)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    holder = root / "models_holder.py"
    holder.write_text("META = None\n")
    import sys

    sys.path.insert(0, str(root))
    import models_holder

    for version in (1, 2, 3):
        models_holder.META = models(version)
        out(f"v{version}.diff_before", describe(diff(models_holder.META)))
        with contextlib.redirect_stdout(io.StringIO()):
            command.revision(cfg, message=f"v{version}", autogenerate=True, rev_id=f"r{version}")
            command.upgrade(cfg, "head")
        out(f"v{version}.diff_after_upgrade", describe(diff(models_holder.META)))
    with engine.connect() as c:
        out("alembic_version", c.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all())
    # Writes through both tables after the referenced one was altered.
    with engine.begin() as c:
        a1 = c.execute(sa.text("INSERT INTO author (name) VALUES ('Ann') RETURNING id, active")).one()
        a2 = c.execute(sa.text("INSERT INTO author (name) VALUES ('Bob') RETURNING id")).scalar()
        c.execute(sa.text("INSERT INTO post (author_id, title) VALUES (:a, 'one'), (:a, NULL), (:b, 'three')"), {"a": a1.id, "b": a2})
    out("v3.insert", [a1.active])
    try:
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO post (author_id, title) VALUES (424242, 'orphan')"))
        out("v3.fk_violation", "inserted")
    except sa.exc.IntegrityError as e:
        out("v3.fk_violation", e.orig.pgcode)
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM author WHERE name = 'Ann'"))
        out("v3.cascade", c.execute(sa.text("SELECT a.name, count(p.id) FROM author a LEFT JOIN post p ON p.author_id = a.id GROUP BY a.name ORDER BY 1")).all())
        c.execute(sa.text("DELETE FROM post"))
        c.execute(sa.text("DELETE FROM author"))
    with contextlib.redirect_stdout(io.StringIO()):
        command.downgrade(cfg, "r1")
    insp = sa.inspect(engine)
    out("after_downgrade.post", sorted(col["name"] for col in insp.get_columns("post")))
    out("after_downgrade.indexes", sorted(i["name"] for i in insp.get_indexes("post")))
    with contextlib.redirect_stdout(io.StringIO()):
        command.upgrade(cfg, "head")
    insp = sa.inspect(engine)
    for t in ("author", "post"):
        out(f"{t}.columns", [{k: str(v) for k, v in col.items() if k in ("name", "type", "nullable", "default")} for col in insp.get_columns(t)])
        out(f"{t}.indexes", sorted((i["name"], i["column_names"], i["unique"]) for i in insp.get_indexes(t)))
        out(f"{t}.fks", [(f["constrained_columns"], f["referred_table"], f["options"]) for f in insp.get_foreign_keys(t)])

# The migrated database over TLS (sslmode=require).
tls = sa.create_engine(os.environ["DATABASE_URL_TLS"].replace("postgresql://", "postgresql+psycopg2://"))
with tls.connect() as c:
    out("tls", [c.scalar(sa.text("SELECT count(*) FROM alembic_version")), c.connection.dbapi_connection.info.ssl_in_use])
tls.dispose()
