"""psycopg2 as an application uses it (see app_scenario.py), plus
copy_expert and execute_values."""
import io
import os
import sys

# The shared scenario sits one folder up (after site-packages on the path).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import psycopg2
import psycopg2.extras

psycopg2.extras.register_uuid()

import app_scenario


class Adapter:
    def urls(self):
        return os.environ["DATABASE_URL"], os.environ["DATABASE_URL_TLS"]

    def connect(self, url, tls):
        return psycopg2.connect(url)

    def tls_in_use(self, conn):
        return bool(conn.info.ssl_in_use)

    def sqlstate(self, e):
        return e.pgcode

    def extra(self, conn, out):
        cur = conn.cursor()
        cur.execute("CREATE TABLE IF NOT EXISTS copied (id int PRIMARY KEY, label text)")
        conn.commit()
        cur.execute("TRUNCATE copied")
        cur.copy_expert("COPY copied FROM STDIN WITH (FORMAT csv)", io.StringIO('1,one\n2,"two, too"\n3,\n'))
        psycopg2.extras.execute_values(cur, "INSERT INTO copied (id, label) VALUES %s", [(4, "four"), (5, "five")])
        conn.commit()
        buf = io.StringIO()
        cur.copy_expert("COPY (SELECT * FROM copied ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", buf)
        out("copy_csv", buf.getvalue())
        cur = conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor)
        cur.execute("SELECT id, label FROM copied WHERE id = ANY(%s) ORDER BY id", ([1, 3, 5],))
        out("dict_rows_any", cur.fetchall())


app_scenario.run(Adapter())
