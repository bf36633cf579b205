"""pg8000 (pure Python, extended protocol with typed parameters) as an
application uses it (see app_scenario.py)."""
import os
import ssl
import sys
import urllib.parse

# The shared scenario sits one folder up (after site-packages on the path).
sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import pg8000.dbapi

import app_scenario


class Adapter:
    def urls(self):
        return os.environ["DATABASE_URL"], os.environ["DATABASE_URL_TLS"]

    def connect(self, url, tls):
        u = urllib.parse.urlparse(url)
        context = None
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn = pg8000.dbapi.connect(user=u.username, password=u.password, host=u.hostname, port=u.port, database=u.path.lstrip("/"), ssl_context=context)
        conn.tls = tls
        return conn

    def tls_in_use(self, conn):
        return conn.tls

    def sqlstate(self, e):
        return e.args[0].get("C") if e.args and isinstance(e.args[0], dict) else str(e)


app_scenario.run(Adapter())
