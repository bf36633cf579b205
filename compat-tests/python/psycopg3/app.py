"""psycopg 3 as an application uses it (see app_scenario.py), with every
statement prepared on the server (prepare_threshold=0), a query with binary
parameters and results, and COPY in both directions."""
import os
import sys

# The shared scenario sits one folder up (after site-packages on the path).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import psycopg

import app_scenario


class Adapter:
    def urls(self):
        return os.environ["DATABASE_URL"], os.environ["DATABASE_URL_TLS"]

    def connect(self, url, tls):
        conn = psycopg.connect(url)
        # Server-side prepared statements from the first execution on.
        conn.prepare_threshold = 0
        return conn

    def tls_in_use(self, conn):
        return bool(conn.pgconn.ssl_in_use)

    def sqlstate(self, e):
        return e.sqlstate

    def extra(self, conn, out):
        cur = conn.cursor()
        cur.execute("SELECT name, qty, price, tags FROM item WHERE qty >= %s ORDER BY name", (0,), binary=True)
        out("binary", [list(r) for r in cur.fetchall()])
        cur.execute("CREATE TABLE IF NOT EXISTS copied (id int PRIMARY KEY, label text, at date)")
        conn.commit()
        cur.execute("TRUNCATE copied")
        with cur.copy("COPY copied (id, label, at) FROM STDIN") as copy:
            for i in range(1, 6):
                copy.write_row((i, f"label {i}" if i != 3 else None, f"2024-01-0{i}"))
        conn.commit()
        with cur.copy("COPY (SELECT id, label, at FROM copied ORDER BY id) TO STDOUT") as copy:
            out("copy_roundtrip", [list(r) for r in copy.rows()])
        # The same prepared statement many times (psycopg names it once).
        totals = []
        for i in range(5):
            cur.execute("SELECT count(*) FROM copied WHERE id > %s", (i,))
            totals.append(cur.fetchone()[0])
        out("prepared_reuse", totals)
        with conn.transaction():
            cur.execute("INSERT INTO copied VALUES (10, 'in a block', NULL)")
            with conn.transaction():  # a savepoint
                cur.execute("INSERT INTO copied VALUES (11, 'inner', NULL)")
        try:
            with conn.transaction():
                cur.execute("INSERT INTO copied VALUES (12, 'rolled back', NULL)")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        cur.execute("SELECT id FROM copied WHERE id >= 10 ORDER BY id")
        out("transaction_blocks", [r[0] for r in cur.fetchall()])
        conn.commit()


app_scenario.run(Adapter())
